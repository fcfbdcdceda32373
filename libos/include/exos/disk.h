// The kernel's disk from the library OS (abi/disk.h): the two rings in this environment's own
// frames, requests by tag, completions waited for; and a BlockDevice over it, which a file
// system (exos/fat.h) mounts.
#pragma once

#include <abi/disk.h>
#include <abi/syscall.h>
#include <cstdint>

#include <exos/block_device.h>
#include <exos/frame_pool.h>

namespace exos {

class Disk {
public:
    // Takes two frames from `pool`, maps them at `rings_va` (two pages) and registers them.
    abi::Error open(FramePool& pool, uint64_t rings_va);
    bool is_open() const { return submission_ != nullptr; }
    uint64_t capacity() const { return capacity_; }  // sectors
    uint64_t features() const { return features_; }

    // Writes a request into the submission ring; false when it is full (submit first).
    bool queue(const abi::DiskRequest& request);
    // DiskSubmit: how many queued requests the kernel took (it may take fewer than queued).
    uint64_t submit();
    // The next completion, if one waits.
    bool next_completion(abi::DiskCompletion& completion);
    // How many completions wait in the ring now (the kernel's tail past our head).
    uint32_t completions_ready() const {
        return *static_cast<volatile const uint32_t*>(&completion_->tail) - completion_->head;
    }
    // Queues, submits and waits for this one request (yielding the CPU while it is on the
    // device): its status. Other completions that arrive meanwhile are counted and dropped:
    // for code that keeps one request in flight.
    abi::Error run(const abi::DiskRequest& request);
    // Waits until a completion is in the ring. Yielding (the default) gives the CPU away; spinning
    // keeps it, in a loop of exactly kSpinInstructions instructions an iteration, counted in
    // spin_instructions(), so a benchmark can subtract the wait exactly (docs/benchmarks.md).
    void wait_for_completion();
    void set_spinning(bool spinning) { spinning_ = spinning; }
    static constexpr uint64_t kSpinInstructions = 3;
    uint64_t spin_instructions() const { return spin_iterations_ * kSpinInstructions; }

private:
    abi::DiskRingHeader* submission_ = nullptr;
    abi::DiskRingHeader* completion_ = nullptr;
    uint64_t capacity_ = 0;
    uint64_t features_ = 0;
    bool spinning_ = false;
    uint64_t spin_iterations_ = 0;
};

// Sectors [first, first + count) of a Disk as a BlockDevice. The kernel moves data only to and
// from frames, by number, so a buffer the device does not know goes through one frame of ours
// (the bounce frame: a copy). A registered buffer does not: as with io_uring's fixed buffers or
// O_DIRECT, a caller that knows the frames behind a range of its memory (it mapped them with
// exos::map) registers the range, and whole-block reads and writes whose buffer lies inside it
// (512-byte aligned) go straight to the device, in as few requests as the ABI allows.
class DiskBlockDevice final : public BlockDevice {
public:
    DiskBlockDevice(Disk& disk, uint64_t bounce_pfn, void* bounce, uint64_t first,
                    uint64_t count)
        : disk_(disk), bounce_pfn_(bounce_pfn), bounce_(static_cast<uint8_t*>(bounce)),
          first_(first), count_(count) {}

    uint32_t block_size() const override { return abi::kSectorSize; }
    uint64_t block_count() const override { return count_; }
    abi::Error read(uint64_t block, uint32_t count, void* buffer) override;
    abi::Error write(uint64_t block, uint32_t count, const void* buffer) override;
    // Up to a frame's worth of unregistered blocks share the bounce frame, so a batch of
    // metadata blocks is one DiskSubmit and one wait, not one per block.
    abi::Error write_batch(std::span<const BlockWrite> writes) override;
    abi::Error flush() override;

    // [va, va + length) is backed by the physically contiguous frames first_pfn, first_pfn + 1,
    // ..., which this environment owns and keeps mapped there for as long as it is registered
    // (the kernel checks each request's frames: a wrong pfn can only name the caller's own
    // frames, or be refused). va must be page aligned (Misaligned); at most kMaxRegistered
    // ranges (TooMany). A range whose frames are not contiguous is registered a run at a time.
    abi::Error register_buffer(const void* va, uint64_t first_pfn, uint64_t length);
    void unregister_buffers() { registered_count_ = 0; }
    static constexpr uint32_t kMaxRegistered = 16;

    uint64_t requests() const { return requests_; }  // sent to the kernel so far

private:
    struct Registered {
        uint64_t va;
        uint64_t pfn;
        uint64_t length;
    };
    class Batch;
    // The registered range holding all of [buffer, buffer + bytes) with buffer 512-byte
    // aligned, or null (the bounce path).
    const Registered* registered_for(const void* buffer, uint64_t bytes) const;
    bool in_range(uint64_t block, uint32_t count) const {
        return block < count_ && count <= count_ - block;
    }
    void queue_direct(Batch& batch, abi::DiskOp op, uint64_t block, uint32_t count,
                      const Registered& range, uint64_t address);
    abi::Error read_bounced(uint64_t block, uint32_t count, uint8_t* buffer);

    Disk& disk_;
    uint64_t bounce_pfn_;
    uint8_t* bounce_;
    uint64_t first_;
    uint64_t count_;
    uint64_t requests_ = 0;
    Registered registered_[kMaxRegistered] = {};
    uint32_t registered_count_ = 0;
};

}  // namespace exos
