// A memory hog that ignores revocation (no handler) and marks a few frames essential: the
// abort protocol must take other frames by force and leave the essential ones alone.
#include <exos/console.h>
#include <exos/shared_info.h>

#include "hog.h"
#include "mailbox.h"

int main() {
    if (!mailbox::offer()) return 1;
    hog::take_slots();
    uint64_t essential[4];
    for (uint64_t& frame : essential) {
        frame = exos::frame_alloc().value;
        (void)exos::frame_set_essential(frame, true);
    }
    exos::printf("hog_stubborn: took %lu frames\n", hog::grab_everything());
    mailbox::at().state = mailbox::kDone;
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (info.repossessed_total == 0) (void)exos::yield(info.parent_id);
    uint64_t my_slot = (info.environment_id & 0xffff) - 1;
    uint64_t kept = 0;
    for (uint64_t frame : essential) {
        uint64_t state = exos::frame_query(frame);
        kept += abi::frame_info_state(state) == abi::FrameState::Owned &&
                abi::frame_info_owner_slot(state) == my_slot && abi::frame_info_essential(state);
    }
    bool told = info.events & abi::event::kFramesRepossessed;
    exos::printf("hog_stubborn: %lu repossessed (event %s), %lu of 4 essential kept\n",
                info.repossessed_total, told ? "seen" : "missing", kept);
    mailbox::at().state = mailbox::kReported;
    for (;;) (void)exos::yield(info.parent_id);
}
