// One environment running two memory policies and a scheduler together, all through the
// runtime's upcall dispatcher: a demand pager over one region, pinned memory over another,
// round-robin threads over its slots. In mode kRunTogether the threads fault in the pager's
// region and work in the pinned one, and a revocation request is shared out between the two
// policies; the other modes make one fault that must reach pinned memory, or nobody.
#include <exos/demand_pager.h>
#include <exos/frame_pool.h>
#include <exos/images/policies.h>
#include <exos/periodic.h>
#include <exos/pinned_memory.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/threads.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"
#include "protocol.h"

namespace {

using namespace policies;
constexpr uint64_t kPage = 4096;

exos::FramePool pool;
exos::PinnedMemory pinned;
exos::DemandPager pager;
exos::RoundRobinThreads threads;
exos::PeriodicTasks periodic;  // only ever refused: the threads have the environment

volatile uint64_t* at(uint64_t base, uint64_t page) {
    return reinterpret_cast<volatile uint64_t*>(base + page * kPage);
}
uint64_t pattern(uint64_t page) { return 0x9e3779b97f4a7c15ull * (page + 7); }

volatile uint64_t pager_done = 0;
volatile uint64_t pinned_rounds = 0;

// Touches twice as many pages as may be resident, then checks the last resident half.
void page_in(uint64_t) {
    for (uint64_t page = 0; page < kPagesTouched; ++page) *at(kPagedBase, page) = pattern(page);
    uint64_t correct = 0;
    for (uint64_t page = kPagesTouched - kResidentLimit; page < kPagesTouched; ++page) {
        correct += *at(kPagedBase, page) == pattern(page);
    }
    mailbox::at().words[kPagedCorrect] = correct;
    pager_done = 1;
    for (;;) {
    }
}

// Real-time work in pinned memory: never a fault.
void pinned_work(uint64_t) {
    for (;;) {
        for (uint64_t page = 0; page < kPinnedPages; ++page)
            *at(kPinnedBase, page) = pinned_rounds + page;
        uint64_t sum = 0;
        for (uint64_t page = 0; page < kPinnedPages; ++page) sum += *at(kPinnedBase, page) - page;
        if (sum == kPinnedPages * pinned_rounds) pinned_rounds = pinned_rounds + 1;
    }
}

void report(uint64_t) {
    mailbox::Mailbox& box = mailbox::at();
    while (!pager_done || pinned_rounds < 10) {
    }
    box.words[kPagerFaults] = pager.faults();
    box.words[kPagerEvictions] = pager.evictions();
    box.words[kPinnedRounds] = pinned_rounds;
    box.words[kSwitches] = threads.switches();
    box.state = mailbox::kDone;
    // The driver now takes every free frame: the kernel asks us (the largest holder) for 16.
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (info.revocation.sequence == 0 ||
           pinned.given_back() + pager.given_back() < info.revocation.frames_requested) {
    }
    box.words[kPinnedGaveBack] = pinned.given_back();
    box.words[kPagerGaveBack] = pager.given_back();
    box.state = mailbox::kReported;
    for (;;) {
    }
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    mailbox::Mailbox& box = mailbox::at();
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (box.words[0] == 0) (void)exos::yield(info.parent_id);
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (exos::image_policies::composed.slots >> slot & 1) {
            (void)exos::syscall(abi::Syscall::SliceReserve, slot);
        }
    }
    // Pinned memory first: revocation asks the policies in this order.
    if (pinned.start(pool, kPinnedBase, kPinnedPages, kPinnedSpare) != abi::Error::Ok) return 2;
    if (pager.start(pool, kPagedBase, kPagedPages, kResidentLimit) != abi::Error::Ok) return 3;
    if (exos::set_scheduler(threads) != abi::Error::Ok) return 4;
    box.words[kSecondSchedulerRefused] = exos::set_scheduler(periodic) == abi::Error::AlreadyExists;

    switch (box.words[0]) {
    case kFaultPinned:
        // A pinned page made read-only, then written: pinned memory's fault, reported as its bug.
        (void)exos::protect(kPinnedBase + 2 * kPage, 1, abi::permission::kRead);
        *at(kPinnedBase, 2) = 1;
        return 5;  // not reached: the policy ends the environment
    case kFaultOutside:
        *reinterpret_cast<volatile uint64_t*>(kOutside) = 1;
        return 6;  // not reached: nobody claims it
    default:
        break;
    }
    threads.spawn(page_in, 0);
    threads.spawn(pinned_work, 0);
    threads.spawn(report, 0);
    threads.start();
}
