// Environment slots and generation-checked ids (kernel/environments/environment_table.cpp).
#include <abi/trap_page.h>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "memory/revocation.h"

#include "kernel_test_names.h"

TEST_GROUP(EnvironmentTable) {
    EnvironmentTable table;
};

TEST(EnvironmentTable, IdsCarryTheSlotAndAGeneration) {
    Environment* first = table.allocate();
    Environment* second = table.allocate();
    CHECK(first != nullptr && second != nullptr && first != second);
    UNSIGNED_LONGLONGS_EQUAL((uint64_t{1} << 16) | 1, first->id);
    UNSIGNED_LONGLONGS_EQUAL((uint64_t{1} << 16) | 2, second->id);
    CHECK(first->live);
    POINTERS_EQUAL(first, table.find(first->id));
    POINTERS_EQUAL(second, table.find(second->id));
    UNSIGNED_LONGS_EQUAL(0, EnvironmentTable::slot_of(first->id));
    UNSIGNED_LONGS_EQUAL(1, EnvironmentTable::slot_of(second->id));
    POINTERS_EQUAL(second, table.at_slot(1));
    UNSIGNED_LONGS_EQUAL(2, table.live_count());
}

TEST(EnvironmentTable, AReusedSlotGetsANewIdAndTheOldOneIsDead) {
    Environment* first = table.allocate();
    EnvironmentId old_id = first->id;
    first->name[0] = 'x';
    table.release(*first);
    CHECK(first->gate != first->id);  // a dead slot never looks idle to the trap vector
    POINTERS_EQUAL(nullptr, table.find(old_id));
    POINTERS_EQUAL(nullptr, table.at_slot(0));
    UNSIGNED_LONGS_EQUAL(0, table.live_count());
    Environment* again = table.allocate();
    POINTERS_EQUAL(first, again); // the same slot...
    CHECK(again->id != old_id);   // ...under another name
    UNSIGNED_LONGLONGS_EQUAL((uint64_t{2} << 16) | 1, again->id);
    POINTERS_EQUAL(nullptr, table.find(old_id));
    POINTERS_EQUAL(again, table.find(again->id));
    UNSIGNED_LONGS_EQUAL(0, again->name[0]); // nothing of the previous occupant survives
    // Each reuse moves the generation on.
    std::set<EnvironmentId> seen{old_id, again->id};
    for (int i = 0; i < 20; ++i) {
        table.release(*again);
        again = table.allocate();
        CHECK(seen.insert(again->id).second);
    }
}

TEST(EnvironmentTable, ZeroForgedAndStaleIdsAreRejected) {
    Environment* live = table.allocate();
    for (int i = 0; i < 5; ++i)
        table.allocate();
    EnvironmentId id = live->id;
    const EnvironmentId rejected[] = {
        0,
        uint64_t{1} << 16, // generation 1, slot number 0
        65,                // slot 64 (one past the table), generation 0
        (uint64_t{1} << 16) | 65,
        (uint64_t{1} << 16) | 0xffff, // slot_of would give 0xfffe
        (uint64_t{1} << 16) | 10,     // a slot never allocated
        id + (uint64_t{1} << 16),     // the right slot, a later generation
        id - (uint64_t{1} << 16),     // the right slot, generation 0
        id | (uint64_t{1} << 48),     // bits above the generation
        id | (uint64_t{1} << 63),
        ~uint64_t{0},
        id & 0xffff, // the bare slot number
    };
    for (EnvironmentId bad : rejected)
        POINTERS_EQUAL(nullptr, table.find(bad));
    POINTERS_EQUAL(live, table.find(id));
}

TEST(EnvironmentTable, AFullTableRefusesAnotherEnvironment) {
    std::set<Environment*> distinct;
    for (size_t i = 0; i < exo::kMaxEnvironments; ++i) {
        Environment* environment = table.allocate();
        CHECK(environment != nullptr);
        distinct.insert(environment);
    }
    UNSIGNED_LONGS_EQUAL(exo::kMaxEnvironments, distinct.size());
    UNSIGNED_LONGS_EQUAL(exo::kMaxEnvironments, table.live_count());
    POINTERS_EQUAL(nullptr, table.allocate());
    POINTERS_EQUAL(nullptr, table.allocate());
    UNSIGNED_LONGS_EQUAL(exo::kMaxEnvironments, table.live_count());
    // Releasing one frees exactly that slot.
    Environment* victim = table.at_slot(37);
    EnvironmentId victim_id = victim->id;
    table.release(*victim);
    Environment* replacement = table.allocate();
    POINTERS_EQUAL(victim, replacement);
    CHECK(replacement->id != victim_id);
    UNSIGNED_LONGS_EQUAL(37, EnvironmentTable::slot_of(replacement->id));
    POINTERS_EQUAL(nullptr, table.allocate());
}

TEST(EnvironmentTable, AtSlotOnlyAnswersForLiveSlots) {
    Environment* live = table.allocate();
    POINTERS_EQUAL(live, table.at_slot(0));
    POINTERS_EQUAL(nullptr, table.at_slot(1));
    POINTERS_EQUAL(nullptr, table.at_slot(exo::kMaxEnvironments));
    POINTERS_EQUAL(nullptr, table.at_slot(exo::kNoEnvironment));
}

TEST(EnvironmentTable, ForEachLiveVisitsExactlyTheLiveSlotsInOrder) {
    exo::EnvironmentTable table;
    std::vector<exo::Environment*> all;
    for (size_t i = 0; i < exo::kMaxEnvironments; ++i) all.push_back(table.allocate());
    for (size_t i = 0; i < exo::kMaxEnvironments; ++i) {
        if (i % 3 != 0 && i != 63) table.release(*all[i]);
    }
    std::vector<exo::Environment*> visited;
    table.for_each_live([&](exo::Environment& environment) { visited.push_back(&environment); });
    std::vector<exo::Environment*> expected;
    for (size_t i = 0; i < exo::kMaxEnvironments; ++i) {
        if (i % 3 == 0 || i == 63) expected.push_back(all[i]);
    }
    CHECK(visited == expected);
    UNSIGNED_LONGS_EQUAL(expected.size(), table.live_count());
}
