// Protected control transfer, the logic the trap vector shares with the C++
// (kernel/environments/transfer.h): the gate each environment shows, calls and their errors,
// replies, sends, and what happens to the other side when one party ends. The vector's own Call and
// Reply are checked in QEMU (control_transfer scenario); here is every state they rely on.
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <cstdint>

#include "environments/environment.h"
#include "environments/transfer.h"

#include <CppUTest/TestHarness.h>

namespace {

using abi::Error;
using exo::Environment;
namespace transfer = exo::transfer;
namespace reg = riscv::reg;

constexpr uint64_t kEntryPc = 0x40000, kEntrySp = 0x50000;

riscv::TrapFrame syscall_frame(uint64_t target, uint64_t number, uint64_t ecall_pc = 0x12340) {
    riscv::TrapFrame frame{};
    for (int i = 1; i < 32; ++i) frame.x[i] = 0x1000 + i;  // recognisable register values
    frame.x[reg::a0] = target;
    frame.x[reg::a7] = number;
    frame.x[reg::sp] = 0x3fff0000;
    frame.sstatus() = 0x6020;  // FS dirty, SPIE
    frame.pc() = ecall_pc + 4;  // the slow path has advanced it
    return frame;
}

// Two environments on the host: the caller "runs", the callee has entry 0 registered.
TEST_GROUP(Transfer) {
    exo::EnvironmentTable table;
    uint64_t directory[exo::EnvironmentTable::kDirectorySize] = {};
    Environment* caller = nullptr;
    Environment* callee = nullptr;
    // Main contexts live in shared info pages, which bare table entries do not have.
    riscv::TrapFrame main_frames[exo::kMaxEnvironments] = {};
    size_t added = 0;

    Environment* add() {
        Environment* environment = table.allocate();
        environment->main.frame = &main_frames[added++];
        return environment;
    }

    void setup() override {
        table.attach_directory(directory);
        transfer::set_fast(true);
        caller = add();
        callee = add();
        callee->entries[static_cast<size_t>(abi::Entry::Call0)] = {kEntryPc, kEntrySp};
        caller->save_area = caller->main.frame;
        transfer::on_enter(*caller);
        transfer::on_leave(*callee);
    }

    transfer::Outcome call(Environment& from, uint64_t target, uint64_t entry = 0) {
        riscv::TrapFrame& frame = *from.save_area;
        frame = syscall_frame(target, abi::kCall + entry);
        return transfer::call(table, from, frame, entry);
    }
};

TEST(Transfer, TheDirectoryPointsAtLiveEnvironmentsAndNothingElseMatches) {
    uint64_t index = caller->id & exo::EnvironmentTable::kDirectoryMask;
    UNSIGNED_LONGLONGS_EQUAL(reinterpret_cast<uint64_t>(caller), directory[index]);
    // Every other index holds a word that no id selecting that index can equal.
    for (uint64_t i = 0; i < exo::EnvironmentTable::kDirectorySize; ++i) {
        auto* gate = reinterpret_cast<const uint64_t*>(directory[i]);
        if (gate == &caller->gate || gate == &callee->gate) continue;
        CHECK((*gate & exo::EnvironmentTable::kDirectoryMask) != i);
    }
    table.release(*callee);
    auto* gate = reinterpret_cast<const uint64_t*>(
        directory[callee->id & exo::EnvironmentTable::kDirectoryMask]);
    CHECK(gate != &callee->gate);
}

TEST(Transfer, GatesOpenOnlyForIdleEnvironments) {
    UNSIGNED_LONGLONGS_EQUAL(callee->id, callee->gate);  // idle: callable
    CHECK(callee->save_area == callee->upcall.frame);    // a fast call's entry saves there
    UNSIGNED_LONGLONGS_EQUAL(0, caller->gate);            // running: nobody may call it
    transfer::on_leave(*caller);
    UNSIGNED_LONGLONGS_EQUAL(caller->id, caller->gate);
    caller->in_upcall = true;  // an upcall in progress closes it
    transfer::on_leave(*caller);
    UNSIGNED_LONGLONGS_EQUAL(0, caller->gate);
    transfer::set_fast(false);  // no ASIDs: no fast call ever matches
    caller->in_upcall = false;
    transfer::on_leave(*caller);
    UNSIGNED_LONGLONGS_EQUAL(0, caller->gate);
}

TEST(Transfer, AnEnvironmentInsideItsExceptionHandlerIsBusy) {
    abi::TrapPage page{};
    callee->trap_page = reinterpret_cast<uint64_t>(&page);
    page.handler_pc = 0x30000;
    page.busy = abi::kTrapPageAddress;  // preempted inside its handler (busy: above 1)
    transfer::on_leave(*callee);
    UNSIGNED_LONGLONGS_EQUAL(0, callee->gate);
    CHECK(call(*caller, callee->id).error == Error::Busy);
    page.busy = 0;  // the handler resumed the faulting code
    transfer::on_leave(*callee);
    UNSIGNED_LONGLONGS_EQUAL(callee->id, callee->gate);
    page.busy = 1;  // "no handler" (what EnvSetEntry writes for pc 0): calls are welcome
    transfer::on_leave(*callee);
    UNSIGNED_LONGLONGS_EQUAL(callee->id, callee->gate);
    CHECK(call(*caller, callee->id).error == Error::Ok);
}

TEST(Transfer, ACallEntersTheCalleeWithTheCallersRegisters) {
    transfer::Outcome outcome = call(*caller, callee->id);
    CHECK(outcome.error == Error::Ok);
    POINTERS_EQUAL(callee, outcome.next);
    const riscv::TrapFrame& entered = *callee->upcall.frame;
    UNSIGNED_LONGLONGS_EQUAL(kEntryPc, entered.pc());
    UNSIGNED_LONGLONGS_EQUAL(kEntrySp, entered.x[reg::sp]);
    UNSIGNED_LONGLONGS_EQUAL(caller->id, entered.x[reg::a0]);  // who called
    for (int i = 1; i < 32; ++i) {
        if (i == reg::sp || i == reg::a0) continue;
        UNSIGNED_LONGLONGS_EQUAL(caller->main.frame->x[i], entered.x[i]);  // passed through
    }
    UNSIGNED_LONGLONGS_EQUAL(caller->main.frame->sstatus(), entered.sstatus());
    CHECK(callee->save_area == callee->upcall.frame);
    CHECK(&callee->frame() == callee->upcall.frame);
    // The caller waits, to resume after its ecall with its own sp.
    UNSIGNED_LONGLONGS_EQUAL(0x12340, caller->resume_pc);
    UNSIGNED_LONGLONGS_EQUAL(0x3fff0000, caller->resume_sp);
    CHECK(caller->waiting());
    CHECK(callee->serving());
    POINTERS_EQUAL(caller, callee->caller());
    POINTERS_EQUAL(callee, transfer::callee_of(table, *caller));
    // The callee's gate names the caller, with bit 63 set: the trap vector may reply.
    UNSIGNED_LONGLONGS_EQUAL(exo::gate::of(caller), callee->gate);
    CHECK(static_cast<int64_t>(callee->gate) < 0);
}

TEST(Transfer, ErrorsLeaveBothSidesAsTheyWere) {
    Environment* third = add();
    CHECK(call(*caller, 0).error == Error::NoSuchEnvironment);
    CHECK(call(*caller, callee->id ^ (uint64_t{1} << 16)).error ==
          Error::NoSuchEnvironment);                                           // stale
    CHECK(call(*caller, callee->id + 1000).error == Error::NoSuchEnvironment); // forged
    CHECK(call(*caller, caller->id).error == Error::InvalidArgument);          // ourselves
    CHECK(call(*caller, callee->id, 1).error == Error::InvalidArgument);       // unregistered
    CHECK(call(*caller, callee->id, 4).error == Error::InvalidArgument);       // no such entry
    CHECK(call(*caller, third->id).error == Error::InvalidArgument);           // no entries
    CHECK(!caller->waiting());
    CHECK(!callee->serving());
    UNSIGNED_LONGLONGS_EQUAL(callee->id, callee->gate);
    // A callee already serving is Busy, and so is one in an upcall.
    CHECK(call(*caller, callee->id).error == Error::Ok);
    third->save_area = third->main.frame;
    CHECK(call(*third, callee->id).error == Error::Busy);
    CHECK(!third->waiting());
    Environment* fourth = add();
    fourth->entries[static_cast<size_t>(abi::Entry::Call0)] = {kEntryPc, kEntrySp};
    fourth->in_upcall = true;
    CHECK(call(*third, fourth->id).error == Error::Busy);
    // A caller that waits cannot be called either.
    caller->entries[static_cast<size_t>(abi::Entry::Call0)] = {kEntryPc, kEntrySp};
    CHECK(call(*third, caller->id).error == Error::Busy);
}

TEST(Transfer, AReplyResumesTheCallerWithTheCalleesRegisters) {
    CHECK(call(*caller, callee->id).error == Error::Ok);
    riscv::TrapFrame& running = *callee->upcall.frame;
    running.x[reg::a1] = 42;
    running.x[reg::s0] = 0xbad;
    running.x[reg::sp] = 0;  // whatever the callee does with sp, the caller gets its own back
    transfer::Outcome outcome = transfer::reply(*callee, running);
    CHECK(outcome.error == Error::Ok);
    POINTERS_EQUAL(caller, outcome.next);
    const riscv::TrapFrame& resumed = *caller->main.frame;
    UNSIGNED_LONGLONGS_EQUAL(0x12344, resumed.pc());
    UNSIGNED_LONGLONGS_EQUAL(0x3fff0000, resumed.x[reg::sp]);
    UNSIGNED_LONGLONGS_EQUAL(0, resumed.x[reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(42, resumed.x[reg::a1]);
    UNSIGNED_LONGLONGS_EQUAL(0xbad, resumed.x[reg::s0]);
    CHECK(!caller->waiting());
    CHECK(!callee->serving());
    transfer::on_leave(*callee);  // it stops running: callable again, as when it was called
    UNSIGNED_LONGLONGS_EQUAL(callee->id, callee->gate);
    // A second reply has nobody to go to.
    CHECK(transfer::reply(*callee, running).error == Error::NotPermitted);
    CHECK(transfer::reply(*caller, *caller->main.frame).error == Error::NotPermitted);
}

TEST(Transfer, NestedCallsReplyInOrder) {
    Environment* third = add();
    third->entries[static_cast<size_t>(abi::Entry::Call0)] = {kEntryPc, kEntrySp};
    transfer::on_leave(*third);
    CHECK(call(*caller, callee->id).error == Error::Ok);
    CHECK(call(*callee, third->id).error == Error::Ok);  // from inside its entry
    POINTERS_EQUAL(third, transfer::callee_of(table, *callee));
    CHECK(transfer::reply(*third, *third->upcall.frame).next == callee);
    CHECK(callee->serving());  // still in the caller's call
    CHECK(transfer::reply(*callee, *callee->upcall.frame).next == caller);
}

TEST(Transfer, ASendHasNobodyToReplyToAndEndsWithUpcallReturn) {
    riscv::TrapFrame& frame = *caller->main.frame;
    frame = syscall_frame(callee->id, abi::kSend);
    transfer::Outcome outcome = transfer::send(table, *caller, frame, 0);
    CHECK(outcome.error == Error::Ok);
    UNSIGNED_LONGLONGS_EQUAL(0, frame.x[reg::a0]);  // the sender continues later with Ok
    CHECK(!caller->waiting());
    CHECK(callee->serving());
    POINTERS_EQUAL(nullptr, callee->caller());
    CHECK(transfer::reply(*callee, *callee->upcall.frame).error == Error::NotPermitted);
    CHECK(transfer::end_upcall(*callee) == Error::Ok);
    CHECK(!callee->serving());
    CHECK(callee->save_area == callee->main.frame);
    CHECK(transfer::end_upcall(*callee) == Error::NotInUpcall);
}

TEST(Transfer, UpcallReturnWhileACallerWaitsIsRefused) {
    CHECK(call(*caller, callee->id).error == Error::Ok);
    CHECK(transfer::end_upcall(*callee) == Error::NotPermitted);
    CHECK(caller->waiting());
}

TEST(Transfer, ACalleeThatEndsFailsTheCall) {
    CHECK(call(*caller, callee->id).error == Error::Ok);
    transfer::release(table, *callee);
    table.release(*callee);
    CHECK(!caller->waiting());
    const riscv::TrapFrame& resumed = *caller->main.frame;
    UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(Error::NoSuchEnvironment), resumed.x[reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(0x12344, resumed.pc());
    UNSIGNED_LONGLONGS_EQUAL(0x3fff0000, resumed.x[reg::sp]);
    UNSIGNED_LONGLONGS_EQUAL(caller->id, caller->gate);  // idle again, callable
}

TEST(Transfer, ACallerThatEndsLeavesTheCalleeWithNobodyToReplyTo) {
    CHECK(call(*caller, callee->id).error == Error::Ok);
    transfer::release(table, *caller);
    table.release(*caller);
    CHECK(callee->serving());
    POINTERS_EQUAL(nullptr, callee->caller());
    CHECK(transfer::reply(*callee, *callee->upcall.frame).error == Error::NotPermitted);
    CHECK(transfer::end_upcall(*callee) == Error::Ok);
}

TEST(Transfer, WithoutFastTransfersTheGateStillSaysServingButTheVectorMayNotReply) {
    transfer::set_fast(false);
    transfer::on_leave(*callee);
    CHECK(call(*caller, callee->id).error == Error::Ok);  // the C++ path still works
    CHECK(callee->serving());
    CHECK(static_cast<int64_t>(callee->gate) >= 0);  // the vector's reply needs bit 63
    POINTERS_EQUAL(caller, callee->caller());
    CHECK(transfer::reply(*callee, *callee->upcall.frame).next == caller);
}

}  // namespace
