// What the scheduler children share: take the slots the parent names in the mailbox, say so,
// and wait for the measurement window.
#pragma once

#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../memory/mailbox.h"

namespace sched {

inline uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

inline bool take_slots_and_wait() {
    if (!mailbox::offer()) return false;
    mailbox::Mailbox& box = mailbox::at();
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (box.words[0] == 0) (void)exos::yield(info.parent_id);
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (box.words[0] >> slot & 1) (void)exos::syscall(abi::Syscall::SliceReserve, slot);
    }
    box.state = mailbox::kDone;
    while (box.words[2] == 0) (void)exos::yield(info.parent_id);
    return true;
}

}  // namespace sched
