// Drives the composed environment (composed.cpp) three times, with the slots and frames the
// image declares for it (tests/qemu/images.cmake, <exos/images/policies.h>): a fault in the
// pinned region reaches pinned memory, a fault outside both regions is reported as unclaimed,
// and both policies and the scheduler run together and share a revocation request.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/images/policies.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../driver.h"
#include "protocol.h"

namespace {

using abi::Error;
using namespace policies;
constexpr exos::EnvironmentDeclaration kComposed = exos::image_policies::composed;

exos::FramePool pool;

exos::Child start(uint64_t mode) {
    exos::Child child = exos::spawn(pool, kComposed.image, kComposed.frames);
    EXPECT(child.error == Error::Ok);
    EXPECT(driver::open_mailbox(child));
    mailbox::at().words[0] = mode;
    return child;
}

// A child that is to end itself (the runner checks how: its report and exit status).
void run_to_its_end(uint64_t mode, const char* what) {
    exos::Child child = start(mode);
    exos::wait_for(child.id);
    exos::printf("policies: the %s child has ended\n", what);
    EXPECT_AUDIT_CLEAN(what);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    for (uint64_t slot = 0; slot < 16; ++slot) {
        if (kComposed.slots >> slot & 1) {
            EXPECT(exos::syscall(abi::Syscall::SliceRelease, slot).error == Error::Ok);
        }
    }
    run_to_its_end(kFaultPinned, "pinned-fault");
    run_to_its_end(kFaultOutside, "unclaimed-fault");

    exos::Child child = start(kRunTogether);
    mailbox::wait_for_state(child.id, mailbox::kDone);
    volatile uint64_t* w = mailbox::at().words;
    exos::printf(
        "policies: pager %lu faults, %lu evictions, %lu of %lu pages intact; pinned %lu rounds "
        "without a fault; %lu thread switches; second scheduler refused: %s\n",
        w[kPagerFaults], w[kPagerEvictions], w[kPagedCorrect], kResidentLimit, w[kPinnedRounds],
        w[kSwitches], w[kSecondSchedulerRefused] ? "yes" : "no");
    EXPECT(w[kPagerFaults] == kPagesTouched);
    EXPECT(w[kPagerEvictions] == kPagesTouched - kResidentLimit);
    EXPECT(w[kPagedCorrect] == kResidentLimit);
    EXPECT(w[kPinnedRounds] >= 10);
    EXPECT(w[kSwitches] >= 3);
    EXPECT(w[kSecondSchedulerRefused] == 1);

    // Take every free frame: the failed allocation makes the kernel ask the largest other
    // holder, the child, for frames; its dispatcher asks pinned memory (4 spare), then the pager.
    uint64_t taken = 0;
    while (exos::frame_alloc().error == Error::Ok) ++taken;
    mailbox::wait_for_state(child.id, mailbox::kReported);
    const volatile abi::SharedInfo& info = exos::shared_info();
    exos::printf("policies: took %lu frames; revocation: pinned memory gave %lu, the pager %lu, "
                 "%lu repossessed from us\n",
                 taken, w[kPinnedGaveBack], w[kPagerGaveBack], info.repossessed_total);
    EXPECT(w[kPinnedGaveBack] == kPinnedSpare);
    EXPECT(w[kPinnedGaveBack] + w[kPagerGaveBack] == 16);
    EXPECT(exos::environment_destroy(child.id) == Error::Ok);
    exos::printf("policies: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
