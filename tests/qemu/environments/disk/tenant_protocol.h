// What the disk scenario's driver and its tenant child agree on in their mailbox.
#pragma once

#include <cstdint>

namespace tenant {

// words[] of the mailbox (environments/memory/mailbox.h).
inline constexpr int kWritable = 0;     // in: the first sector of the read-write extent (256)
inline constexpr int kReadOnly = 1;     // in: the first sector of the read-only extent (64)
inline constexpr int kForeign = 2;      // in: a frame of the driver's
inline constexpr int kFailures = 3;     // out: checks that failed before the revocation
inline constexpr int kRevoked = 4;      // out: 1 once it saw its extent revoked, refused after
inline constexpr int kAfter = 5;        // out: checks that failed after the revocation
inline constexpr int kWriteThrough = 6;  // out: 1 when its write-through cache's block was on
                                         // the disk as soon as the write returned
// The sector of the read-write extent the tenant's cache writes (the driver's own write-back
// demonstration uses the one 8 past it, before the grant).
inline constexpr uint64_t kPolicySector = 16;
inline constexpr uint64_t kWritableSectors = 256, kReadOnlySectors = 64;

}  // namespace tenant
