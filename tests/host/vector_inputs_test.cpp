// The single invalidation point (kernel/cpu/vector_inputs.h): every path that changes what the trap
// vector's fast paths read is driven here through the scheduler and transfer code the kernel
// runs, and after each one the vector's inputs (SliceClock::fast_owners, the derived hold bits,
// every gate and save area, the directory) are compared with what they must be, computed here
// from scratch. A path that skips the refresh leaves a stale input and fails its check.
#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/events.h"
#include "cpu/fast_paths.h"
#include "cpu/scheduler.h"
#include "cpu/slice_clock.h"
#include "cpu/vector_inputs.h"
#include "environments/transfer.h"
#include "environments/upcall.h"
#include "fake_hardware.h"
#include "fake_machine.h"
#include "memory/revocation.h"

namespace {

using abi::Error;
using exo::Environment;
using exo::test::FakeMachine;
namespace hold = exo::hold;

constexpr uint32_t kSlots = 16;
constexpr uint64_t kSlotTicks = 1000;
constexpr uint64_t kEntrySp = 0x3fff0000;

// What the vector may read, from the kernel's state alone (the rules of vector_inputs.h and
// transfer.h, written again independently).
bool accepts_call(const Environment& environment) {
    const abi::TrapPage& page = environment.trap();
    return !environment.waiting() && !environment.in_upcall && page.busy <= 1 &&
           page.event_busy == 0;
}

TEST_GROUP(VectorInputs) {
    FakeMachine machine;
    std::vector<std::byte> bytes = exo::test::tiny_elf_bytes();
    exo::ElfImage elf;
    Environment* first = nullptr;
    std::string step;

    void setup() override {
        elf = exo::test::parse_tiny(bytes);
        exo::fake::reset();
        exo::fake::use_state(machine.state);
        exo::fast_paths_enabled = true;
        machine.state.environments.attach_directory(riscv::hart_page().directory);
        exo::scheduler_init({kSlots, kSlotTicks, kSlotTicks / 4}, true);
        first = &create("first", 0);
        for (uint32_t slot = 0; slot < kSlots; ++slot) {
            (void)machine.state.slices.reserve(slot, exo::EnvironmentTable::slot_of(first->id));
        }
        leaves([] { return exo::scheduler_start(); });
        verify("scheduler_start");
    }
    void teardown() override {
        exo::fast_paths_enabled = true;
        exo::fake::reset();
    }

    Environment& create(const char* name, exo::EnvironmentId parent) {
        std::vector<uint64_t> frames = machine.frames_for(exo::test::kTinyFramesNeeded);
        Environment* environment = nullptr;
        CHECK_EQUAL(Error::Ok, exo::create_environment(machine.state, parent, elf, bytes, frames,
                                                       name, environment));
        exo::environment_created();
        return *environment;
    }

    Environment* on_cpu() {
        return static_cast<Environment*>(riscv::hart_page().current_environment);
    }

    // Runs a scheduler path that may leave the kernel (idle, return_to_user).
    template <typename Path>
    void leaves(Path path) {
        try {
            (void)path();
        } catch (const exo::fake::ReturnToUser&) {
        } catch (const exo::fake::Idle&) {
        }
    }

    // The slot ends now: the timer interrupt's C++ path.
    void tick() {
        exo::fake::hardware().time = exo::slice_clock().slot_end;
        leaves([] { return exo::scheduler_tick(); });
    }

    void verify(const std::string& what) {
        step = what;
        exo::KernelState& state = machine.state;
        exo::SliceClock& clock = exo::slice_clock();
        // Each slot's fast owner: reserved, no slice-end entry, not sleeping in EventWait.
        for (uint32_t index = 0; index < state.slices.count(); ++index) {
            Environment* owner = state.environments.at_slot(state.slices.owner(index));
            bool slice_end =
                owner && owner->entries[static_cast<size_t>(abi::Entry::SliceEnd)].pc != 0;
            bool asleep = owner && owner->wait_events != 0;
            check(clock.fast_owners[index] == (slice_end || asleep ? nullptr : owner),
                  "fast_owners", index);
        }
        check(clock.fast_owners[state.slices.count()] == clock.fast_owners[0],
              "fast_owners after the last");
        // The derived hold bits.
        check(((clock.hold & hold::kGrace) != 0) == (exo::slice_grace_holder() != 0),
              "hold kGrace");
        check(((clock.hold & hold::kPenalties) != 0) == state.slices.any_penalties(),
              "hold kPenalties");
        bool deadline_pending = false;
        state.environments.for_each_live([&](Environment& environment) {
            deadline_pending |= environment.revocation_remaining != 0;
        });
        check(((clock.hold & hold::kRevocations) != 0) == state.revocations_outstanding,
              "hold kRevocations");
        check(!deadline_pending || (clock.hold & hold::kRevocations) != 0,
              "hold kRevocations while a deadline waits");
        check(((clock.hold & hold::kFastPathsOff) != 0) == !exo::fast_paths_enabled,
              "hold kFastPathsOff");
        // Every gate and save area.
        bool fast = exo::transfer::fast();
        state.environments.for_each_live([&](Environment& environment) {
            uint64_t slot = exo::EnvironmentTable::slot_of(environment.id);
            if (environment.serving()) {
                check(environment.save_area == environment.upcall.frame,
                      "a serving environment's save area", slot);
                if (Environment* caller = environment.caller()) {
                    check(caller->waiting(), "its caller waits", slot);
                    check(((environment.gate >> 63) != 0) == fast,
                          "the vector may reply exactly when fast", slot);
                } else {
                    check(environment.gate == exo::gate::kServingNobody, "serving nobody", slot);
                }
                return;
            }
            bool open = &environment != on_cpu() && fast && accepts_call(environment);
            check(environment.gate == (open ? environment.id : 0), "gate", slot);
            riscv::TrapFrame* active =
                environment.in_upcall ? environment.upcall.frame : environment.main.frame;
            check(environment.save_area == (open ? environment.upcall.frame : active), "save area",
                  slot);
        });
        // The directory lists exactly the live environments.
        const uint64_t* directory = riscv::hart_page().directory;
        for (uint64_t index = 0; index < exo::EnvironmentTable::kDirectorySize; ++index) {
            Environment* listed = nullptr;
            state.environments.for_each_live([&](Environment& environment) {
                if ((environment.id & exo::EnvironmentTable::kDirectoryMask) == index)
                    listed = &environment;
            });
            if (listed) {
                check(directory[index] == reinterpret_cast<uint64_t>(listed), "directory", index);
            } else {
                check((*reinterpret_cast<const uint64_t*>(directory[index]) &
                       exo::EnvironmentTable::kDirectoryMask) != index,
                      "directory's absent word", index);
            }
        }
    }

    void check(bool condition, const char* what, uint64_t index = 0) {
        if (!condition)
            FAIL(
                (std::string("after ") + step + ": " + what + " " + std::to_string(index)).c_str());
    }

    void set(Environment& environment, abi::Entry entry, uint64_t pc) {
        CHECK_EQUAL(Error::Ok,
                    exo::change_entry(environment, static_cast<uint64_t>(entry), pc, kEntrySp));
    }

    // A C++ call from the environment on the CPU (what syscall::call does).
    void call(Environment& callee) {
        riscv::TrapFrame& frame = *on_cpu()->save_area;
        frame.x[riscv::reg::a0] = callee.id;
        frame.pc() = 0x10104;
        exo::transfer::Outcome outcome =
            exo::transfer::call(machine.state.environments, *on_cpu(), frame, 0);
        CHECK_EQUAL(Error::Ok, outcome.error);
        (void)exo::transfer_to(*outcome.next, false);
    }
};

TEST(VectorInputs, SlotsBackgroundAndEntries) {
    Environment& child = create("child", first->id);
    verify("create");
    CHECK_EQUAL(Error::Ok, exo::release_slot(*first, 3));
    verify("release_slot");
    CHECK_EQUAL(Error::Ok, exo::reserve_slot(child, 3));
    verify("reserve_slot");
    CHECK_EQUAL(Error::Busy, exo::reserve_slot(child, 4));
    verify("reserve_slot refused");
    CHECK_EQUAL(Error::Ok, exo::set_background(&child));
    verify("set_background");
    set(child, abi::Entry::SliceEnd, 0x10200);
    verify("EnvSetEntry(SliceEnd)");
    set(child, abi::Entry::Call0, 0x10300);
    verify("EnvSetEntry(Call0)");
    set(child, abi::Entry::SliceEnd, 0);
    verify("EnvSetEntry(SliceEnd, none)");
    for (uint32_t slot = 0; slot < 2 * kSlots; ++slot) {
        tick();
        verify("a slot's end");
    }
}

TEST(VectorInputs, GracePenaltiesAndUpcalls) {
    Environment& child = create("child", first->id);
    CHECK_EQUAL(Error::Ok, exo::release_slot(*first, 1));
    CHECK_EQUAL(Error::Ok, exo::reserve_slot(child, 1));
    set(child, abi::Entry::SliceEnd, 0x10200);
    set(child, abi::Entry::SliceStart, 0x10240);
    tick();  // slot 1 starts: the child's slice-start upcall
    verify("slice start (upcall entered)");
    CHECK(child.in_upcall);
    // UpcallReturn (syscall::upcall_return's sequence): the upcall ends, the main context runs.
    CHECK_EQUAL(Error::Ok, exo::transfer::end_upcall(child));
    exo::deliver_pending_upcalls(child);
    exo::transfer::on_enter(child);
    verify("UpcallReturn");
    tick();  // slot 1 ends: the slice-end upcall and its grace
    verify("slice end (grace begins)");
    CHECK(exo::slice_grace_holder() == child.id);
    tick();  // the grace runs out: a penalty
    verify("grace overrun (penalty)");
    CHECK(machine.state.slices.any_penalties());
    for (uint32_t slot = 0; slot < kSlots; ++slot) {
        tick();
        verify("a slot's end, penalty outstanding or served");
    }
    CHECK_FALSE(machine.state.slices.any_penalties());
    // The grace again (no slice-start upcall in the way this time), ended early by the
    // holder's Yield(0).
    set(child, abi::Entry::SliceStart, 0);
    for (uint32_t slot = 0; slot < 2 * kSlots && exo::slice_grace_holder() == 0; ++slot) tick();
    CHECK(exo::slice_grace_holder() == child.id);
    leaves([&] { return exo::yield_slot(child, nullptr); });
    verify("Yield(0) inside the grace");
}

TEST(VectorInputs, RevocationDeadlines) {
    Environment& child = create("child", first->id);
    exo::request_revocation(machine.state, child, 4, exo::slice_clock().slot_end + kSlotTicks / 2);
    exo::arm_timer();  // what syscall::ask_for_frames_back does
    verify("revocation requested");
    tick();
    tick();
    verify("revocation deadline enforced");
}

TEST(VectorInputs, CallReplySendAndRelease) {
    Environment& server = create("server", first->id);
    Environment& other = create("other", first->id);
    server.entries[static_cast<size_t>(abi::Entry::Call0)] = {0x10300, kEntrySp};
    other.entries[static_cast<size_t>(abi::Entry::Call0)] = {0x10300, kEntrySp};
    exo::refresh_vector_inputs();
    verify("entries");
    call(server);
    verify("call");
    riscv::TrapFrame& frame = *server.save_area;
    (void)exo::transfer_to(*exo::transfer::reply(server, frame).next, false);
    verify("reply");
    // A reply from inside the exception handler: the gate stays closed.
    call(server);
    server.trap().busy = abi::kTrapPageBusyHandlerRuns;
    (void)exo::transfer_to(*exo::transfer::reply(server, *server.save_area).next, false);
    verify("reply from the exception handler");
    CHECK_EQUAL(0, server.gate);
    server.trap().busy = 1;
    exo::refresh_vector_inputs();
    // Send: the sender continues.
    riscv::TrapFrame& sent = *first->save_area;
    sent.x[riscv::reg::a0] = other.id;
    exo::transfer::Outcome outcome =
        exo::transfer::send(machine.state.environments, *first, sent, 0);
    CHECK_EQUAL(Error::Ok, outcome.error);
    (void)exo::transfer_to(*outcome.next, true);
    verify("send");
    // The caller waits on the server, which owns a slot and is destroyed mid-call
    // (end_environment's sequence).
    leaves([&] { return exo::run(*first); });
    CHECK_EQUAL(Error::Ok, exo::release_slot(*first, 6));
    CHECK_EQUAL(Error::Ok, exo::reserve_slot(server, 6));
    call(server);
    exo::transfer::release(machine.state.environments, server);
    exo::scheduler_forget(server);
    exo::destroy_environment(machine.state, server);
    verify("destroy mid-call");
    CHECK_FALSE(first->waiting());
    // The running environment, owner of a slot, exits (end_current_environment's sequence).
    leaves([&] { return exo::run(other); });
    CHECK_EQUAL(Error::Ok, exo::release_slot(*first, 7));
    CHECK_EQUAL(Error::Ok, exo::reserve_slot(other, 7));
    exo::transfer::release(machine.state.environments, other);
    exo::scheduler_forget(other);
    exo::destroy_environment(machine.state, other);
    leaves([] {
        exo::run_next_after_exit();
        return nullptr;
    });
    verify("exit");
}

TEST(VectorInputs, SleepAndWake) {
    Environment& child = create("child", first->id);
    CHECK_EQUAL(Error::Ok, exo::release_slot(*first, 1));
    CHECK_EQUAL(Error::Ok, exo::reserve_slot(child, 1));
    tick();  // slot 1: the child runs
    CHECK(on_cpu() == &child);
    // EventWait's sequence (syscall::event_wait): the wait recorded, then the sleep.
    child.wait_events = abi::event::kConsoleInput;
    leaves([&] { return exo::sleep_environment(child); });
    verify("EventWait: asleep");
    tick();
    tick();
    verify("a round's slots while asleep");
    exo::post_event(child, abi::event::kChildEnded);  // not what it waits for
    verify("a bit it does not wait for");
    exo::post_event(child, abi::event::kConsoleInput);
    verify("woken by its event");
    CHECK(!child.sleeping());
    // Asleep again with a deadline; the slot's end after it wakes it.
    for (uint32_t slot = 0; slot < kSlots && on_cpu() != &child; ++slot) tick();
    child.wait_events = abi::event::kConsoleInput;
    child.wait_deadline = exo::slice_clock().slot_end + 1;
    leaves([&] { return exo::sleep_environment(child); });
    verify("EventWait with a deadline: asleep");
    for (uint32_t slot = 0; slot < kSlots + 1; ++slot) tick();
    CHECK(!child.sleeping());
    verify("woken by its deadline");
}

TEST(VectorInputs, FastPathsOff) {
    exo::fast_paths_enabled = false;
    exo::scheduler_init({kSlots, kSlotTicks, kSlotTicks / 4}, true);
    for (uint32_t slot = 0; slot < kSlots; ++slot) {
        (void)machine.state.slices.reserve(slot, exo::EnvironmentTable::slot_of(first->id));
    }
    leaves([] { return exo::scheduler_start(); });
    Environment& child = create("child", first->id);
    child.entries[static_cast<size_t>(abi::Entry::Call0)] = {0x10300, kEntrySp};
    verify("fast paths off: create");
    call(child);
    verify("fast paths off: call");
    tick();
    verify("fast paths off: a slot's end");
}

}  // namespace
