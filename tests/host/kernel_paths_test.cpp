// The kernel's own decisions, run on the host over fake hardware: the scheduler (who runs when a
// slot starts, ends or is yielded), the trap decisions for U-mode (an exception to the handler or
// the end of the environment, the timer to the scheduler) and the interrupt path (a line reaches
// its owner only, the fast path enters its event entry).
#include <cstdint>
#include <string>
#include <vector>

#include <abi/trap_page.h>

#include "cpu/interrupts.h"
#include "cpu/trap.h"
#include "environments/upcall.h"
#include "kernel_fixture.h"

extern "C" uint64_t handle_interrupt_fast(const uint64_t* slots, uint64_t sp);

using exo::test::BootedKernel;
namespace fake = exo::fake;

namespace {
uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }
}  // namespace

TEST_GROUP(Scheduler) {
    BootedKernel* kernel = nullptr;
    Environment* a = nullptr;
    Environment* b = nullptr;
    void setup() override {
        kernel = new BootedKernel;
        a = kernel->environments[1];
        b = kernel->environments[2];
        exo::SliceVector& slices = kernel->machine.state.slices;
        // Slots 0 and 2 are a's, 1 is b's, 3 nobody's.
        CHECK_EQUAL(Error::Ok, slices.reserve(0, FakeMachine::slot(*a)));
        CHECK_EQUAL(Error::Ok, slices.reserve(1, FakeMachine::slot(*b)));
        CHECK_EQUAL(Error::Ok, slices.reserve(2, FakeMachine::slot(*a)));
    }
    void teardown() override { delete kernel; }
    Environment* on_cpu() { return static_cast<Environment*>(fake::hart().current_environment); }
};

TEST(Scheduler, TheFirstSlotRunsItsOwnerUntilItsEnd) {
    fake::hardware().time = 500;
    riscv::TrapFrame* frame = exo::scheduler_start();
    POINTERS_EQUAL(&a->frame(), frame);
    POINTERS_EQUAL(a, on_cpu());
    UNSIGNED_LONGLONGS_EQUAL(1500, fake::hardware().timer_deadline);
    UNSIGNED_LONGLONGS_EQUAL(a->satp,
                             fake::hardware().csrs[static_cast<uint16_t>(riscv::Csr::satp)]);
}

TEST(Scheduler, AtASlotsEndTheNextOwnerRunsAndAnEarlyTickChangesNothing) {
    (void)exo::scheduler_start();
    fake::hardware().time = 999;  // early: the slot goes on
    POINTERS_EQUAL(&a->frame(), exo::scheduler_tick());
    fake::hardware().time = 1000;
    POINTERS_EQUAL(&b->frame(), exo::scheduler_tick());
    POINTERS_EQUAL(b, on_cpu());
    fake::hardware().time = 2000;
    POINTERS_EQUAL(&a->frame(), exo::scheduler_tick());
    // Slot 3 is nobody's and there is no background environment: the hart idles.
    fake::hardware().time = 3000;
    CHECK_THROWS(fake::Idle, exo::scheduler_tick());
}

TEST(Scheduler, YieldDonatesTheSlotOrGivesItUp) {
    (void)exo::scheduler_start();
    riscv::TrapFrame& frame = a->frame();
    frame.x[riscv::reg::a7] = number(abi::Syscall::Yield);
    frame.x[riscv::reg::a0] = b->id;
    exo::SyscallContext context = kernel->context(*a);
    CHECK(!exo::dispatch(context, frame).writes_registers());
    POINTERS_EQUAL(b, on_cpu());
    UNSIGNED_LONGLONGS_EQUAL(0, frame.x[riscv::reg::a0]);  // Ok, for when a resumes
    // A stale id is refused before anything switches.
    riscv::TrapFrame& refused = kernel->call(*b, number(abi::Syscall::Yield), b->id + (1 << 16));
    CHECK_EQUAL(Error::NoSuchEnvironment, BootedKernel::error_of(refused));
    POINTERS_EQUAL(b, on_cpu());
    // Giving the slot up with no background environment: nobody runs.
    CHECK_THROWS(fake::Idle, kernel->call(*b, number(abi::Syscall::Yield), 0));
}

TEST_GROUP(TrapDecisions) {
    BootedKernel* kernel = nullptr;
    Environment* victim = nullptr;
    void setup() override {
        kernel = new BootedKernel;
        victim = kernel->environments[1];
        kernel->run_on_cpu(*victim);
    }
    void teardown() override { delete kernel; }
    riscv::TrapFrame& fault(uint64_t pc) {
        riscv::TrapFrame& frame = victim->frame();
        frame.scause = static_cast<uint64_t>(riscv::Exception::IllegalInstruction);
        frame.pc() = pc;
        frame.x[riscv::reg::sp] = 0x3000;
        return frame;
    }
};

TEST(TrapDecisions, AnExceptionGoesToTheRegisteredHandler) {
    CHECK_EQUAL(Error::Ok, exo::set_entry(*victim, static_cast<uint64_t>(abi::Entry::Exception),
                                          0x10400, 0x30000));
    riscv::TrapFrame& frame = fault(0x10010);
    POINTERS_EQUAL(&frame, handle_user_trap(&frame));
    UNSIGNED_LONGLONGS_EQUAL(0x10400, frame.pc());
    UNSIGNED_LONGLONGS_EQUAL(0x30000, frame.x[riscv::reg::sp]);
    abi::TrapPage& page = victim->trap();
    UNSIGNED_LONGLONGS_EQUAL(0x10010, page.pc);
    UNSIGNED_LONGLONGS_EQUAL(abi::kTrapPageBusyHandlerRuns, page.busy);
    // A second exception inside the handler is not delivered: the environment ends.
    EnvironmentId id = victim->id;
    try {
        (void)handle_user_trap(&fault(0x10404));
        FAIL("a fault inside the handler came back");
    } catch (const fake::ReturnToUser&) {
    } catch (const fake::Idle&) {
    }
    CHECK(kernel->machine.state.environments.find(id) == nullptr);
}

TEST(TrapDecisions, AnExceptionWithoutAHandlerEndsTheEnvironmentOnly) {
    EnvironmentId id = victim->id;
    try {
        (void)handle_user_trap(&fault(0x10010));
        FAIL("an unhandled exception came back");
    } catch (const fake::ReturnToUser&) {
    } catch (const fake::Idle&) {
    }
    CHECK(kernel->machine.state.environments.find(id) == nullptr);
    CHECK(kernel->machine.state.environments.find(kernel->environments[2]->id) != nullptr);
    CHECK(fake::hardware().console.find("killed: illegal instruction") != std::string::npos);
    STRCMP_EQUAL("", kernel->machine.audit_problems().c_str());
}

TEST(TrapDecisions, TheTimerGoesToTheScheduler) {
    exo::SliceVector& slices = kernel->machine.state.slices;
    CHECK_EQUAL(Error::Ok, slices.reserve(0, FakeMachine::slot(*victim)));
    CHECK_EQUAL(Error::Ok, slices.reserve(1, FakeMachine::slot(*kernel->environments[2])));
    (void)exo::scheduler_start();
    fake::hardware().time = 1000;
    riscv::TrapFrame& frame = victim->frame();
    frame.scause = riscv::kCauseInterruptBit | riscv::interrupt::kTimer;
    POINTERS_EQUAL(&kernel->environments[2]->frame(), handle_user_trap(&frame));
}

TEST_GROUP(Interrupts) {
    BootedKernel* kernel = nullptr;
    Environment* owner = nullptr;
    Environment* other = nullptr;
    static constexpr uint32_t kConsoleLine = 10;
    static constexpr uint32_t kLine = 11;
    void setup() override {
        kernel = new BootedKernel;
        owner = kernel->environments[1];
        other = kernel->environments[2];
        exo::DeviceTreeInfo tree;
        tree.uarts[0] = {exo::UartKind::Ns16550a, {0x10000000, 0x100}, kConsoleLine};
        tree.uarts[1] = {exo::UartKind::Ns16550a, {0x10001000, 0x100}, kLine};
        tree.uart_count = 2;
        tree.console = tree.uarts[0];
        tree.plic = {{0xc000000, 0x4000000}, 32};
        tree.cpus[0].hart_id = 0;
        tree.cpus[0].plic_supervisor_context = 1;
        tree.cpu_count = 1;
        exo::interrupts_init(tree, 0);
    }
    void teardown() override { delete kernel; }
    bool pending(Environment& environment, uint32_t line) {
        return (environment.shared_info->irq_pending[line / 64] >> (line % 64)) & 1;
    }
};

TEST(Interrupts, ALineReachesItsOwnerOnlyUntilItsAck) {
    // The console's UART is the kernel's: device 0 is the other one.
    riscv::TrapFrame& claimed = kernel->call(*owner, number(abi::Syscall::DeviceClaim), 0);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(claimed));
    UNSIGNED_LONGLONGS_EQUAL(kLine, claimed.x[riscv::reg::a1]);
    CHECK_EQUAL(Error::NotOwner,
                BootedKernel::error_of(kernel->call(*other, number(abi::Syscall::IrqBind), kLine)));
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*owner, number(abi::Syscall::IrqBind), kLine)));
    CHECK(fake::hardware().plic_enables.back() == std::make_pair(kLine, true));
    fake::hardware().plic_pending = {kLine, 5};  // 5 is nobody's
    exo::handle_external_interrupt();
    CHECK(pending(*owner, kLine));
    CHECK(!pending(*other, kLine));
    CHECK(owner->shared_info->events & abi::event::kInterrupt);
    // Nobody's line is completed at once; the owner's stays claimed until its IrqAck.
    CHECK(fake::hardware().plic_completed == std::vector<uint32_t>{5});
    CHECK_EQUAL(Error::NotOwner,
                BootedKernel::error_of(kernel->call(*other, number(abi::Syscall::IrqAck), kLine)));
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*owner, number(abi::Syscall::IrqAck), kLine)));
    CHECK(!pending(*owner, kLine));
    CHECK(fake::hardware().plic_completed == (std::vector<uint32_t>{5, kLine}));
}

TEST(Interrupts, TheFastPathEntersTheRunningOwnersEventEntry) {
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*owner, number(abi::Syscall::DeviceClaim), 0)));
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*owner, number(abi::Syscall::IrqBind), kLine)));
    CHECK_EQUAL(Error::Ok, exo::set_entry(*owner, static_cast<uint64_t>(abi::Entry::Event),
                                          0x10200, 0x38000));
    kernel->run_on_cpu(*owner);
    uint64_t slots[riscv::irq_slot::count] = {};
    slots[riscv::irq_slot::a0] = 0xa0;
    fake::hardware().csrs[static_cast<uint16_t>(riscv::Csr::sepc)] = 0x10010;
    // The timer is due as well: the general path takes it.
    fake::hardware().csrs[static_cast<uint16_t>(riscv::Csr::sip)] =
        riscv::interrupt::bit(riscv::interrupt::kTimer);
    UNSIGNED_LONGLONGS_EQUAL(0, handle_interrupt_fast(slots, 0x3000));
    fake::hardware().csrs[static_cast<uint16_t>(riscv::Csr::sip)] = 0;
    fake::hardware().plic_pending = {kLine};
    UNSIGNED_LONGLONGS_EQUAL(0x38000, handle_interrupt_fast(slots, 0x3000));
    UNSIGNED_LONGLONGS_EQUAL(0x10200,
                             fake::hardware().csrs[static_cast<uint16_t>(riscv::Csr::sepc)]);
    abi::TrapPage& page = owner->trap();
    UNSIGNED_LONGLONGS_EQUAL(1, page.event_busy);
    UNSIGNED_LONGLONGS_EQUAL(0x10010, page.event_pc);
    UNSIGNED_LONGLONGS_EQUAL(0xa0, page.event_a0);
    // A second line while the event runs waits for an upcall.
    fake::hardware().plic_pending = {kLine};
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*owner, number(abi::Syscall::IrqAck), kLine)));
    UNSIGNED_LONGLONGS_EQUAL(0x3000, handle_interrupt_fast(slots, 0x3000));
    CHECK(owner->event_upcall_pending);
}
