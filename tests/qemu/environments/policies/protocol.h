// What the policies driver and its composed child agree on through the mailbox: the mode the
// child runs in (words[0]) and what it reports (words[4] on).
#pragma once

#include <cstdint>

namespace policies {

inline constexpr uint64_t kPagedBase = 0x40000000;   // the demand pager's region
inline constexpr uint64_t kPagedPages = 256;
inline constexpr uint64_t kResidentLimit = 16;
inline constexpr uint64_t kPagesTouched = 32;        // twice the limit: 16 evictions
inline constexpr uint64_t kPinnedBase = 0x50000000;  // pinned memory's region
inline constexpr uint64_t kPinnedPages = 8;
inline constexpr uint64_t kPinnedSpare = 4;
inline constexpr uint64_t kOutside = 0x60000000;     // no policy's

// words[0]: what the child does once both memory policies and the scheduler are registered.
inline constexpr uint64_t kRunTogether = 1;    // threads over both regions, then revocation
inline constexpr uint64_t kFaultPinned = 2;    // a store to a pinned page made read-only
inline constexpr uint64_t kFaultOutside = 3;   // a store outside both regions

// Reported by kRunTogether: words[4..9] when the work is done (state kDone), words[10..11]
// after the revocation request (state kReported).
enum Word : uint64_t {
    kPagerFaults = 4,
    kPagerEvictions = 5,
    kPinnedRounds = 6,
    kSwitches = 7,
    kPagedCorrect = 8,
    kSecondSchedulerRefused = 9,
    kPinnedGaveBack = 10,
    kPagerGaveBack = 11,
};

}  // namespace policies
