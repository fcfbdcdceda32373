// The fast Call's authority check, tried as an attacker would: every value a caller could put
// in a0 that equals some state a gate word can hold (0, the dead marker, the serving markers,
// the addresses of environment records, ids of the right slot with the wrong generation, the
// directory's stand-in words), against targets that are idle, running, waiting, serving (with
// and without a caller to reply to), in an upcall, inside their exception handler, and dead,
// with every environment slot in use. The trap vector accepts a0 when the directory word at
// (a0 & 63) is a gate equal to a0 (arch/riscv64/trap_entry.S); that rule is modelled here and
// must accept exactly what the C++ path (transfer::call) accepts: the id of a live environment
// that accepts calls, and nothing else.
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "environments/environment.h"
#include "environments/transfer.h"

#include <CppUTest/TestHarness.h>

namespace {

using abi::Error;
using exo::Environment;
namespace transfer = exo::transfer;
namespace reg = riscv::reg;

constexpr uint64_t kEntryPc = 0x40000, kEntrySp = 0x50000;

// What the vector's Call path does before it enters anyone (the first seven instructions).
bool vector_accepts(const uint64_t* directory, uint64_t a0) {
    const auto* gate = reinterpret_cast<const uint64_t*>(
        directory[a0 & (exo::EnvironmentTable::kDirectorySize - 1)]);
    return *gate == a0;
}

TEST_GROUP(TransferGate) {
    exo::EnvironmentTable table;
    uint64_t directory[exo::EnvironmentTable::kDirectorySize] = {};
    riscv::TrapFrame main_frames[exo::kMaxEnvironments] = {};
    abi::TrapPage trap_pages[exo::kMaxEnvironments] = {};
    std::vector<Environment*> all;

    void setup() override {
        table.attach_directory(directory);
        transfer::set_fast(true);
        for (size_t i = 0; i < exo::kMaxEnvironments; ++i) {
            Environment* environment = table.allocate();
            CHECK(environment != nullptr);
            environment->main.frame = &main_frames[i];
            environment->trap_page = reinterpret_cast<uint64_t>(&trap_pages[i]);
            trap_pages[i].busy = 1;
            environment->entries[static_cast<size_t>(abi::Entry::Call0)] = {kEntryPc, kEntrySp};
            environment->save_area = environment->main.frame;
            transfer::on_leave(*environment);
            all.push_back(environment);
        }
        POINTERS_EQUAL(nullptr, table.allocate());  // every slot in use
    }

    Error c_call(Environment& from, uint64_t target) {
        riscv::TrapFrame& frame = from.frame();
        frame = riscv::TrapFrame{};
        frame.x[reg::a0] = target;
        frame.x[reg::a7] = abi::kCall;
        frame.pc() = 0x12344;
        return transfer::call(table, from, frame, 0).error;
    }

    // Every value an attacker could guess that equals a word the kernel keeps in a gate or the
    // directory, plus neighbours of each.
    std::set<uint64_t> hostile_values() {
        std::set<uint64_t> values = {0,
                                     1,
                                     2,
                                     63,
                                     64,
                                     65,
                                     exo::gate::kDead,
                                     exo::gate::kServingNobody,
                                     exo::gate::kTopBit,
                                     exo::gate::kTopBit | exo::gate::kServingNobody,
                                     ~uint64_t{0},
                                     ~uint64_t{0} << 6,
                                     uint64_t{1} << 16};
        for (Environment* environment : all) {
            uint64_t address = reinterpret_cast<uint64_t>(environment);
            for (uint64_t value :
                 {environment->gate, environment->id, address, exo::gate::of(environment),
                  exo::gate::of(environment) & ~exo::gate::kTopBit, environment->trap_page,
                  environment->id ^ (uint64_t{1} << 16), environment->id + (uint64_t{1} << 16),
                  environment->id & 0xffff, environment->id | exo::gate::kTopBit,
                  environment->id | (uint64_t{1} << 48)}) {
                for (uint64_t delta : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}})
                    values.insert(value + delta);
            }
        }
        for (uint64_t word : directory) {
            values.insert(word);
            values.insert(*reinterpret_cast<const uint64_t*>(word));
        }
        return values;
    }

    // For every hostile value: the vector accepts it only for an accepting target, exactly when
    // the C++ would (and the C++ then enters that target).
    void check_every_value_against(Environment& caller) {
        for (uint64_t a0 : hostile_values()) {
            Environment* target = table.find(a0);
            bool should = target != nullptr && target != &caller && target->gate == target->id;
            if (vector_accepts(directory, a0) != should) {
                FAIL(("the vector's check disagrees for a0 = " + std::to_string(a0)).c_str());
            }
            if (should) CHECK(target->gate == a0 && target->id == a0);
        }
    }
};

TEST(TransferGate, IndexZeroListsNoEnvironmentAndEveryNonIdStateSelectsIt) {
    const auto* word0 = reinterpret_cast<const uint64_t*>(directory[0]);
    for (Environment* environment : all) {
        CHECK(word0 != &environment->gate);
        CHECK((environment->id & 63) != 0);
        UNSIGNED_LONGLONGS_EQUAL(0, reinterpret_cast<uint64_t>(environment) %
                                        exo::gate::kNonIdAlignment);
        UNSIGNED_LONGLONGS_EQUAL(0, exo::gate::of(environment) % exo::gate::kNonIdAlignment);
    }
    UNSIGNED_LONGLONGS_EQUAL(0, exo::gate::kServingNobody % exo::gate::kNonIdAlignment);
    CHECK(!vector_accepts(directory, 0));
}

TEST(TransferGate, EveryStateAGateCanHoldRefusesEveryForgedValue) {
    Environment& running = *all[0];
    transfer::on_enter(running);  // running: its gate is closed (0)
    // Slot 62 (the last) runs a call of its own to slot 1, and waits: both closed to others.
    Environment& waiter = *all[62];
    Environment& server = *all[1];
    transfer::on_enter(waiter);
    CHECK(c_call(waiter, server.id) == Error::Ok);
    CHECK(static_cast<int64_t>(server.gate) < 0);  // serving: the caller's address
    // Slot 2 serves a Send (from slot 3): nobody to reply to.
    Environment& sender = *all[3];
    sender.save_area = sender.main.frame;
    riscv::TrapFrame& send_frame = *sender.main.frame;
    send_frame = riscv::TrapFrame{};
    send_frame.x[reg::a0] = all[2]->id;
    CHECK(transfer::send(table, sender, send_frame, 0).error == Error::Ok);
    UNSIGNED_LONGLONGS_EQUAL(exo::gate::kServingNobody, all[2]->gate);
    // Slot 4 is in an upcall, slot 5 inside its exception handler, slot 6 dead.
    all[4]->in_upcall = true;
    transfer::on_leave(*all[4]);
    trap_pages[5].busy = abi::kTrapPageBusyHandlerRuns;
    transfer::on_leave(*all[5]);
    transfer::release(table, *all[6]);
    table.release(*all[6]);
    UNSIGNED_LONGLONGS_EQUAL(exo::gate::kDead, all[6]->gate);

    check_every_value_against(running);
    check_every_value_against(waiter);
    // The legitimate caller still gets its reply after all that.
    transfer::Outcome outcome = transfer::reply(server, *server.upcall.frame);
    CHECK(outcome.error == Error::Ok);
    POINTERS_EQUAL(&waiter, outcome.next);
}

TEST(TransferGate, TheCPathRefusesWhatTheVectorRefuses) {
    Environment& caller = *all[10];
    transfer::on_enter(caller);
    Environment& server = *all[20];
    Environment& third = *all[30];
    third.save_area = third.main.frame;
    CHECK(c_call(caller, server.id) == Error::Ok);
    // A third party guessing the serving gate (the caller's address) or ids of the right slot
    // with the wrong generation gets nowhere, and the server stays the caller's.
    CHECK(c_call(third, server.gate) != Error::Ok);
    CHECK(c_call(third, reinterpret_cast<uint64_t>(&caller)) != Error::Ok);
    CHECK(c_call(third, server.id ^ (uint64_t{1} << 16)) == Error::NoSuchEnvironment);
    CHECK(c_call(third, 0) == Error::NoSuchEnvironment);
    CHECK(c_call(third, server.id) == Error::Busy);
    CHECK(!vector_accepts(directory, server.gate));
    CHECK(!vector_accepts(directory, server.id));
    POINTERS_EQUAL(&caller, server.caller());
    // Calling ourselves is refused on both paths.
    CHECK(c_call(caller, caller.id) != Error::Ok);
    CHECK(!vector_accepts(directory, caller.id));
}

}  // namespace
