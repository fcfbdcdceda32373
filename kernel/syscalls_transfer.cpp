// Protected control transfer: Call switches to a registered entry of another environment,
// donating the rest of the slot, with the arguments in registers; Reply switches back with the
// results; Send is the asynchronous form. The callee runs its entry as an upcall, so whatever it
// was doing resumes afterwards; the caller does not run until the reply (or the callee's end).
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "upcall.h"

namespace exo::syscall {

namespace {

using riscv::reg::a0;
using riscv::reg::a1;
using riscv::reg::a2;
using riscv::reg::a5;

// Checks the target and its entry; on success the target has entered that entry, holding the
// caller's id in a0, the entry number in a1 and the caller's a2..a5.
abi::Error enter(Environment& caller, riscv::TrapFrame& frame, Environment*& target) {
    target = kernel_state().environments.find(frame.x[a0]);
    uint64_t entry = frame.x[a1];
    if (target == nullptr) return abi::Error::NoSuchEnvironment;
    if (target == &caller || entry >= abi::kCallEntries) return abi::Error::InvalidArgument;
    auto kind = static_cast<abi::Entry>(static_cast<uint64_t>(abi::Entry::Call0) + entry);
    if (target->entries[static_cast<size_t>(kind)].pc == 0) return abi::Error::InvalidArgument;
    if (target->in_upcall || target->waiting_for != 0) return abi::Error::Busy;
    (void)start_upcall(*target, kind, caller.id, entry, frame.x[a2]);
    for (int reg = a2 + 1; reg <= a5; ++reg) target->frame.x[reg] = frame.x[reg];
    return abi::Error::Ok;
}

}  // namespace

SyscallResult call(Environment& caller, riscv::TrapFrame& frame) {
    Environment* target = nullptr;
    if (abi::Error error = enter(caller, frame, target); error != abi::Error::Ok) {
        return SyscallResult::fail(error);
    }
    target->reply_to = caller.id;
    caller.waiting_for = target->id;
    (void)yield_slot(caller, target);
    return SyscallResult::registers_set();  // the reply writes a0..a5
}

SyscallResult send(Environment& caller, riscv::TrapFrame& frame) {
    Environment* target = nullptr;
    if (abi::Error error = enter(caller, frame, target); error != abi::Error::Ok) {
        return SyscallResult::fail(error);
    }
    frame.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    (void)yield_slot(caller, target);
    return SyscallResult::registers_set();
}

SyscallResult reply(Environment& callee, riscv::TrapFrame& frame) {
    Environment* caller = kernel_state().environments.find(callee.reply_to);
    if (caller == nullptr || caller->waiting_for != callee.id) return SyscallResult::fail(abi::Error::NotPermitted);
    caller->frame.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    for (int reg = a1; reg <= a5; ++reg) caller->frame.x[reg] = frame.x[reg];
    caller->waiting_for = 0;
    callee.reply_to = 0;
    // The callee's entry is over: it continues, when it next runs, where the call found it.
    callee.frame = callee.interrupted;
    callee.in_upcall = false;
    (void)yield_slot(callee, caller);
    return SyscallResult::registers_set();
}

void release_transfers(Environment& ending) {
    kernel_state().environments.for_each_live([&](Environment& other) {
        if (other.waiting_for == ending.id) {  // its callee is gone: the call fails
            other.waiting_for = 0;
            other.frame.x[a0] = static_cast<uint64_t>(abi::Error::NoSuchEnvironment);
        }
        if (other.reply_to == ending.id) other.reply_to = 0;
    });
}

}  // namespace exo::syscall
