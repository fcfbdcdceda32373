// CPU and interrupt syscalls: slots, the background environment, resuming a saved context,
// devices and their interrupt lines.
#include <abi/shared_info.h>

#include "cpu/interrupts.h"
#include "cpu/scheduler.h"
#include "environments/transfer.h"
#include "environments/upcall.h"
#include "memory/address_space.h"
#include "memory/revocation.h"
#include "memory/user_copy.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

namespace {
EnvironmentSlot slot(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}
uint32_t narrow(uint64_t value) {
    return value > 0xffffffff ? 0xffffffff : static_cast<uint32_t>(value);
}
}  // namespace

SyscallResult slice_reserve(SyscallContext& context, const Arguments& arguments) {
    return reserve_slot(context.caller, arguments[0]);
}

SyscallResult slice_release(SyscallContext& context, const Arguments& arguments) {
    return release_slot(context.caller, arguments[0]);
}

SyscallResult slice_read(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    if (arguments[0] == ~uint64_t{0}) return SyscallResult::ok(state.slices.count());
    if (arguments[0] >= state.slices.count()) return abi::Error::OutOfRange;
    Environment* owner = state.environments.at_slot(state.slices.owner(narrow(arguments[0])));
    return SyscallResult::ok(owner ? owner->id : 0);
}

SyscallResult slice_set_background(SyscallContext& context, const Arguments& arguments) {
    if (arguments[0] == 0) return set_background(nullptr);
    Environment* target = context.state.environments.find(arguments[0]);
    if (target == nullptr) return abi::Error::NoSuchEnvironment;
    if (target != &context.caller && target->parent != context.caller.id)
        return abi::Error::NotPermitted;
    return set_background(target);
}

SyscallResult resume_context(SyscallContext& context, riscv::TrapFrame& frame) {
    Environment& caller = context.caller;
    abi::TrapState state;
    TRY(copy_from_user(context.state, caller, frame.x[riscv::reg::a0], &state, sizeof(state)));
    if (state.pc < abi::kUserMinimum || state.pc >= abi::kUserTop) return abi::Error::OutOfRange;
    // From an upcall (the slice-start entry, typically): the upcall ends and the main context
    // takes the state. From an event the device-interrupt path entered directly, which runs on
    // the main context: the event ends (what it interrupted is replaced), so events and upcalls
    // may be entered again. From a call entry, or the main context: the running context does.
    riscv::TrapFrame* resumed = &frame;
    if (caller.in_upcall && !caller.serving()) {
        (void)transfer::end_upcall(caller);
        resumed = caller.main.frame;
    } else if (in_event_entry(caller)) {
        caller.trap().event_busy = 0;
    }
    // Every register and the pc, exactly as given; sstatus stays the kernel's (U-mode, as it was).
    for (int i = 1; i < 32; ++i) resumed->x[i] = state.registers[i];
    resumed->pc() = state.pc;
    deliver_pending_upcalls(caller);
    transfer::on_enter(caller);
    return SyscallResult::registers_set();
}

SyscallResult device_claim(SyscallContext& context, const Arguments& arguments) {
    InterruptTable& table = context.state.interrupts;
    uint32_t device = narrow(arguments[0]);
    TRY(table.claim(device, slot(context.caller)));
    return SyscallResult::ok(table.device(device).line);
}

SyscallResult device_release(SyscallContext& context, const Arguments& arguments) {
    KernelState& state = context.state;
    Environment& caller = context.caller;
    uint32_t device = narrow(arguments[0]);
    if (device >= state.interrupts.device_count()) return abi::Error::InvalidArgument;
    if (state.interrupts.device(device).owner != slot(caller)) return abi::Error::NotOwner;
    // Its registers leave the address space and its line is unbound before it changes hands.
    AddressRange window = state.interrupts.device(device).window;
    MemorySystem memory = state.memory();
    for (uint64_t page = window.base & ~uint64_t{0xfff}; page < window.base + window.size;
         page += 4096) {
        address_space::unmap_frame(memory, caller.space, page >> 12);
    }
    uint32_t line = state.interrupts.device(device).line;
    if (state.interrupts.line_owner(line) == slot(caller)) {
        if (state.interrupts.in_flight(line)) line_complete(line);
        line_enable(line, false);
        (void)state.interrupts.unbind(line, slot(caller));
    }
    return state.interrupts.release(device, slot(caller));
}

SyscallResult irq_bind(SyscallContext& context, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    TRY(context.state.interrupts.bind(line, slot(context.caller)));
    line_enable(line, true);
    return SyscallResult::ok();
}

SyscallResult irq_ack(SyscallContext& context, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    TRY(context.state.interrupts.acknowledge(line, slot(context.caller)));
    abi::SharedInfo& info = *context.caller.shared_info;
    info.irq_pending[line / 64] &= ~(uint64_t{1} << (line % 64));
    line_complete(line);
    line_enable(line, true);
    return SyscallResult::ok();
}

SyscallResult irq_unbind(SyscallContext& context, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    KernelState& state = context.state;
    if (line >= InterruptTable::kMaxLines) return abi::Error::OutOfRange;
    if (state.interrupts.line_owner(line) != slot(context.caller)) return abi::Error::NotOwner;
    line_enable(line, false);
    if (state.interrupts.in_flight(line)) line_complete(line);
    (void)state.interrupts.acknowledge(line, slot(context.caller));
    return state.interrupts.unbind(line, slot(context.caller));
}

}  // namespace exo::syscall
