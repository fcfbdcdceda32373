// The gate attack (issue 11), as an outside attacker would run it with nothing but the ABI:
// every environment slot in use; every value a gate or the trap vector's directory can hold
// tried as a callee id against idle, busy, waiting and self targets; registers checked after
// every kind of syscall and transfer for kernel addresses and satp values; and the legitimate
// caller of a busy server checked to get its reply.
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/children.h>
#include <exos/shared_info.h>
#include <exos/transfer.h>

#include "../check.h"
#include "gate_protocol.h"
#include "registers.h"

namespace {

using abi::Error;
exos::FramePool pool;

// One syscall with every register patterned; returns how many registers broke the rule.
int leaks_of(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    uint64_t before[32], after[32];
    attack::prepare(before, number, a0, a1, a2);
    for (int n = 0; n < 32; ++n) after[n] = before[n];
    attack::attack_ecall(after);
    return attack::leaks_after_syscall(before, after);
}

char message[] = "gate_attack: a console write with every register patterned\n";

// Our own call entry, registered so that callers see us Busy while we wait; nobody may enter it.
void never_entered(uint64_t caller, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t[5]) {
    exos::printf("CHECK FAILED: the driver's entry entered by %lx\n", caller);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    EXPECT(exos::serve(0, never_entered) == Error::Ok);
    uint64_t me = exos::shared_info().environment_id;
    EXPECT(me == gate::id_of_slot(0));

    // Every slot in use: children until the table is full.
    uint64_t slots = 1;
    Error last = Error::Ok;
    while (last == Error::Ok) {
        exos::Child child = exos::spawn(pool, 1, 0);
        last = child.error;
        if (last == Error::Ok) {
            EXPECT(child.id == gate::id_of_slot(slots));
            ++slots;
        }
    }
    EXPECT(last == Error::TooMany);
    exos::printf("gate_attack: %lu environments, every slot in use (then: %s)\n", slots,
                 abi::to_string(last));
    // Each peer registers its entry when it first runs.
    for (uint64_t slot = 1; slot < slots; ++slot) {
        exos::CallResult ping = exos::call(gate::id_of_slot(slot), 0, gate::kPing, slot);
        while (ping.error == Error::InvalidArgument) {
            (void)exos::yield(gate::id_of_slot(slot));
            ping = exos::call(gate::id_of_slot(slot), 0, gate::kPing, slot);
        }
        EXPECT(ping.error == Error::Ok && ping.value[0] == (slot ^ gate::kMagic));
    }

    // Registers after table calls (fast and with the frame), refused and unknown numbers.
    int leaks = 0;
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::Null));
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::ConsoleWrite),
                      reinterpret_cast<uint64_t>(message), sizeof(message) - 1);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::ConsoleWrite), gate::kKernelImage, 16);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::FrameQuery), 0x80200);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::SliceRead), 0);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::PteRead), 0x10000);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::Protect), 0x20000000, 1, 0);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::Yield), 0);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::Yield), gate::id_of_slot(1));
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::UpcallReturn), 0);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::EnvDestroy), 0x7777000009);
    leaks += leaks_of(static_cast<uint64_t>(abi::Syscall::Count) + 3);
    leaks += leaks_of(abi::kReply);
    leaks += leaks_of(abi::kCall, 0);
    leaks += leaks_of(abi::kCall, me);
    leaks += leaks_of(abi::kSend + 1, gate::id_of_slot(1));
    leaks += leaks_of(abi::kTransferEnd + 5);
    // A fast Call answered by a peer: the registers are the peer's, none the kernel's.
    uint64_t regs[32];
    attack::prepare(regs, abi::kCall, gate::id_of_slot(1), gate::kPing, 7);
    attack::attack_ecall(regs);
    EXPECT(regs[attack::kA0] == 0 && regs[attack::kA1] == (7 ^ gate::kMagic));
    leaks += attack::leaks_after_reply(regs);
    EXPECT(leaks == 0);

    // Every forged value against idle peers (their gates are their ids).
    uint64_t accepted = 0;
    auto forged = [&](uint64_t a0) {
        accepted += exos::call(a0, 0, gate::kProbe).error == Error::Ok;
    };
    for (uint64_t value : gate::kMarkers) forged(value);
    for (uint64_t address = gate::kKernelImage; address < gate::kKernelImage + gate::kScanBytes;
         address += 8) {
        forged(address);
    }
    EXPECT(accepted == 0);

    // The chain: each peer calls the next and waits, so every gate holds a caller's address or
    // says "running"; the last peer attacks while its own caller and the rest wait on it.
    exos::CallResult chain = exos::call(gate::id_of_slot(1), 0, gate::kChain, slots);
    EXPECT(chain.error == Error::Ok);
    EXPECT(chain.value[3] == gate::kMagic);  // the legitimate caller got its reply
    EXPECT(chain.value[0] == 0);             // no forged value was accepted
    EXPECT(chain.value[1] == 0);             // every refusal named the right error
    EXPECT(chain.value[2] == 0);             // and left no kernel value in a register
    uint64_t forged_entries = 0, kernel_values = 0;
    for (uint64_t slot = 1; slot < slots; ++slot) {
        exos::CallResult report = exos::call(gate::id_of_slot(slot), 0, gate::kReport);
        EXPECT(report.error == Error::Ok);
        forged_entries += report.value[0];
        kernel_values += report.value[1];
    }
    EXPECT(forged_entries == 0);
    EXPECT(kernel_values == 0);
    exos::printf(
        "gate_attack: forged ids accepted: %lu while idle, %lu while every peer waits or serves; "
        "forged entries %lu; kernel values in registers %d (syscalls), %lu (entries), %lu "
        "(attacker)\n",
        accepted, chain.value[0], forged_entries, leaks, kernel_values, chain.value[2]);
    EXPECT_AUDIT_CLEAN("the gate attack");
    exos::printf("gate_attack: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
