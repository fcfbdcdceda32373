// Exception dispatch: illegal instructions and breakpoints handled and skipped by the library
// OS, a page fault resolved by mapping, upcall-return misuse refused; children without a
// handler, or faulting inside theirs, are destroyed while this environment runs on.
#include <exo/children.h>
#include <exo/console.h>
#include <exo/frame_pool.h>
#include <exo/shared_info.h>
#include <exo/trap_page.h>
#include <exo/syscall.h>
#include <exo/upcalls.h>

#include "../check.h"

namespace {

using abi::Error;
constexpr uint64_t kNoHandlerImage = 1;
constexpr uint64_t kHandlerFaultsImage = 2;
constexpr uint64_t kTrapPageForgedImage = 3;
constexpr uint64_t kLazyPage = 0x60000000;

exo::FramePool pool;
volatile uint64_t illegal = 0, breakpoints = 0, page_faults = 0;  // written by the handler

exo::ExceptionOutcome handler(const volatile abi::TrapState& trap) {
    switch (trap.cause) {
    case 2:
        illegal = illegal + 1;
        return exo::ExceptionOutcome::resume_at(trap.pc + exo::instruction_length(trap.pc));
    case 3:
        breakpoints = breakpoints + 1;
        return exo::ExceptionOutcome::resume_at(trap.pc + exo::instruction_length(trap.pc));
    case 13: {
        page_faults = page_faults + 1;
        if (trap.address != kLazyPage + 8) return exo::ExceptionOutcome::fatal(60);
        std::optional<uint64_t> frame = pool.take();
        Error error = exo::map(kLazyPage, *frame, 1, abi::permission::kRead);
        if (error == Error::NoMemory) {
            (void)exo::page_table_donate(*pool.take());
            (void)exo::page_table_donate(*pool.take());
            error = exo::map(kLazyPage, *frame, 1, abi::permission::kRead);
        }
        return error == Error::Ok ? exo::ExceptionOutcome::retry() : exo::ExceptionOutcome::fatal(61);
    }
    default: exo::printf("exceptions: unexpected cause %lu at pc %lx (address %lx)\n", trap.cause, trap.pc, trap.address); return exo::ExceptionOutcome::fatal(62);
    }
}

void own_exceptions() {
    // Misuse first: no upcall in progress, bad entry kinds and addresses.
    EXPECT(exo::syscall(abi::Syscall::UpcallReturn, 0).error == Error::NotInUpcall);
    EXPECT(exo::set_entry(abi::Entry::Count, 0x10000, 0x20000) == Error::InvalidArgument);
    EXPECT(exo::set_entry(abi::Entry::Exception, 0xffffffff80200000, 0x20000) == Error::OutOfRange);
    EXPECT(exo::set_entry(abi::Entry::Exception, 0x10000, 0xffffffc080000000) == Error::OutOfRange);

    exo::set_exception_handler(handler);
    asm volatile(".4byte 0xc0001073");  // csrw cycle, zero: a read-only CSR, so illegal
    asm volatile("ebreak");
    asm volatile(".4byte 0xffffffff");  // no such instruction
    uint64_t value = *reinterpret_cast<volatile uint64_t*>(kLazyPage + 8);
    EXPECT(illegal == 2);
    EXPECT(breakpoints == 1);
    EXPECT(page_faults == 1);
    EXPECT(value == 0);
    const volatile abi::TrapPage& trap = exo::trap_page();
    EXPECT(trap.cause == 13 && trap.address == kLazyPage + 8);
    EXPECT(trap.busy == 0);  // the handler resumed and re-armed itself
    EXPECT(exo::shared_info().upcalls == 0);  // exceptions reach the handler without an upcall
    exo::printf("exceptions: %lu illegal, %lu breakpoints, %lu page faults handled\n", illegal,
                breakpoints, page_faults);
    EXPECT_AUDIT_CLEAN("own exceptions");
}

void faulty_children() {
    exo::Child no_handler = exo::spawn(pool, kNoHandlerImage, 2);
    EXPECT(no_handler.error == Error::Ok);
    exo::wait_for(no_handler.id);
    EXPECT(exo::yield(no_handler.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child without a handler");

    exo::Child handler_faults = exo::spawn(pool, kHandlerFaultsImage, 2);
    EXPECT(handler_faults.error == Error::Ok);
    exo::wait_for(handler_faults.id);
    EXPECT(exo::yield(handler_faults.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child faulting in its handler");

    exo::Child forged = exo::spawn(pool, kTrapPageForgedImage, 2);
    EXPECT(forged.error == Error::Ok);
    exo::wait_for(forged.id);
    EXPECT(exo::yield(forged.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child with a forged trap page");
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    own_exceptions();
    faulty_children();
    exo::printf("exceptions: still running after the three children were destroyed\n");
    exo::printf("exceptions: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
