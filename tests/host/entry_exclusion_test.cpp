// One entry at a time (kernel/environments/upcall.h): while an event entry the device-interrupt
// path entered directly runs (trap page event_busy), or an upcall or call entry, no upcall or event
// is entered and no call is accepted; a pending event waits for the running one to end. The trap
// vector's side (its own paths) is checked in QEMU (interrupts_nested scenario).
#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <cstdint>

#include "environments/environment.h"
#include "environments/transfer.h"
#include "environments/upcall.h"

#include <CppUTest/TestHarness.h>

namespace {

using abi::Error;
using exo::Environment;
namespace transfer = exo::transfer;
namespace reg = riscv::reg;

constexpr uint64_t kEventPc = 0x40000, kEventSp = 0x50000, kSlicePc = 0x41000, kCallPc = 0x42000;

// A device owner with an event, a slice-start and a call entry, inside an event entered directly;
// and a caller.
TEST_GROUP(EntryExclusion) {
    exo::EnvironmentTable table;
    uint64_t directory[exo::EnvironmentTable::kDirectorySize] = {};
    abi::SharedInfo infos[2] = {};
    abi::TrapPage pages[2] = {};
    Environment* owner = nullptr;
    Environment* caller = nullptr;

    Environment* add(size_t index) {
        Environment* environment = table.allocate();
        environment->shared_info = &infos[index];
        environment->main.frame = exo::main_context_frame(infos[index]);
        environment->trap_page = reinterpret_cast<uint64_t>(&pages[index]);
        pages[index].busy = 1;  // no exception handler
        return environment;
    }

    void setup() override {
        table.attach_directory(directory);
        transfer::set_fast(true);
        owner = add(0);
        caller = add(1);
        owner->entries[static_cast<size_t>(abi::Entry::Event)] = {kEventPc, kEventSp};
        owner->entries[static_cast<size_t>(abi::Entry::SliceStart)] = {kSlicePc, kEventSp - 0x1000};
        owner->entries[static_cast<size_t>(abi::Entry::Call0)] = {kCallPc, kEventSp - 0x2000};
        // Running its main context when the interrupt came: the vector entered the event entry
        // on the main context (what handle_interrupt_fast does).
        transfer::on_enter(*owner);
        owner->save_area = owner->main.frame;
        owner->main.frame->pc() = kEventPc + 0x10;
        pages[0].event_busy = 1;
        // A second interrupt arrived inside the entry: it waits as an upcall.
        owner->event_upcall_pending = true;
        infos[0].events = abi::event::kInterrupt;
    }

    Error call_owner() {
        riscv::TrapFrame& frame = *caller->main.frame;
        frame = riscv::TrapFrame{};
        frame.x[reg::a0] = owner->id;
        frame.pc() = 0x12344;
        return transfer::call(table, *caller, frame, 0).error;
    }
};

TEST(EntryExclusion, APendingEventWaitsWhileAnEventEntryRuns) {
    CHECK(exo::in_event_entry(*owner));
    CHECK(exo::entry_running(*owner));
    exo::deliver_pending_upcalls(*owner);  // the owner runs again (it had yielded)
    CHECK_FALSE(owner->in_upcall);
    CHECK(owner->event_upcall_pending);
    UNSIGNED_LONGLONGS_EQUAL(0, infos[0].upcalls);
    POINTERS_EQUAL(owner->main.frame, owner->save_area);
    UNSIGNED_LONGLONGS_EQUAL(kEventPc + 0x10, owner->main.frame->pc());  // the entry goes on
}

TEST(EntryExclusion, NoUpcallStartsOnTopOfAnEventEntry) {
    CHECK_FALSE(exo::enter_upcall(*owner, abi::Entry::SliceStart, 1, 2, 0));
    CHECK_FALSE(exo::start_upcall(*owner, abi::Entry::Event, 0, 0, 0));
    CHECK_FALSE(owner->in_upcall);
    POINTERS_EQUAL(owner->main.frame, owner->save_area);
}

TEST(EntryExclusion, ThePendingEventArrivesWhenTheEventEnds) {
    pages[0].event_busy = 0;  // what the event's return does before delivering
    CHECK_FALSE(exo::entry_running(*owner));
    exo::deliver_pending_upcalls(*owner);
    CHECK(owner->in_upcall);
    CHECK_FALSE(owner->event_upcall_pending);
    UNSIGNED_LONGLONGS_EQUAL(1, infos[0].upcalls);
    POINTERS_EQUAL(owner->upcall.frame, owner->save_area);
    UNSIGNED_LONGLONGS_EQUAL(kEventPc, owner->upcall.frame->pc());
    UNSIGNED_LONGLONGS_EQUAL(abi::event::kInterrupt, owner->upcall.frame->x[reg::a0]);
    // And nothing more on top of that upcall.
    CHECK_FALSE(exo::enter_upcall(*owner, abi::Entry::SliceStart, 1, 2, 0));
}

// Busy to a Call while inside the event entry, as in an upcall: the gate stays closed when it
// leaves the CPU, and the C++ names the refusal.
TEST(EntryExclusion, ACallIntoAnEventEntryIsBusy) {
    transfer::on_leave(*owner);
    UNSIGNED_LONGLONGS_EQUAL(0, owner->gate);
    transfer::on_enter(*caller);
    CHECK(call_owner() == Error::Busy);
    CHECK_FALSE(caller->waiting());
    // Once the event ended it accepts again.
    pages[0].event_busy = 0;
    transfer::on_leave(*owner);
    UNSIGNED_LONGLONGS_EQUAL(owner->id, owner->gate);
    CHECK(call_owner() == Error::Ok);
}

}  // namespace
