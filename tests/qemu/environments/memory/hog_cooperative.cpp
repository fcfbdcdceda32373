// A memory hog that answers revocation requests by freeing the frames it took last.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/upcalls.h>

#include "hog.h"
#include "mailbox.h"

namespace {
void give_back(uint64_t frames, uint64_t) {
    uint64_t returned = 0;
    for (uint64_t i = 0; i < frames && hog::recent_count > 0; ++i) {
        if (exos::frame_free(hog::recent[--hog::recent_count % 512]) == abi::Error::Ok) ++returned;
    }
    exos::printf("hog_cooperative: asked for %lu frames, returned %lu, %lu repossessed\n", frames,
                returned, exos::shared_info().repossessed_total);
    mailbox::at().state = mailbox::kReported;
}
}  // namespace

int main() {
    exos::set_revocation_handler(give_back);
    if (!mailbox::offer()) return 1;
    hog::take_slots();
    exos::printf("hog_cooperative: took %lu frames\n", hog::grab_everything());
    mailbox::at().state = mailbox::kDone;
    for (;;) (void)exos::yield(exos::shared_info().parent_id);
}
