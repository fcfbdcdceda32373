// Upcalls on the host, through the kernel's own code: entering a registered entry on the upcall
// context with the main context left as it stopped, one entry at a time, pending upcalls
// delivered when the running one ends, and UpcallReturn (resume where stopped, or elsewhere)
// through the real dispatch.
#include <cstdint>

#include <abi/shared_info.h>

#include "environments/upcall.h"
#include "kernel_fixture.h"

using exo::test::BootedKernel;

namespace {

constexpr uint64_t kRevocationPc = 0x10100, kEventPc = 0x10200, kEntrySp = 0x3ff000;
constexpr uint64_t kMainPc = 0x10040;

uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }

}  // namespace

TEST_GROUP(Upcalls) {
    BootedKernel* kernel = nullptr;
    Environment* env = nullptr;
    void setup() override {
        kernel = new BootedKernel;
        env = kernel->environments[1];
        kernel->run_on_cpu(*env);
        register_entry(abi::Entry::Revocation, kRevocationPc);
        register_entry(abi::Entry::Event, kEventPc);
        env->main.frame->pc() = kMainPc;
        env->main.frame->x[riscv::reg::gp] = 0x6000;
        env->main.frame->x[riscv::reg::s0] = 0x5150;
    }
    void teardown() override { delete kernel; }

    void register_entry(abi::Entry entry, uint64_t pc) {
        riscv::TrapFrame& frame = kernel->call(*env, number(abi::Syscall::EnvSetEntry),
                                               static_cast<uint64_t>(entry), pc, kEntrySp);
        CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    }
    Error upcall_return(uint64_t mode, uint64_t pc = 0) {
        riscv::TrapFrame& frame = env->frame();
        frame.x[riscv::reg::a7] = number(abi::Syscall::UpcallReturn);
        frame.x[riscv::reg::a0] = mode;
        frame.x[riscv::reg::a1] = pc;
        exo::SyscallContext context = kernel->context(*env);
        return exo::dispatch(context, frame).error();  // Ok too when it set the registers
    }
};

TEST(Upcalls, AnUpcallRunsOnTheUpcallContextAndTheMainOneWaits) {
    uint64_t before = env->shared_info->upcalls;
    CHECK_TRUE(exo::start_upcall(*env, abi::Entry::Revocation, 5, 777, 0));
    CHECK_TRUE(env->in_upcall);
    riscv::TrapFrame& upcall = env->frame();
    CHECK(&upcall != env->main.frame);
    POINTERS_EQUAL(&upcall, env->save_area);  // where the vector saves it next
    UNSIGNED_LONGLONGS_EQUAL(kRevocationPc, upcall.pc());
    UNSIGNED_LONGLONGS_EQUAL(kEntrySp, upcall.x[riscv::reg::sp]);
    UNSIGNED_LONGLONGS_EQUAL(5, upcall.x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(777, upcall.x[riscv::reg::a1]);
    UNSIGNED_LONGLONGS_EQUAL(0x6000, upcall.x[riscv::reg::gp]);  // its globals, from main
    UNSIGNED_LONGLONGS_EQUAL(kMainPc, env->main.frame->pc());
    UNSIGNED_LONGLONGS_EQUAL(0x5150, env->main.frame->x[riscv::reg::s0]);
    UNSIGNED_LONGLONGS_EQUAL(before + 1, env->shared_info->upcalls);
}

TEST(Upcalls, OneEntryAtATime) {
    CHECK_TRUE(exo::start_upcall(*env, abi::Entry::Event, 1, 0, 0));
    CHECK_FALSE(exo::start_upcall(*env, abi::Entry::Revocation, 5, 777, 0));
    UNSIGNED_LONGLONGS_EQUAL(kEventPc, env->frame().pc());  // the running one is untouched
}

TEST(Upcalls, AnUnregisteredEntryStartsNothing) {
    Environment* other = kernel->environments[2];
    CHECK_FALSE(exo::start_upcall(*other, abi::Entry::Revocation, 1, 2, 0));
    CHECK_FALSE(other->in_upcall);
    POINTERS_EQUAL(other->main.frame, &other->frame());
}

TEST(Upcalls, UpcallReturnResumesWhereMainStoppedOrWhereAsked) {
    CHECK_TRUE(exo::start_upcall(*env, abi::Entry::Event, 1, 0, 0));
    CHECK_EQUAL(Error::Ok, upcall_return(0));
    CHECK_FALSE(env->in_upcall);
    POINTERS_EQUAL(env->main.frame, &env->frame());
    UNSIGNED_LONGLONGS_EQUAL(kMainPc, env->frame().pc());
    CHECK_TRUE(exo::start_upcall(*env, abi::Entry::Event, 1, 0, 0));
    CHECK_EQUAL(Error::Ok, upcall_return(1, 0x10080));
    UNSIGNED_LONGLONGS_EQUAL(0x10080, env->frame().pc());
}

TEST(Upcalls, UpcallReturnOutsideAnUpcallIsRefused) {
    CHECK_EQUAL(Error::NotInUpcall, upcall_return(0));
    UNSIGNED_LONGLONGS_EQUAL(kMainPc, env->frame().pc());
}

TEST(Upcalls, APendingUpcallStartsWhenTheRunningOneReturns) {
    CHECK_TRUE(exo::start_upcall(*env, abi::Entry::Event, 1, 0, 0));
    env->revocation_upcall_pending = true;
    env->revocation_remaining = 3;
    env->revocation_deadline = 4242;
    exo::deliver_pending_upcalls(*env);  // an entry runs: it waits
    CHECK_TRUE(env->revocation_upcall_pending);
    CHECK_EQUAL(Error::Ok, upcall_return(0));
    // The return delivered it: the revocation entry runs now, with the request's figures.
    CHECK_FALSE(env->revocation_upcall_pending);
    CHECK_TRUE(env->in_upcall);
    UNSIGNED_LONGLONGS_EQUAL(kRevocationPc, env->frame().pc());
    UNSIGNED_LONGLONGS_EQUAL(3, env->frame().x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(4242, env->frame().x[riscv::reg::a1]);
}
