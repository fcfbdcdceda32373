// A peer of the gate attack (gate_attack.cpp). Its call entry 0 is an assembly stub that keeps
// every register exactly as the kernel delivered it, so the peer checks that no kernel value
// reached it, then acts on the command in a1:
//   kPing     reply a1 ^ kMagic
//   kChain    call the next slot's peer with kChain (the chain of waiting, serving peers); the
//             last peer but one is left idle, the last one attacks (kAttack below)
//   kZero     (the idle peer, called by the attacker while it waits) Call(0) and Call(attacker)
//   kReport   reply how often a forged call entered us and how many kernel values we saw
// Any other entry is a forged call that got through: counted and reported.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <initializer_list>
#include <exos/syscall.h>
#include <exos/transfer.h>

#include "gate_protocol.h"
#include "registers.h"

namespace {

using abi::Error;

uint64_t forged_entries = 0;
uint64_t kernel_values_seen = 0;
uint64_t my_slot() { return (exos::shared_info().environment_id & 0xffff) - 1; }

// The attack proper, run by the last peer while every other environment waits or serves: every
// value a gate or the directory can hold, and every 8-byte-aligned address of the kernel image
// and of its direct-map alias (environment records, the directory, the hart page), as a callee
// id. None may be accepted; each refusal must name an error and leak nothing.
void attack(uint64_t caller, uint64_t slots, uint64_t results[5]) {
    uint64_t me = exos::shared_info().environment_id;
    uint64_t idle_peer = gate::id_of_slot(my_slot() - 1);
    uint64_t accepted = 0, wrong_errors = 0, leaks = 0;
    auto forged = [&](uint64_t a0) {
        exos::CallResult result = exos::call(a0, 0, gate::kProbe);
        if (result.error == Error::Ok) ++accepted;
        if (result.error != Error::NoSuchEnvironment && result.error != Error::Busy &&
            result.error != Error::InvalidArgument && result.error != Error::Ok) {
            ++wrong_errors;
        }
    };
    // Ourselves, 0 (the directory's index 0), the dead and serving markers, wrong generations.
    wrong_errors += exos::call(0, 0, gate::kProbe).error != Error::NoSuchEnvironment;
    wrong_errors += exos::call(me, 0, gate::kProbe).error != Error::InvalidArgument;
    wrong_errors +=
        exos::call(caller, 0, gate::kProbe).error != Error::Busy; // serving us... waiting
    wrong_errors +=
        exos::call(gate::id_of_slot(0), 0, gate::kProbe).error != Error::Busy; // the driver waits
    for (uint64_t value : gate::kMarkers) forged(value);
    for (uint64_t slot = 0; slot < slots; ++slot) {
        uint64_t id = gate::id_of_slot(slot);
        for (uint64_t generation = 0; generation < 4; ++generation) {
            if (generation != 1) forged((generation << 16) | (id & 0xffff));
        }
        forged(id | (uint64_t{1} << 63));
        forged(id + (uint64_t{1} << 48));
    }
    for (uint64_t base : {gate::kKernelImage, gate::kKernelDirectMap}) {
        for (uint64_t address = base; address < base + gate::kScanBytes; address += 8)
            forged(address);
    }
    for (uint64_t address = gate::kHartPage; address != 0; address += 8) forged(address);
    // Every register after a refused transfer.
    uint64_t before[32], after[32];
    for (uint64_t value : gate::kMarkers) {
        attack::prepare(before, abi::kCall, value, gate::kProbe);
        for (int n = 0; n < 32; ++n) after[n] = before[n];
        attack::attack_ecall(after);
        leaks += attack::leaks_after_syscall(before, after);
    }
    // While we wait on a call to the idle peer, it tries Call(0) and calls us.
    exos::CallResult zero = exos::call(idle_peer, 0, gate::kZero, me);
    results[0] = accepted;
    results[1] = wrong_errors + (zero.error != Error::Ok) + zero.value[0];
    if (results[1] != 0) {
        exos::printf("gate_peer %lu: %lu wrong errors, the idle peer's call: %s, %lu wrong\n",
                     my_slot(), wrong_errors, abi::to_string(zero.error), zero.value[0]);
    }
    results[2] = leaks;
    results[3] = gate::kMagic;
}

// The command, on the registers the entry stub kept (regs[n] = xn as the kernel delivered it).
extern "C" void gate_peer_dispatch(uint64_t* regs) {
    for (int n = 1; n < 32; ++n) {
        if (n != attack::kSp && attack::kernel_value(regs[n])) {
            ++kernel_values_seen;
            exos::printf("gate_peer %lu: x%d = %lx, a kernel value, at entry (command %lu)\n",
                         my_slot(), n, regs[n], regs[attack::kA1]);
        }
    }
    // The trap vector's own registers come back zero (docs/abi.md).
    kernel_values_seen +=
        (regs[attack::kT0] != 0) + (regs[attack::kT1] != 0) + (regs[attack::kA6] != 0);
    uint64_t caller = regs[attack::kA0];
    uint64_t command = regs[attack::kA1];
    uint64_t argument = regs[12];
    uint64_t results[5] = {};
    switch (command) {
    case gate::kPing: results[0] = argument ^ gate::kMagic; break;
    case gate::kChain: {
        // argument: the number of environment slots. The last one attacks; the one before it
        // stays idle for the attacker to call; every other calls the next and waits.
        uint64_t last = argument - 1;
        uint64_t next = my_slot() + 1 == last - 1 ? last : my_slot() + 1;
        if (my_slot() == last) {
            attack(caller, argument, results);
        } else {
            exos::CallResult deeper = exos::call(gate::id_of_slot(next), 0, gate::kChain, argument);
            for (int i = 0; i < 4; ++i) results[i] = deeper.value[i];
            if (deeper.error != Error::Ok) results[1] += 1000;
        }
        break;
    }
    case gate::kZero: {
        // The attacker (argument) waits on us; the slot it sits in must not be reachable by 0.
        uint64_t wrong = exos::call(0, 0, gate::kProbe).error != Error::NoSuchEnvironment;
        wrong += exos::call(argument, 0, gate::kProbe).error != Error::Busy;
        results[0] = wrong;
        break;
    }
    case gate::kReport:
        results[0] = forged_entries;
        results[1] = kernel_values_seen;
        break;
    default: ++forged_entries; break;
    }
    for (int i = 0; i < 5; ++i) regs[attack::kA1 + i] = results[i];
}

alignas(16) char entry_stack[8192];

}  // namespace

// Call entry 0: every register onto the entry's stack as delivered, our gp, the C++, Reply with
// the results the C++ left in the a1..a5 slots.
extern "C" [[gnu::naked]] void gate_peer_entry() {
    asm volatile(R"(
    addi    sp, sp, -256
    sd      x1, 8(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n * 8(sp)
    .endr
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    mv      a0, sp
    call    gate_peer_dispatch
    .irp n, 11,12,13,14,15
    ld      x\n, \n * 8(sp)
    .endr
    li      a7, %0
    ecall
)" ::"i"(abi::kReply));
}

int main() {
    (void)exos::set_entry(abi::Entry::Call0, reinterpret_cast<uint64_t>(&gate_peer_entry),
                         reinterpret_cast<uint64_t>(entry_stack + sizeof(entry_stack)));
    uint64_t parent = exos::shared_info().parent_id;
    for (;;) (void)exos::yield(parent);
}
