// The slice-end grace (kernel/cpu/slice_grace.h): an overrun grace is charged to the environment
// that received the slice-end upcall, whoever owns the slot when the grace ends, and to nobody if
// that environment died meanwhile. The scheduler around it is checked in QEMU (cpu_grace scenario).
#include <abi/shared_info.h>
#include <cstdint>

#include "cpu/slice_grace.h"
#include "cpu/slice_vector.h"
#include "environments/environment.h"

#include <CppUTest/TestHarness.h>

namespace {

using abi::Error;
using exo::Environment;
using exo::EnvironmentTable;

constexpr uint32_t kSlot = 5;

// An owner that overruns its grace and a neighbour, each with a shared info page and a main
// context (bare table entries have neither).
TEST_GROUP(SliceGrace) {
    EnvironmentTable table;
    exo::SliceVector slices;
    exo::SliceGrace grace;
    abi::SharedInfo infos[3] = {};
    riscv::TrapFrame main_frames[3] = {};
    size_t added = 0;
    Environment* owner = nullptr;
    Environment* neighbour = nullptr;

    Environment* add() {
        Environment* environment = table.allocate();
        environment->shared_info = &infos[added];
        environment->main.frame = &main_frames[added];
        ++added;
        return environment;
    }
    static exo::EnvironmentSlot slot(const Environment& environment) {
        return EnvironmentTable::slot_of(environment.id);
    }

    void setup() override {
        slices.init(16);
        owner = add();
        neighbour = add();
        CHECK(slices.reserve(kSlot, slot(*owner)) == Error::Ok);
        // The slice-end upcall has started: the owner runs it on its upcall context.
        owner->in_upcall = true;
        owner->save_area = owner->upcall.frame;
        grace.begin(*owner);
    }

    void check_charged(const Environment& environment, uint64_t penalties) {
        UNSIGNED_LONGS_EQUAL(penalties, slices.penalties(slot(environment)));
        UNSIGNED_LONGLONGS_EQUAL(penalties, environment.shared_info->penalties);
        CHECK_EQUAL(penalties != 0,
                    (environment.shared_info->events & abi::event::kSlicePenalty) != 0);
    }
};

TEST(SliceGrace, AnOverrunChargesTheOwnerAndEndsItsUpcall) {
    POINTERS_EQUAL(owner, grace.charge_overrun(table, slices));
    check_charged(*owner, 1);
    CHECK_FALSE(owner->in_upcall);
    POINTERS_EQUAL(owner->main.frame, owner->save_area);  // its main context continues
    UNSIGNED_LONGLONGS_EQUAL(0, grace.holder());          // the grace is over
}

// The attack: inside the slice-end upcall the owner releases its slot and donates the grace to a
// neighbour, which reserves the freed slot, and is itself inside an upcall when the grace ends.
TEST(SliceGrace, ReleasingTheSlotAndDonatingTheGraceChargesTheOwnerNotTheNewOwner) {
    CHECK(slices.release(kSlot, slot(*owner)) == Error::Ok);
    CHECK(slices.reserve(kSlot, slot(*neighbour)) == Error::Ok);
    neighbour->in_upcall = true;
    neighbour->save_area = neighbour->upcall.frame;

    CHECK_FALSE(grace.held_by(*neighbour));  // its Yield(0) does not end the owner's grace
    CHECK(grace.held_by(*owner));
    POINTERS_EQUAL(owner, grace.charge_overrun(table, slices));

    check_charged(*owner, 1);
    CHECK_FALSE(owner->in_upcall);
    check_charged(*neighbour, 0);
    CHECK(neighbour->in_upcall);  // its upcall goes on where it was
    POINTERS_EQUAL(neighbour->upcall.frame, neighbour->save_area);
    UNSIGNED_LONGS_EQUAL(slot(*neighbour), slices.owner(kSlot));  // and the slot stays its
    CHECK_FALSE(slices.forfeits(slot(*neighbour)));
    CHECK(slices.forfeits(slot(*owner)));
}

TEST(SliceGrace, ReleasingTheSlotAloneDoesNotEscapeThePenalty) {
    CHECK(slices.release(kSlot, slot(*owner)) == Error::Ok);
    POINTERS_EQUAL(owner, grace.charge_overrun(table, slices));
    check_charged(*owner, 1);
    UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, slices.owner(kSlot));
}

// A holder destroyed inside its grace leaves no debt, and the environment that gets its table
// slot (a new generation, so a new id) inherits none.
TEST(SliceGrace, AHolderThatDiedIsChargedNothingAndNobodyInItsPlace) {
    exo::EnvironmentSlot old_slot = slot(*owner);
    slices.release_all(old_slot);
    table.release(*owner);
    Environment* successor = table.allocate();
    successor->shared_info = &infos[2];
    UNSIGNED_LONGS_EQUAL(old_slot, slot(*successor));
    successor->in_upcall = true;

    POINTERS_EQUAL(nullptr, grace.charge_overrun(table, slices));
    check_charged(*successor, 0);
    CHECK(successor->in_upcall);
    check_charged(*neighbour, 0);
    CHECK_FALSE(slices.any_penalties());
}

TEST(SliceGrace, OnlyTheHolderHoldsItAndNobodyOnceItEnds) {
    CHECK(grace.held_by(*owner));
    CHECK_FALSE(grace.held_by(*neighbour));
    grace.end();  // the owner yielded in time
    CHECK_FALSE(grace.held_by(*owner));
    POINTERS_EQUAL(nullptr, grace.charge_overrun(table, slices));
    check_charged(*owner, 0);
}

}  // namespace
