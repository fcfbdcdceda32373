// Protected control transfer, the logic (see transfer.h).
#include "environments/transfer.h"

#include <abi/trap_page.h>

#include "environments/upcall.h"

namespace exo::transfer {

namespace {

using riscv::reg::a0;
using riscv::reg::sp;

bool fast_transfers = false;

// The gate that says "serving `caller`": the pointer itself when the trap vector may reply.
uint64_t serving_gate(Environment& caller) {
    uint64_t pointer = gate::of(&caller);
    return fast_transfers ? pointer : pointer & ~gate::kTopBit;
}

// Inside its exception handler an environment could not take an exception in a call entry (the
// trap page holds one exception at a time), so it does not accept calls until the handler ends.
bool in_exception_handler(const Environment& environment) {
    if (environment.trap_page == 0) return false;  // never created (host tests' bare table entries)
    // busy: 0 a handler waits, 1 no handler, above 1 the handler runs (abi/trap_page.h), as
    // the trap vector's timer path reads it too.
    return environment.trap().busy > 1;
}

}  // namespace

// Inside an event entry the device-interrupt path entered directly it is Busy, as in an upcall
// (upcall.h's in_event_entry; the trap vector's timer path checks the same word).
bool accepts(const Environment& environment) {
    return environment.live && !environment.waiting() && !environment.serving() &&
           !environment.in_upcall && !in_exception_handler(environment) &&
           !in_event_entry(environment);
}

namespace {

// Checks a Call or Send; on success returns the target, else names the error.
abi::Error check(EnvironmentTable& environments, Environment& caller, const riscv::TrapFrame& frame,
                 uint64_t entry, Environment*& target) {
    target = environments.find(frame.x[a0]);
    if (target == nullptr) return abi::Error::NoSuchEnvironment;
    if (target == &caller || entry >= abi::kCallEntries) return abi::Error::InvalidArgument;
    if (target->entries[static_cast<size_t>(abi::Entry::Call0) + entry].pc == 0) {
        return abi::Error::InvalidArgument;
    }
    return accepts(*target) ? abi::Error::Ok : abi::Error::Busy;
}

// The target starts at its entry on its upcall context with the caller's registers.
void enter(Environment& target, uint64_t entry, const riscv::TrapFrame& frame,
           EnvironmentId caller) {
    const UpcallEntry& start = target.entries[static_cast<size_t>(abi::Entry::Call0) + entry];
    *target.upcall.frame = frame;
    target.upcall.frame->pc() = start.pc;
    target.upcall.frame->x[sp] = start.sp;
    target.upcall.frame->x[a0] = caller;
    target.save_area = target.upcall.frame;
}

}  // namespace

void set_fast(bool enabled) { fast_transfers = enabled; }
bool fast() { return fast_transfers; }

void refresh_gate(Environment& environment, bool on_cpu) {
    if (!environment.live) return;
    bool open = !on_cpu && fast_transfers && accepts(environment);
    if (!environment.serving()) environment.gate = open ? environment.id : 0;
    // Where a fast call's entry runs while open; the active context's frame otherwise.
    environment.save_area = open ? environment.upcall.frame : &environment.frame();
}

Outcome call(EnvironmentTable& environments, Environment& caller, riscv::TrapFrame& frame,
             uint64_t entry) {
    Environment* target = nullptr;
    if (abi::Error error = check(environments, caller, frame, entry, target);
        error != abi::Error::Ok) {
        return {error, nullptr};
    }
    caller.resume_pc = frame.pc() - 4;  // the ecall, as the trap vector records it
    caller.resume_sp = frame.x[sp];
    enter(*target, entry, frame, caller.id);
    target->gate = serving_gate(caller);
    return {abi::Error::Ok, target};
}

Outcome send(EnvironmentTable& environments, Environment& caller, riscv::TrapFrame& frame,
             uint64_t entry) {
    Environment* target = nullptr;
    if (abi::Error error = check(environments, caller, frame, entry, target);
        error != abi::Error::Ok) {
        return {error, nullptr};
    }
    enter(*target, entry, frame, caller.id);
    target->gate = gate::kServingNobody;
    frame.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    return {abi::Error::Ok, target};
}

Outcome reply(Environment& callee, riscv::TrapFrame& frame) {
    Environment* caller = callee.caller();
    if (caller == nullptr) return {abi::Error::NotPermitted, nullptr};
    riscv::TrapFrame& resumed = caller->frame();
    resumed = frame;
    resumed.pc() = caller->resume_pc + 4;
    resumed.x[sp] = caller->resume_sp;
    resumed.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    caller->resume_pc = caller->resume_sp = 0;
    callee.gate = 0;  // the entry is over; the callee continues its own context when next run
    callee.save_area = &callee.frame();
    return {abi::Error::Ok, caller};
}

abi::Error end_upcall(Environment& environment) {
    if (environment.serving()) {
        if (environment.caller() != nullptr) return abi::Error::NotPermitted;
        environment.gate = 0;
    } else if (environment.in_upcall) {
        environment.in_upcall = false;
    } else {
        return abi::Error::NotInUpcall;
    }
    environment.save_area = environment.main.frame;
    return abi::Error::Ok;
}

Environment* callee_of(EnvironmentTable& environments, const Environment& caller) {
    if (!caller.waiting()) return nullptr;
    Environment* callee = nullptr;
    environments.for_each_live([&](Environment& other) {
        if (other.caller() == &caller) callee = &other;
    });
    return callee;
}

void release(EnvironmentTable& environments, Environment& ending) {
    Environment* waiting_on_ending = ending.caller();
    environments.for_each_live([&](Environment& other) {
        if (&other == &ending) return;
        if (other.caller() == &ending) other.gate = gate::kServingNobody;
        if (&other == waiting_on_ending && other.waiting()) {
            riscv::TrapFrame& frame = other.frame();
            frame.pc() = other.resume_pc + 4;
            frame.x[sp] = other.resume_sp;
            frame.x[a0] = static_cast<uint64_t>(abi::Error::NoSuchEnvironment);
            other.resume_pc = other.resume_sp = 0;
            on_leave(other);
        }
    });
}

}  // namespace exo::transfer
