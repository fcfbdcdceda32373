// The disk as a multiplexed resource: block ownership (extent_table.h), each environment's
// request and completion rings (abi/disk.h), and the requests in flight on the device.
//
// DMA without an IOMMU: the device can write anywhere, so only the kernel writes what it reads
// (DeviceRequest), only with the physical address of a frame the requester owns, and that frame
// is pinned from submission to completion. A pinned frame cannot be freed, repossessed, granted,
// donated as a page table or handed to a child (each of those checks the pin count). An
// environment that ends with requests in flight leaves those frames owned by nobody, still
// pinned: the completion, not the ending, frees them, so no frame the device may still write is
// ever handed out.
#pragma once

#include <abi/disk.h>
#include <array>
#include <cstdint>

#include "disk/block_queue.h"
#include "disk/extent_table.h"
#include "environments/environment.h"
#include "memory/frame_table.h"
#include "register_hygiene.h"
#include "syscalls/syscall_result.h"

namespace exo {

struct KernelState;

class Disk final : private CompletionSink {
public:
    static constexpr uint32_t kMaxInFlight = 128;
    // A frame holds at most one pin a request in flight and one as a ring: within what
    // FrameTable::pin_owned_run may add without checking.
    static_assert(kMaxInFlight + 1 <= FrameTable::kMaxDiskPins);

    // `queue` nullptr: the machine has no disk (every call answers NoDisk). `first` owns it all.
    void attach(BlockQueue* queue, EnvironmentSlot first);
    bool present() const { return queue_ != nullptr && !queue_->failed(); }
    ExtentTable& extents() { return extents_; }
    const ExtentTable& extents() const { return extents_; }

    SyscallResult info(uint64_t field) const;
    // Registers `caller`'s two ring frames (pinned while registered), replacing earlier ones
    // (Busy while requests are in flight). Both zero: unregisters.
    abi::Error set_rings(KernelState& state, Environment& caller, uint64_t submission_pfn,
                         uint64_t completion_pfn);
    // Takes what `caller` queued, as far as the device and its completion ring have room.
    SyscallResult submit(KernelState& state, Environment& caller);
    // The device's interrupt: completions to their rings, frames unpinned, owners told.
    void complete(KernelState& state);
    // `environment` ends: its rings and extents go; its requests in flight become orphans.
    // Called from outside the disk paths (the environment's end): clears what they leave.
    EXO_CLEARS_CALLER_SAVED_REGISTERS void forget(KernelState& state, Environment& environment);

    uint32_t in_flight(EnvironmentSlot slot) const { return in_flight_count_[slot]; }
    // Writes the device has completed without error, ever (the power-cut sweep counts them).
    uint64_t writes_completed() const { return writes_completed_; }
    bool busy_on(EnvironmentSlot slot, uint64_t start, uint64_t count) const;

private:
    struct Rings {
        uint64_t submission_pfn = 0;  // 0: none registered
        uint64_t completion_pfn = 0;
        uint32_t submission_head = 0;  // the kernel's own copies, never read back
        uint32_t completion_tail = 0;
        // The two frames as the kernel reaches them, worked out once at DiskRings.
        abi::DiskRingHeader* submission = nullptr;
        abi::DiskRingHeader* completion = nullptr;
    };
    struct InFlight {
        bool used = false;
        EnvironmentSlot slot = kNoEnvironment;  // kNoEnvironment: its environment ended
        uint8_t frames = 0;  // pinned from pfn on; 0 for Flush and Discard
        bool write = false;  // counted when it completes (writes_completed)
        uint64_t tag = 0;
        uint64_t pfn = 0;
        uint64_t sector = 0;  // the blocks it touches (busy_on); none for Flush
        uint32_t sectors = 0;
    };

    void complete(uint32_t id, abi::Error status) override;
    static uint64_t frames_of(const abi::DiskRequest& request);
    // What needs no frame: the operation, the size, the offset, the caller's extents.
    abi::Error check(EnvironmentSlot slot, const abi::DiskRequest& request) const;
    // The frames pinned and the request on the device, or an error and nothing changed.
    abi::Error start(KernelState& state, EnvironmentSlot slot, const abi::DiskRequest& request);
    uint32_t completion_room(EnvironmentSlot slot) const;
    void post(KernelState& state, EnvironmentSlot slot, uint64_t tag, abi::Error status);
    void release_rings(KernelState& state, Rings& rings);

    KernelState* completing_ = nullptr;  // the state complete() works on, while it does
    BlockQueue* queue_ = nullptr;
    ExtentTable extents_;
    std::array<Rings, kMaxEnvironments> rings_{};
    std::array<InFlight, kMaxInFlight> in_flight_{};
    // Kept beside the table so the submission path counts nothing: requests in flight per
    // environment (kMaxEnvironments: the orphans'), and the unused ids as a stack.
    std::array<uint16_t, kMaxEnvironments + 1> in_flight_count_{};
    std::array<uint8_t, kMaxInFlight> free_ids_{};
    uint32_t free_id_count_ = 0;
    uint64_t writes_completed_ = 0;
};

}  // namespace exo
