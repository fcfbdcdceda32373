// Exception dispatch: illegal instructions and breakpoints handled and skipped by the library
// OS, a page fault resolved by mapping, upcall-return misuse refused; children without a
// handler, or faulting inside theirs, are destroyed while this environment runs on.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/trap_page.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../check.h"

namespace {

using abi::Error;
constexpr uint64_t kNoHandlerImage = 1;
constexpr uint64_t kHandlerFaultsImage = 2;
constexpr uint64_t kTrapPageForgedImage = 3;
constexpr uint64_t kLazyPage = 0x60000000;

exos::FramePool pool;
volatile uint64_t illegal = 0, breakpoints = 0, page_faults = 0;  // written by the handler

exos::ExceptionOutcome handler(const volatile abi::TrapState& trap) {
    switch (trap.cause) {
    case 2:
        illegal = illegal + 1;
        return exos::ExceptionOutcome::resume_at(trap.pc + exos::instruction_length(trap.pc));
    case 3:
        breakpoints = breakpoints + 1;
        return exos::ExceptionOutcome::resume_at(trap.pc + exos::instruction_length(trap.pc));
    case 13: {
        page_faults = page_faults + 1;
        if (trap.address != kLazyPage + 8) return exos::ExceptionOutcome::fatal(60);
        std::optional<uint64_t> frame = pool.take();
        Error error = exos::map(kLazyPage, *frame, 1, abi::permission::kRead);
        if (error == Error::NoMemory) {
            (void)exos::page_table_donate(*pool.take());
            (void)exos::page_table_donate(*pool.take());
            error = exos::map(kLazyPage, *frame, 1, abi::permission::kRead);
        }
        return error == Error::Ok ? exos::ExceptionOutcome::retry()
                                  : exos::ExceptionOutcome::fatal(61);
    }
    default:
        exos::printf("exceptions: unexpected cause %lu at pc %lx (address %lx)\n", trap.cause,
                     trap.pc, trap.address);
        return exos::ExceptionOutcome::fatal(62);
    }
}

void own_exceptions() {
    // Misuse first: no upcall in progress, bad entry kinds and addresses.
    EXPECT(exos::syscall(abi::Syscall::UpcallReturn, 0).error == Error::NotInUpcall);
    EXPECT(exos::set_entry(abi::Entry::Count, 0x10000, 0x20000) == Error::InvalidArgument);
    EXPECT(exos::set_entry(abi::Entry::Exception, 0xffffffff80200000, 0x20000) ==
           Error::OutOfRange);
    EXPECT(exos::set_entry(abi::Entry::Exception, 0x10000, 0xffffffc080000000) ==
           Error::OutOfRange);

    exos::set_exception_handler(handler);
    asm volatile(".4byte 0xc0001073");  // csrw cycle, zero: a read-only CSR, so illegal
    asm volatile("ebreak");
    asm volatile(".4byte 0xffffffff");  // no such instruction
    uint64_t value = *reinterpret_cast<volatile uint64_t*>(kLazyPage + 8);
    EXPECT(illegal == 2);
    EXPECT(breakpoints == 1);
    EXPECT(page_faults == 1);
    EXPECT(value == 0);
    const volatile abi::TrapPage& trap = exos::trap_page();
    EXPECT(trap.cause == 13 && trap.address == kLazyPage + 8);
    EXPECT(trap.busy == 0);  // the handler resumed and re-armed itself
    EXPECT(exos::shared_info().upcalls == 0);  // exceptions reach the handler without an upcall
    exos::printf("exceptions: %lu illegal, %lu breakpoints, %lu page faults handled\n", illegal,
                breakpoints, page_faults);
    EXPECT_AUDIT_CLEAN("own exceptions");
}

void faulty_children() {
    exos::Child no_handler = exos::spawn(pool, kNoHandlerImage, 2);
    EXPECT(no_handler.error == Error::Ok);
    exos::wait_for(no_handler.id);
    EXPECT(exos::yield(no_handler.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child without a handler");

    exos::Child handler_faults = exos::spawn(pool, kHandlerFaultsImage, 2);
    EXPECT(handler_faults.error == Error::Ok);
    exos::wait_for(handler_faults.id);
    EXPECT(exos::yield(handler_faults.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child faulting in its handler");

    exos::Child forged = exos::spawn(pool, kTrapPageForgedImage, 2);
    EXPECT(forged.error == Error::Ok);
    exos::wait_for(forged.id);
    EXPECT(exos::yield(forged.id) == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("child with a forged trap page");
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    own_exceptions();
    faulty_children();
    exos::printf("exceptions: still running after the three children were destroyed\n");
    exos::printf("exceptions: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
