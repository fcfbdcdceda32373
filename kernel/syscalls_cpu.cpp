// CPU and interrupt syscalls: slots, the background environment, resuming a saved context,
// devices and their interrupt lines.
#include <abi/shared_info.h>

#include "address_space.h"
#include "interrupts.h"
#include "revocation.h"
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "transfer.h"
#include "upcall.h"
#include "user_copy.h"

namespace exo::syscall {

namespace {
EnvironmentSlot slot(const Environment& environment) { return EnvironmentTable::slot_of(environment.id); }
uint32_t narrow(uint64_t value) { return value > 0xffffffff ? 0xffffffff : static_cast<uint32_t>(value); }
SyscallResult result(abi::Error error, uint64_t value = 0) {
    return error == abi::Error::Ok ? SyscallResult::ok(value) : SyscallResult::fail(error);
}
}  // namespace

SyscallResult slice_reserve(Environment& caller, const Arguments& arguments) {
    return result(reserve_slot(caller, arguments[0]));
}

SyscallResult slice_release(Environment& caller, const Arguments& arguments) {
    return result(release_slot(caller, arguments[0]));
}

SyscallResult slice_read(Environment&, const Arguments& arguments) {
    KernelState& state = kernel_state();
    if (arguments[0] == ~uint64_t{0}) return SyscallResult::ok(state.slices.count());
    if (arguments[0] >= state.slices.count()) return SyscallResult::fail(abi::Error::OutOfRange);
    Environment* owner = state.environments.at_slot(state.slices.owner(narrow(arguments[0])));
    return SyscallResult::ok(owner ? owner->id : 0);
}

SyscallResult slice_set_background(Environment& caller, const Arguments& arguments) {
    if (arguments[0] == 0) return result(set_background(nullptr));
    Environment* target = kernel_state().environments.find(arguments[0]);
    if (target == nullptr) return SyscallResult::fail(abi::Error::NoSuchEnvironment);
    if (target != &caller && target->parent != caller.id) return SyscallResult::fail(abi::Error::NotPermitted);
    return result(set_background(target));
}

SyscallResult resume_context(Environment& caller, riscv::TrapFrame& frame) {
    abi::TrapState state;
    if (abi::Error error = copy_from_user(kernel_state(), caller, frame.x[riscv::reg::a0], &state, sizeof(state));
        error != abi::Error::Ok) {
        return SyscallResult::fail(error);
    }
    if (state.pc < abi::kUserMinimum || state.pc >= abi::kUserTop) return SyscallResult::fail(abi::Error::OutOfRange);
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

SyscallResult device_claim(Environment& caller, const Arguments& arguments) {
    InterruptTable& table = kernel_state().interrupts;
    uint32_t device = narrow(arguments[0]);
    abi::Error error = table.claim(device, slot(caller));
    return result(error, error == abi::Error::Ok ? table.device(device).line : 0);
}

SyscallResult device_release(Environment& caller, const Arguments& arguments) {
    KernelState& state = kernel_state();
    uint32_t device = narrow(arguments[0]);
    if (device >= state.interrupts.device_count() || state.interrupts.device(device).owner != slot(caller)) {
        return SyscallResult::fail(device >= state.interrupts.device_count() ? abi::Error::InvalidArgument
                                                                             : abi::Error::NotOwner);
    }
    // Its registers leave the address space and its line is unbound before it changes hands.
    AddressRange window = state.interrupts.device(device).window;
    MemorySystem memory = state.memory();
    for (uint64_t page = window.base & ~uint64_t{0xfff}; page < window.base + window.size; page += 4096) {
        address_space::unmap_frame(memory, caller.space, page >> 12);
    }
    uint32_t line = state.interrupts.device(device).line;
    if (state.interrupts.line_owner(line) == slot(caller)) {
        if (state.interrupts.in_flight(line)) line_complete(line);
        line_enable(line, false);
        (void)state.interrupts.unbind(line, slot(caller));
    }
    return result(state.interrupts.release(device, slot(caller)));
}

SyscallResult irq_bind(Environment& caller, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    abi::Error error = kernel_state().interrupts.bind(line, slot(caller));
    if (error == abi::Error::Ok) line_enable(line, true);
    return result(error);
}

SyscallResult irq_ack(Environment& caller, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    abi::Error error = kernel_state().interrupts.acknowledge(line, slot(caller));
    if (error != abi::Error::Ok) return SyscallResult::fail(error);
    abi::SharedInfo& info = *caller.shared_info;
    info.irq_pending[line / 64] &= ~(uint64_t{1} << (line % 64));
    line_complete(line);
    line_enable(line, true);
    return SyscallResult::ok();
}

SyscallResult irq_unbind(Environment& caller, const Arguments& arguments) {
    uint32_t line = narrow(arguments[0]);
    KernelState& state = kernel_state();
    if (line >= InterruptTable::kMaxLines || state.interrupts.line_owner(line) != slot(caller)) {
        return SyscallResult::fail(line >= InterruptTable::kMaxLines ? abi::Error::OutOfRange : abi::Error::NotOwner);
    }
    line_enable(line, false);
    if (state.interrupts.in_flight(line)) line_complete(line);
    (void)state.interrupts.acknowledge(line, slot(caller));
    return result(state.interrupts.unbind(line, slot(caller)));
}

}  // namespace exo::syscall
