// A memory hog that ignores revocation (no handler) and marks a few frames essential: the
// abort protocol must take other frames by force and leave the essential ones alone.
#include <exo/console.h>
#include <exo/shared_info.h>

#include "hog.h"
#include "mailbox.h"

int main() {
    if (!mailbox::offer()) return 1;
    hog::take_slots();
    uint64_t essential[4];
    for (uint64_t& frame : essential) {
        frame = exo::frame_alloc().value;
        (void)exo::frame_set_essential(frame, true);
    }
    exo::printf("hog_stubborn: took %lu frames\n", hog::grab_everything());
    mailbox::at().state = mailbox::kDone;
    const volatile abi::SharedInfo& info = exo::shared_info();
    while (info.repossessed_total == 0) (void)exo::yield(info.parent_id);
    uint64_t my_slot = (info.environment_id & 0xffff) - 1;
    uint64_t kept = 0;
    for (uint64_t frame : essential) {
        uint64_t state = exo::frame_query(frame);
        kept += abi::frame_info_state(state) == abi::FrameState::Owned &&
                abi::frame_info_owner_slot(state) == my_slot && abi::frame_info_essential(state);
    }
    bool told = info.events & abi::event::kFramesRepossessed;
    exo::printf("hog_stubborn: %lu repossessed (event %s), %lu of 4 essential kept\n",
                info.repossessed_total, told ? "seen" : "missing", kept);
    mailbox::at().state = mailbox::kReported;
    for (;;) (void)exo::yield(info.parent_id);
}
