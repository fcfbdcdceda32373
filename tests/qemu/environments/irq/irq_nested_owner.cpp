// The owner of device 0, for the nested-event scenario (irq_nested_init.cpp). Its main context
// fills every register with a pattern, enables the device's interrupt itself and spins; the
// interrupt enters its event entry directly (trap page event_busy). Inside, the handler
// re-arms the device so a second interrupt is pending, has its parent try to Call it (after a
// yield, and after slot ends), and yields. The second event must arrive only after the first has
// ended, as an upcall, and the main context must come back with all 31 registers intact: its
// slice-start entry resumes it (ResumeContext, every register as the kernel saved it) past the
// spin loop, where they are checked.
#include <abi/trap_page.h>
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/transfer.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"
#include "device.h"
#include "nested_protocol.h"

// fill_and_spin(seed, enable): every register xn but sp and gp to seed + n (sp and gp stay as
// they are, recorded in expected_sp_gp), then the store that lets the device interrupt, then a
// loop that touches no register. nested_after is where the slice-start entry resumes it: it
// dumps x1..x31 below sp, has count_changed_registers compare them, and returns the count.
asm(R"(
    .text
    .globl fill_and_spin
fill_and_spin:
    addi    sp, sp, -112
    sd      ra, 0(sp)
    .irp n, 8,9
    sd      x\n, (\n - 7) * 8(sp)
    .endr
    .irp n, 18,19,20,21,22,23,24,25,26,27
    sd      x\n, (\n - 15) * 8(sp)
    .endr
    sd      tp, 104(sp)
    la      t0, expected_sp_gp
    sd      sp, 0(t0)
    sd      gp, 8(t0)
    mv      t0, a1
    .irp n, 1,4,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    addi    x\n, a0, \n
    .endr
    li      t1, 1
    sw      t1, 0(t0)               # the device may interrupt from here on
    addi    t0, a0, 5
    addi    t1, a0, 6
    addi    a0, a0, 10
    .globl nested_spin
nested_spin:
    j       nested_spin
    .globl nested_after
nested_after:
    addi    sp, sp, -256
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n * 8(sp)
    .endr
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    mv      a0, sp
    addi    a1, sp, 256
    call    count_changed_registers
    addi    sp, sp, 256
    ld      ra, 0(sp)
    .irp n, 8,9
    ld      x\n, (\n - 7) * 8(sp)
    .endr
    .irp n, 18,19,20,21,22,23,24,25,26,27
    ld      x\n, (\n - 15) * 8(sp)
    .endr
    ld      tp, 104(sp)
    addi    sp, sp, 112
    ret
)");
extern "C" uint64_t fill_and_spin(uint64_t seed, uint64_t enable);
extern "C" char nested_spin[], nested_after[];
extern "C" uint64_t expected_sp_gp[2];
uint64_t expected_sp_gp[2];

namespace {

using namespace nested;

constexpr uint64_t kSeed = 0x5eed'0000'0000'0000;
abi::DeviceKind kind;
mailbox::Mailbox& box = mailbox::at();
volatile uint64_t handled = 0;
volatile bool first_running = false;  // the first event's handler has not finished
volatile bool nested_entry = false;   // the second event started while the first ran
volatile bool events_done = false;
volatile uint64_t first_changed = 0;  // 1 + the lowest register that changed

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

uint64_t rounds(uint64_t count) {
    const volatile abi::SharedInfo& info = exos::shared_info();
    return count * info.slot_ticks * info.slots_per_round;
}

// Inside the first event, entered directly: a second interrupt pending, the parent's Calls, a
// yield.
void first_event() {
    const volatile abi::SharedInfo& info = exos::shared_info();
    const volatile abi::TrapPage& page =
        *reinterpret_cast<const volatile abi::TrapPage*>(abi::kTrapPageAddress);
    box.words[kEnteredDirectly] = page.event_busy != 0;
    uint64_t delivered = info.irq_delivered;
    device::trigger(kind);
    uint64_t give_up = now() + rounds(2);
    while (info.irq_delivered == delivered && now() < give_up) {
    }
    box.words[kSecondPublished] = info.irq_delivered - delivered;
    // A Call while we are inside the event and off the CPU (the kernel's C++ switched away).
    box.words[kStage] = kStageYielded;
    give_up = now() + rounds(4);
    while (box.words[kCallAfterYield] == 0 && now() < give_up) (void)exos::yield(info.parent_id);
    // Calls after our slots end while we spin here (the trap vector switches slots itself).
    box.words[kStage] = kStageSpinning;
    give_up = now() + rounds(6);
    while (box.words[kCallsDone] == 0 && now() < give_up) {
    }
    (void)exos::yield();  // with the second interrupt still pending
}

void on_interrupt(uint32_t line) {
    uint64_t count = handled + 1;
    handled = count;
    device::quiet(kind);
    (void)exos::syscall(abi::Syscall::IrqAck, line);
    if (count == 1) {
        first_running = true;
        first_event();
        first_running = false;
    } else {
        if (first_running) nested_entry = true;
        events_done = true;
    }
}

// Each slot of ours starts here. Once both events are over, the main context (spinning with the
// pattern) is resumed past its loop, every register as the kernel saved it.
void resume_after_events(uint64_t, uint64_t) {
    const volatile abi::TrapState& preempted = exos::shared_info().preempted;
    if (!events_done || first_running || preempted.pc != reinterpret_cast<uint64_t>(nested_spin))
        return;
    abi::TrapState state{};
    state.cause = preempted.cause;
    state.address = preempted.address;
    for (int n = 0; n < 32; ++n) state.registers[n] = preempted.registers[n];
    state.pc = reinterpret_cast<uint64_t>(nested_after);
    (void)exos::syscall(abi::Syscall::ResumeContext, reinterpret_cast<uint64_t>(&state));
}

void answer(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t results[5]) {
    results[0] = 1;
}

}  // namespace

extern "C" uint64_t count_changed_registers(const uint64_t* dump, uint64_t sp) {
    uint64_t changed = 0;
    for (uint64_t n = 31; n >= 1; --n) {
        uint64_t expected = n == 2 ? expected_sp_gp[0] : n == 3 ? expected_sp_gp[1] : kSeed + n;
        uint64_t actual = n == 2 ? sp : dump[n];
        if (actual != expected) {
            ++changed;
            first_changed = n + 1;
        }
    }
    return changed;
}

int main() {
    if (!mailbox::offer()) return 1;
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (box.words[kSlots] == 0) (void)exos::yield(info.parent_id);
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (box.words[kSlots] >> slot & 1) (void)exos::syscall(abi::Syscall::SliceReserve, slot);
    }
    kind = info.devices[0].kind;
    exos::SyscallReturn claimed = exos::syscall(abi::Syscall::DeviceClaim, 0);
    if (claimed.error != abi::Error::Ok) return 2;
    uint32_t line = static_cast<uint32_t>(claimed.value);
    for (uint64_t i = 3; i < 5; ++i) (void)exos::page_table_donate(info.initial_frames[i]);
    if (exos::map(device::kMapped, info.devices[0].base >> 12, 1,
                  abi::permission::kRead | abi::permission::kWrite) != abi::Error::Ok) {
        return 3;
    }
    (void)exos::set_interrupt_handler(on_interrupt);
    (void)exos::set_slice_start_handler(resume_after_events);
    if (exos::serve(0, answer) != abi::Error::Ok) return 4;
    if (exos::syscall(abi::Syscall::IrqBind, line).error != abi::Error::Ok) return 5;
    box.state = mailbox::kDone;

    device::prepare(kind);
    uint64_t changed = fill_and_spin(kSeed, device::kMapped + device::kEnableOffset);
    box.words[kRegistersChanged] = changed;
    box.words[kFirstChanged] = first_changed;
    box.words[kHandled] = handled;
    box.words[kNested] = nested_entry;
    box.state = mailbox::kReported;
    for (;;) (void)exos::yield();
}
