// Registering with the upcall dispatcher (see upcalls.h): each registration also gives the
// kernel the entries the dispatcher now needs, and only those.
#include <exos/console.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "entries.h"

namespace exos {
namespace {

using runtime::dispatcher;
using runtime::EntryPoint;

// A refused registration leaves the entry as it was, so errors here are the kernel's word on a
// well-formed request (never expected) and are not worth failing the caller for.
void register_entry(abi::Entry kind, bool wanted, EntryPoint entry) {
    (void)set_entry(kind, wanted ? entry.pc : 0, entry.sp);
}

void register_memory_entries() {
    register_entry(abi::Entry::Exception, dispatcher().takes_exceptions(),
                   runtime::exception_entry());
    register_entry(abi::Entry::Revocation, dispatcher().takes_revocation(),
                   runtime::revocation_entry());
}

void register_scheduler_entries() {
    SliceScheduler* scheduler = dispatcher().scheduler();
    uint32_t hooks = scheduler ? scheduler->hooks() : 0;
    register_entry(abi::Entry::SliceStart, hooks & SliceScheduler::kSliceStart,
                   runtime::slice_start_entry());
    register_entry(abi::Entry::SliceEnd, hooks & SliceScheduler::kSliceEnd,
                   runtime::slice_end_entry());
    register_entry(abi::Entry::Event, hooks & SliceScheduler::kEvent, runtime::event_entry());
}

// The scheduler for environments that hand the runtime functions instead of a scheduler object.
class FunctionScheduler final : public SliceScheduler {
public:
    uint32_t hooks() const override {
        uint32_t hooks = 0;
        if (start_) hooks |= kSliceStart;
        if (end_) hooks |= kSliceEnd;
        if (event_) hooks |= kEvent;
        return hooks;
    }
    void slice_start(uint64_t slot, uint64_t end) override { start_(slot, end); }
    void slice_end(uint64_t slot, uint64_t deadline) override { end_(slot, deadline); }
    void event(uint32_t line) override { event_(line); }
    const char* name() const override { return "the application's handlers"; }

    SliceHandler start_ = nullptr;
    SliceHandler end_ = nullptr;
    InterruptHandler event_ = nullptr;
};

FunctionScheduler function_scheduler;

}  // namespace

abi::Error add_memory_policy(MemoryPolicy& policy) {
    abi::Error error = dispatcher().add_memory_policy(policy);
    if (error == abi::Error::TooMany) {
        printf("exos: memory policy '%s' refused: %lu policies already\n", policy.name(),
               dispatcher().memory_policy_count());
    }
    if (error == abi::Error::Ok) register_memory_entries();
    return error;
}

abi::Error set_scheduler(SliceScheduler& scheduler) {
    SliceScheduler* current = dispatcher().scheduler();
    abi::Error error = dispatcher().set_scheduler(scheduler);
    if (error != abi::Error::Ok) {
        printf("exos: scheduler '%s' refused: '%s' already schedules this environment\n",
               scheduler.name(), current->name());
        return error;
    }
    register_scheduler_entries();
    return abi::Error::Ok;
}

void set_exception_handler(ExceptionHandler handler) {
    dispatcher().set_fallback_exception_handler(handler);
    register_memory_entries();
}

void set_revocation_handler(RevocationHandler handler) {
    dispatcher().set_fallback_revocation_handler(handler);
    register_memory_entries();
}

// Each hook goes into the function-table scheduler first: registering it (again) gives the
// kernel exactly the entries its hooks now need.
abi::Error set_interrupt_handler(InterruptHandler handler) {
    function_scheduler.event_ = handler;
    return set_scheduler(function_scheduler);
}

abi::Error set_slice_start_handler(SliceHandler handler) {
    function_scheduler.start_ = handler;
    return set_scheduler(function_scheduler);
}

abi::Error set_slice_end_handler(SliceHandler handler) {
    function_scheduler.end_ = handler;
    return set_scheduler(function_scheduler);
}

uint64_t instruction_length(uint64_t pc) {
    // The low two bits of the first halfword are 11 for 32-bit instructions (ISA spec 1.5).
    return (*reinterpret_cast<const uint16_t*>(pc) & 3) == 3 ? 4 : 2;
}

}  // namespace exos
