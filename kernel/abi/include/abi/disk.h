// The disk, as the kernel exposes it: blocks by number, owned in extents, read and written
// through rings in the environment's own memory (docs/disk.md).
//
// A block is a 512-byte sector, the device's own unit. An environment sees the blocks of the
// extents it owns (the first environment owns the whole disk and hands extents to its children,
// DiskExtentGrant). It moves data between those blocks and frames it owns, by physical name: a
// request names a frame and an offset in it, never a virtual address, and the frame is pinned
// from submission to completion, so no one else can get it while the device may still write it.
//
// The rings. The environment gives the kernel two frames it owns (DiskRings): a submission ring
// and a completion ring, each a DiskRingHeader and then its entries, in the manner of io_uring.
// It writes requests at the submission ring's tail and advances `tail`; DiskSubmit takes entries
// from `head` (the kernel advances it) up to `tail`, as many as the device and the completion
// ring have room for, and returns how many it took: the rest wait for the next DiskSubmit
// (back-pressure, never loss). Each request taken gets exactly one completion, written at the
// completion ring's `tail` (the kernel advances it; the environment advances `head` as it
// consumes), announced by event::kDiskCompletion and the Event entry. A request the kernel
// refuses (not the caller's blocks or frame, out of range, too large) completes at once with
// that error and touches nothing.
#pragma once

#include <cstdint>

namespace abi {

inline constexpr uint64_t kSectorSize = 512;

enum class DiskOp : uint16_t {
    Read = 0,     // device -> frame
    Write = 1,    // frame -> device
    Flush = 2,    // everything written before is durable when this completes
    Discard = 3,  // the blocks' contents may be forgotten (where the device offers it)
};

// One request: 32 bytes. For Read and Write, `sectors` blocks (1 to kMaxRequestSectors) from
// `sector`, to or from memory starting at byte `offset` (a multiple of kSectorSize, below 4096) of
// the frame `frame` and running on through frame + 1, frame + 2, ... as far as it needs:
// physically contiguous frames, every one of them the caller's. Flush ignores sector, frame and
// offset; Discard ignores frame and offset.
struct DiskRequest {
    uint64_t tag;     // the environment's own, returned in the completion
    uint64_t sector;
    uint64_t frame;   // frame number (not an address)
    DiskOp op;
    uint16_t sectors;
    uint32_t offset;
};
static_assert(sizeof(DiskRequest) == 32);

struct DiskCompletion {
    uint64_t tag;
    uint64_t status;  // an abi::Error: Ok, IoError, NotOwner, OutOfRange, TooLarge, ...
};
static_assert(sizeof(DiskCompletion) == 16);

// The start of each ring frame. `head` and `tail` count entries forever (wrapping at 2^32); the
// entry for count n is entries[n % capacity]. The submission ring's `tail` and the completion
// ring's `head` are the environment's; the other two the kernel's, which never trusts what it
// reads: it takes at most `capacity` entries past its own head, and copies each once.
struct DiskRingHeader {
    uint32_t head;
    uint32_t tail;
    uint32_t reserved[14];
};
static_assert(sizeof(DiskRingHeader) == 64);

inline constexpr uint32_t kSubmissionRingEntries = 64;    // (4096 - 64) / 32 is 126
inline constexpr uint32_t kCompletionRingEntries = 128;   // (4096 - 64) / 16 is 252
static_assert(sizeof(DiskRingHeader) + kSubmissionRingEntries * sizeof(DiskRequest) <= 4096);
static_assert(sizeof(DiskRingHeader) + kCompletionRingEntries * sizeof(DiskCompletion) <= 4096);

// DiskInfo's questions (a0) and DiskExtentGrant's rights.
enum class DiskInfoField : uint64_t {
    Capacity = 0,      // sectors on the disk
    QueueDepth = 1,    // requests the device takes at once
    Features = 2,      // disk_feature bits
};
namespace disk_feature {
inline constexpr uint64_t kFlush = 1 << 0;
inline constexpr uint64_t kDiscard = 1 << 1;
}  // namespace disk_feature
namespace disk_rights {
inline constexpr uint64_t kRead = 1 << 0;
inline constexpr uint64_t kWrite = 1 << 1;
}  // namespace disk_rights

// The most sectors one request moves: 128 KiB, in up to kMaxRequestFrames frames (33 when it
// starts past the first frame's beginning).
inline constexpr uint32_t kMaxRequestSectors = 256;
inline constexpr uint32_t kMaxRequestFrames = (kMaxRequestSectors * kSectorSize) / 4096 + 1;

}  // namespace abi
