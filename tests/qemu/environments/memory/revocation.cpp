// Visible revocation under memory pressure: a cooperative child gives frames back when asked;
// a stubborn one ignores the request and loses frames to the abort protocol, but never its
// essential ones. Destroying both returns everything.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../check.h"
#include "mailbox.h"

namespace {

using abi::Error;
constexpr uint64_t kCooperativeImage = 1;
constexpr uint64_t kStubbornImage = 2;

exos::FramePool pool;
uint64_t requests_seen = 0;

void give_back_from_pool(uint64_t frames, uint64_t) {
    ++requests_seen;
    pool.release(frames);
}

// Retries an allocation while the kernel collects frames from someone else, giving the CPU
// away in between; returns the number of attempts it took (0 if it never succeeded).
uint64_t allocate_under_pressure(uint64_t& frame) {
    for (uint64_t attempt = 1; attempt <= 2'000'000; ++attempt) {
        exos::SyscallReturn result = exos::frame_alloc();
        if (result.error == Error::Ok) {
            frame = result.value;
            return attempt;
        }
        EXPECT(result.error == Error::NoMemory);
        (void)exos::yield();
    }
    return 0;
}

void run(uint64_t image, const char* what) {
    // The child gets slots 8-15 of the round, so it can answer requests in its own time.
    for (uint64_t slot = 8; slot < 16; ++slot)
        EXPECT(exos::syscall(abi::Syscall::SliceRelease, slot).error == Error::Ok);
    exos::Child child = exos::spawn(pool, image, 8);
    EXPECT(child.error == Error::Ok);
    // Keep enough pooled to answer a request in full: what a request leaves unanswered the abort
    // protocol takes from the lowest frame numbers up, mapped ones too, and those may be our code.
    while (pool.size() < 24) {
        exos::SyscallReturn frame = exos::frame_alloc();
        if (frame.error != Error::Ok) break;
        pool.add(frame.value);
    }
    EXPECT(mailbox::accept(child.id, child.first_spare_frame));
    // The child takes every free frame; its last, failed request makes the kernel ask us (the
    // largest other holder) for frames, and our handler frees some from the pool.
    mailbox::wait_for_state(child.id, mailbox::kDone);
    // Take those back: now the failed request asks the child, the largest holder, for frames.
    uint64_t taken_back = 0;
    for (exos::SyscallReturn frame = exos::frame_alloc(); frame.error == Error::Ok;
         frame = exos::frame_alloc()) {
        pool.add(frame.value);
        ++taken_back;
    }
    uint64_t frame = 0;
    uint64_t attempts = allocate_under_pressure(frame);
    EXPECT(attempts >= 1);
    EXPECT(exos::frame_free(frame) == Error::Ok);
    mailbox::wait_for_state(child.id, mailbox::kReported);  // it reports what it saw
    exos::printf("revocation: %s child: took %lu back, then a frame after %lu attempts\n", what,
                taken_back, attempts);
    EXPECT_AUDIT_CLEAN(what);
    EXPECT(exos::environment_destroy(child.id) == Error::Ok);
    // Its slots came back free with it; take them again.
    for (uint64_t slot = 8; slot < 16; ++slot) {
        EXPECT(exos::syscall(abi::Syscall::SliceRead, slot).value == 0);
        EXPECT(exos::syscall(abi::Syscall::SliceReserve, slot).error == Error::Ok);
    }
    // The grant ended with the child: our mapping of its mailbox went with it.
    EXPECT(exos::pte_read(mailbox::kAddress) == 0);
    EXPECT_AUDIT_CLEAN("destroying a hog");
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    exos::set_revocation_handler(give_back_from_pool);
    run(kCooperativeImage, "cooperative");
    run(kStubbornImage, "stubborn");
    exos::printf("revocation: %lu requests to this environment, pool of %zu left\n", requests_seen,
                pool.size());
    exos::printf("revocation: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
