// A page shared between a parent and a child through a grant: the child maps the first spare
// frame its parent gave it and grants it back; the parent maps the grant. Scenario steps
// synchronise on it instead of on scheduling order, which the timer may change.
#pragma once

#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace mailbox {

inline constexpr uint64_t kAddress = 0x7f000000;
inline constexpr uint64_t kReady = 1, kDone = 2, kReported = 3;

struct Mailbox {
    volatile uint64_t state;
    volatile uint64_t value;
    volatile uint64_t words[14];  // what the two sides agree on, scenario by scenario
};

inline Mailbox& at() { return *reinterpret_cast<Mailbox*>(kAddress); }

// Child side: share the first spare frame with the parent. Returns false on any refusal.
inline bool offer() {
    const volatile abi::SharedInfo& info = exos::shared_info();
    if (info.initial_frame_count < 3) return false;
    uint64_t frame = info.initial_frames[0];
    // Two more spare frames pay for the mailbox's page-table nodes.
    (void)exos::page_table_donate(info.initial_frames[1]);
    (void)exos::page_table_donate(info.initial_frames[2]);
    if (exos::map(kAddress, frame, 1, abi::permission::kRead | abi::permission::kWrite) !=
        abi::Error::Ok) {
        return false;
    }
    if (exos::grant(frame, info.parent_id, abi::permission::kRead | abi::permission::kWrite) !=
        abi::Error::Ok) {
        return false;
    }
    at().state = kReady;
    return true;
}

// Parent side: map the child's mailbox once it has been granted (the caller donates tables).
inline bool accept(uint64_t child, uint64_t frame) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        if (exos::map(kAddress, frame, 1, abi::permission::kRead | abi::permission::kWrite) ==
            abi::Error::Ok) {
            return true;
        }
        (void)exos::yield(child);
    }
    return false;
}

inline void wait_for_state(uint64_t child, uint64_t state) {
    while (at().state != state) (void)exos::yield(child);
}

}  // namespace mailbox
