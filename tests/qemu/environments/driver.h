// What the scenario drivers (each image's first environment) share: the clock, a child's
// mailbox opened in our address space (one at a time, at mailbox::kAddress), and children
// started on slots released for them.
#pragma once

#include <exos/children.h>
#include <exos/frame_pool.h>
#include <exos/syscall.h>

#include "check.h"
#include "memory/mailbox.h"

namespace driver {

inline uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

// Unmaps the mailbox open before, then maps this child's (once it has granted it).
inline bool open_mailbox(const exos::Child& child) {
    (void)exos::unmap(mailbox::kAddress);
    return mailbox::accept(child.id, child.first_spare_frame);
}

// Releases the slots in `slot_mask` (ours until now), starts the child from `image` and opens its
// mailbox; the child reserves the slots itself once it reads the mask.
inline exos::Child start(exos::FramePool& pool, uint64_t image, uint64_t slot_mask) {
    for (uint64_t slot = 0; slot < 16; ++slot) {
        if (slot_mask >> slot & 1)
            EXPECT(exos::syscall(abi::Syscall::SliceRelease, slot).error == abi::Error::Ok);
    }
    exos::Child child = exos::spawn(pool, image, 6);
    EXPECT(child.error == abi::Error::Ok);
    EXPECT(open_mailbox(child));
    return child;
}

}  // namespace driver
