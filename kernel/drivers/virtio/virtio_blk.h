// The virtio block driver (virtio 1.2 5.2) over the virtio-mmio transport and one split
// virtqueue: requests in, validated completions out, tagged so the kernel can route them.
// It owns no policy: who may touch which sectors is the integrator's business (docs/virtio.md).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/virtio/dma.h"
#include "drivers/virtio/virtio_transport.h"
#include "drivers/virtio/virtqueue.h"

namespace exo::virtio {

inline constexpr uint32_t kSectorSize = 512;
inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kMaxBlockSegments = 34; // a 128 KiB request in 4 KiB pieces

// Device feature bits (virtio 1.2 5.2.3) this driver understands.
namespace block_feature {
inline constexpr uint64_t kSizeMax = uint64_t{1} << 1;
inline constexpr uint64_t kSegmentMax = uint64_t{1} << 2;
inline constexpr uint64_t kReadOnly = uint64_t{1} << 5;
inline constexpr uint64_t kBlockSize = uint64_t{1} << 6;
inline constexpr uint64_t kFlush = uint64_t{1} << 9;
inline constexpr uint64_t kDiscard = uint64_t{1} << 13;
}  // namespace block_feature

// Configuration-space offsets (struct virtio_blk_config, 5.2.4) of the fields read here.
namespace block_config {
inline constexpr uint32_t kCapacityLow = 0;
inline constexpr uint32_t kCapacityHigh = 4;
inline constexpr uint32_t kSizeMax = 8;
inline constexpr uint32_t kSegmentMax = 12;
inline constexpr uint32_t kBlockSize = 20;
inline constexpr uint32_t kMaxDiscardSectors = 36;
inline constexpr uint32_t kMaxDiscardSegments = 40;
}  // namespace block_config

// The request types, with the spec's values (VIRTIO_BLK_T_*).
enum class BlockRequestType : uint32_t { Read = 0, Write = 1, Flush = 4, Discard = 11 };

// One request. The data is one physically contiguous buffer (the disk layer checked that every
// frame under it belongs to the requester); the driver cuts it into descriptors of at most the
// device's size_max, if it has one.
struct BlockRequest {
    BlockRequestType type = BlockRequestType::Read;
    uint64_t sector = 0; // Read, Write: the first sector; Discard: the first discarded sector
    uint64_t phys = 0;   // Read, Write: the data's physical address; Flush, Discard: unused
    uint32_t bytes = 0;  // Read, Write: a multiple of kSectorSize, not 0; Flush, Discard: 0
    uint32_t discard_sectors = 0; // Discard only: how many sectors from `sector`
    uint64_t tag = 0; // the caller's; handed back with the completion, never seen by the device
};

// How a request ended. DeviceFailed: the device broke the protocol or was reset before it
// answered; the data buffers' contents are undefined.
enum class BlockStatus : uint8_t { Ok, IoError, Unsupported, DeviceFailed };

enum class [[nodiscard]] SubmitResult : uint8_t{
    Queued,          // on the device; its completion will come from harvest or cancel_all
    Busy,            // not enough free descriptors now: nothing was queued, try after a harvest
    InvalidRequest,  // malformed: segment count, length, alignment, page crossing, type
    OutOfRange,      // past the device's capacity
    Unsupported,     // flush or discard not offered, or a write to a read-only device
    DeviceFailed,    // the device is failed: see failure()
};

const char* to_string(SubmitResult result);
const char* to_string(BlockStatus status);

// The driver-owned part of each request, in DMA memory, one slot per descriptor index (a
// chain's head names its slot): the header the device reads, the discard range, the status
// byte the device writes (5.2.6). Nothing in it is read back except the status byte.
struct BlockRequestSlot {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
    uint64_t discard_sector;
    uint32_t discard_sectors;
    uint32_t discard_flags;
    uint8_t status;
    uint8_t padding[15];
};
static_assert(sizeof(BlockRequestSlot) == 48);
static_assert(offsetof(BlockRequestSlot, discard_sector) == 16);
static_assert(offsetof(BlockRequestSlot, status) == 32);

class VirtioBlock {
public:
    static constexpr uint16_t kQueueLimit = 128;
    // The queue first (page aligned, as legacy needs), then the request slots.
    static constexpr uint64_t kQueueBytes = virtqueue_layout(kQueueLimit, RingLayout::Legacy).bytes;
    static constexpr uint64_t kDmaBytes =
        kQueueBytes + align_up(uint64_t{kQueueLimit} * sizeof(BlockRequestSlot), kPageSize);

    explicit VirtioBlock(VirtioRegisters& registers) : transport_(registers) {}

    // Probes the window, negotiates, reads the configuration, sets up queue 0 in `dma` (at
    // least kDmaBytes, physically contiguous, page aligned) and sets DRIVER_OK. False, with
    // failure() saying why, for anything else than a working block device.
    bool initialize(DmaRegion dma);

    // Checks the request against the device's limits, then queues it. Never loses a request:
    // anything but Queued means the device has not seen it.
    SubmitResult submit(const BlockRequest& request) {
        const SubmitResult result = queue(request);
        publish();
        return result;
    }
    // submit() in two halves, for a batch: queue() checks and stages requests, publish() shows
    // every staged one to the device and notifies it once (if it asked to be notified).
    SubmitResult queue(const BlockRequest& request);
    void publish();

    // Calls on_complete(uint64_t tag, BlockStatus) for each completed request, after the checks
    // in Virtqueue::harvest and on the status byte. on_complete may submit (the chain is free
    // by then); what completes meanwhile waits for the next harvest. If the device breaks a
    // rule, failed() turns true: call cancel_all for what is still in flight.
    template <typename OnComplete>
    uint32_t harvest(OnComplete&& on_complete) {
        if (failed()) return 0;
        const uint32_t delivered = queue_.harvest([&](const UsedChain& used) {
            in_flight_--;
            on_complete(tags_[used.head], completion_status(used.head));
        });
        if (queue_.failed()) transport_.fail(queue_.failure());
        return delivered;
    }

    // Resets the device (a device that follows the spec then stops touching the buffers) and
    // reports every request still in flight as DeviceFailed. The driver stays failed.
    template <typename OnComplete>
    uint32_t cancel_all(OnComplete&& on_complete) {
        fail("requests cancelled");
        (void)transport_.reset();
        queue_.fail("requests cancelled");
        return queue_.release_all([&](uint16_t head) {
            in_flight_--;
            on_complete(tags_[head], BlockStatus::DeviceFailed);
        });
    }

    // For the interrupt handler: reads and acknowledges the interrupt bits (acknowledge first,
    // then harvest, so a completion arriving in between raises a new interrupt).
    uint32_t acknowledge_interrupt() { return transport_.acknowledge_interrupts(); }

    uint32_t in_flight() const { return in_flight_; }
    bool failed() const { return transport_.failed() || queue_.failed(); }
    const char* failure() const;
    bool legacy() const { return transport_.legacy(); }
    uint64_t capacity() const { return capacity_; }  // in 512-byte sectors
    uint16_t queue_size() const { return queue_.size(); }
    // How many requests of `bytes` each fit on the queue at once (a request takes its data
    // descriptors and 2 more; a discard takes 3, a flush 2).
    uint32_t max_in_flight(uint32_t bytes) const {
        return queue_.size() / (data_descriptors(bytes) + 2);
    }
    uint32_t data_descriptors(uint32_t bytes) const {
        if (bytes <= max_segment_bytes_) return bytes != 0;  // no division on the usual path
        return static_cast<uint32_t>((uint64_t{bytes} + max_segment_bytes_ - 1) /
                                     max_segment_bytes_);
    }
    bool supports_flush() const { return transport_.has(block_feature::kFlush); }
    bool supports_discard() const { return max_discard_sectors_ != 0; }
    bool read_only() const { return transport_.has(block_feature::kReadOnly); }
    uint32_t block_size() const { return block_size_; }  // advisory: the device's preference
    uint32_t max_segments() const { return max_segments_; }
    uint32_t max_segment_bytes() const { return max_segment_bytes_; }
    uint32_t max_discard_sectors() const { return max_discard_sectors_; }

private:
    void fail(const char* reason);
    bool read_configuration();
    SubmitResult check(const BlockRequest& request) const;
    SubmitResult check_data(const BlockRequest& request) const;
    uint16_t stage_pieces(const BlockRequest& request, ChainBuffer header, ChainBuffer status);
    BlockStatus completion_status(uint16_t head);
    BlockRequestSlot* slot(uint16_t head) const;
    uint64_t slot_phys(uint16_t head) const;

    VirtioTransport transport_;
    Virtqueue queue_;
    DmaRegion slots_{};
    uint64_t capacity_ = 0;
    uint32_t block_size_ = kSectorSize;
    uint32_t max_segments_ = kMaxBlockSegments;
    uint32_t max_segment_bytes_ = uint32_t{1} << 31; // the device's size_max, if it has one
    uint32_t max_discard_sectors_ = 0;
    uint32_t in_flight_ = 0;
    uint64_t tags_[kQueueLimit]{};  // per head; private, so the device cannot change a tag
};

}  // namespace exo::virtio
