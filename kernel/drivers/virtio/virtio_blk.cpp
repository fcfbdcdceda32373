// virtio-blk: initialization, request checks and chains, and the status byte of each completion.
#include "drivers/virtio/virtio_blk.h"
#include "register_hygiene.h"

namespace exo::virtio {

namespace {
constexpr uint8_t kStatusOk = 0;  // VIRTIO_BLK_S_*, 5.2.6
constexpr uint8_t kStatusIoError = 1;
constexpr uint8_t kStatusUnsupported = 2;
constexpr uint8_t kStatusNotWritten = 0xff;  // our sentinel: the device must overwrite it

constexpr uint64_t kUnderstood = block_feature::kSizeMax | block_feature::kSegmentMax |
                                 block_feature::kReadOnly | block_feature::kBlockSize |
                                 block_feature::kFlush | block_feature::kDiscard;
}  // namespace

const char* to_string(SubmitResult result) {
    switch (result) {
    case SubmitResult::Queued:
        return "queued";
    case SubmitResult::Busy:
        return "busy";
    case SubmitResult::InvalidRequest:
        return "invalid request";
    case SubmitResult::OutOfRange:
        return "out of range";
    case SubmitResult::Unsupported:
        return "unsupported";
    case SubmitResult::DeviceFailed:
        return "device failed";
    }
    return "?";
}

const char* to_string(BlockStatus status) {
    switch (status) {
    case BlockStatus::Ok:
        return "ok";
    case BlockStatus::IoError:
        return "I/O error";
    case BlockStatus::Unsupported:
        return "unsupported";
    case BlockStatus::DeviceFailed:
        return "device failed";
    }
    return "?";
}

const char* VirtioBlock::failure() const {
    if (transport_.failure() != nullptr) return transport_.failure();
    return queue_.failure();
}

EXO_KEEPS_USED_REGISTERS
void VirtioBlock::fail(const char* reason) {
    transport_.fail(reason);
    queue_.fail(reason);
}

bool VirtioBlock::initialize(DmaRegion dma) {
    if (!transport_.probe()) return false;
    if (transport_.device_id() != kDeviceIdBlock) {
        transport_.fail(transport_.device_id() == kDeviceIdNone ? "empty virtio slot"
                                                                : "not a block device");
        return false;
    }
    if (dma.virt == nullptr || dma.size < kDmaBytes || dma.phys % kPageSize != 0) {
        fail("DMA region too small or not page aligned");
        return false;
    }
    if (!transport_.begin() || !transport_.negotiate(kUnderstood, 0)) return false;
    if (!read_configuration()) return false;

    const uint16_t size =
        VirtioTransport::choose_queue_size(transport_.queue_size_max(0), kQueueLimit);
    if (size == 0) {
        fail("queue not available (QueueNumMax is 0)");
        return false;
    }
    const DmaRegion ring{dma.virt, dma.phys, kQueueBytes};
    if (!queue_.initialize(ring, size, transport_.ring_layout())) {
        fail(queue_.failure());
        return false;
    }
    slots_ = {dma.virt + kQueueBytes, dma.phys + kQueueBytes, dma.size - kQueueBytes};
    if (!transport_.setup_queue(0, size, queue_.addresses())) {
        queue_.fail(transport_.failure());
        return false;
    }
    transport_.driver_ok();
    return !failed();
}

bool VirtioBlock::read_configuration() {
    const bool size_max = transport_.has(block_feature::kSizeMax);
    const bool segment_max = transport_.has(block_feature::kSegmentMax);
    const bool block_size = transport_.has(block_feature::kBlockSize);
    const bool discard = transport_.has(block_feature::kDiscard);
    uint32_t segment_bytes = 0, segments = 0, preferred = 0, discard_sectors = 0;
    uint32_t discard_segments = 0;
    const bool consistent = transport_.read_config_consistent([&] {
        capacity_ = transport_.read_config32(block_config::kCapacityLow) |
                    uint64_t{transport_.read_config32(block_config::kCapacityHigh)} << 32;
        if (size_max) segment_bytes = transport_.read_config32(block_config::kSizeMax);
        if (segment_max) segments = transport_.read_config32(block_config::kSegmentMax);
        if (block_size) preferred = transport_.read_config32(block_config::kBlockSize);
        if (discard) {
            discard_sectors = transport_.read_config32(block_config::kMaxDiscardSectors);
            discard_segments = transport_.read_config32(block_config::kMaxDiscardSegments);
        }
    });
    if (!consistent) {
        queue_.fail(transport_.failure());
        return false;
    }
    // Limits are the device's word: a zero limit would mean no request could ever be valid.
    if ((size_max && segment_bytes == 0) || (segment_max && segments == 0)) {
        fail("device limits (size_max or seg_max) of zero");
        return false;
    }
    if (segment_max && segments < max_segments_) max_segments_ = segments;
    if (size_max && segment_bytes < max_segment_bytes_) max_segment_bytes_ = segment_bytes;
    // blk_size is a performance hint (5.2.5); only a sane one is passed on.
    if (block_size && preferred >= kSectorSize && (preferred & (preferred - 1)) == 0) {
        block_size_ = preferred;
    }
    // One range per request, so discard needs max_discard_seg >= 1 and some sectors.
    if (discard && discard_segments != 0) max_discard_sectors_ = discard_sectors;
    return true;
}

EXO_KEEPS_USED_REGISTERS
BlockRequestSlot* VirtioBlock::slot(uint16_t head) const {
    // reinterpret_cast: the slots region is ours, sized for kQueueLimit slots of this layout.
    return reinterpret_cast<BlockRequestSlot*>(slots_.virt) + head;
}

EXO_KEEPS_USED_REGISTERS
uint64_t VirtioBlock::slot_phys(uint16_t head) const {
    return slots_.phys + uint64_t{head} * sizeof(BlockRequestSlot);
}

EXO_KEEPS_USED_REGISTERS
SubmitResult VirtioBlock::check_data(const BlockRequest& request) const {
    // 5.2.6.1: whole sectors; and no more pieces than the device takes (seg_max).
    if (request.bytes == 0 || request.bytes % kSectorSize != 0 ||
        data_descriptors(request.bytes) > max_segments_ ||
        request.phys + request.bytes < request.phys) {
        return SubmitResult::InvalidRequest;
    }
    const uint64_t sectors = request.bytes / kSectorSize;
    if (request.sector > capacity_ || sectors > capacity_ - request.sector) {
        return SubmitResult::OutOfRange;
    }
    return SubmitResult::Queued;
}

EXO_KEEPS_USED_REGISTERS
SubmitResult VirtioBlock::check(const BlockRequest& request) const {
    switch (request.type) {
    case BlockRequestType::Read:
        return check_data(request);
    case BlockRequestType::Write:
        if (read_only()) return SubmitResult::Unsupported;
        return check_data(request);
    case BlockRequestType::Flush:
        if (!supports_flush()) return SubmitResult::Unsupported;
        return request.bytes == 0 ? SubmitResult::Queued : SubmitResult::InvalidRequest;
    case BlockRequestType::Discard:
        if (!supports_discard() || read_only()) return SubmitResult::Unsupported;
        if (request.bytes != 0 || request.discard_sectors == 0) {
            return SubmitResult::InvalidRequest;
        }
        if (request.discard_sectors > max_discard_sectors_ || request.sector > capacity_ ||
            request.discard_sectors > capacity_ - request.sector) {
            return SubmitResult::OutOfRange;
        }
        return SubmitResult::Queued;
    }
    return SubmitResult::InvalidRequest;
}

EXO_KEEPS_USED_REGISTERS
SubmitResult VirtioBlock::queue(const BlockRequest& request) {
    if (failed()) return SubmitResult::DeviceFailed;
    // Decode, then perform: every check first, so a refused request has changed nothing.
    const SubmitResult verdict = check(request);
    if (verdict != SubmitResult::Queued) return verdict;
    const bool discard = request.type == BlockRequestType::Discard;
    const bool flush = request.type == BlockRequestType::Flush;
    // Data in one descriptor (the usual case: no size_max, or a request within it), the discard
    // range, or nothing (flush): three descriptors or two, the short chain.
    const uint32_t data = discard ? 1 : flush ? 0 : data_descriptors(request.bytes);
    const uint16_t count = static_cast<uint16_t>(data + 2);  // header, data, status
    const uint16_t head = queue_.next_head();
    if (head == Virtqueue::kNoHead || queue_.free_descriptors() < count) return SubmitResult::Busy;

    BlockRequestSlot* request_slot = slot(head);
    const bool with_sector = !discard && !flush;
    request_slot->type = static_cast<uint32_t>(request.type);
    request_slot->reserved = 0;
    request_slot->sector = with_sector ? request.sector : 0;  // 5.2.6: 0 for other types
    if (discard) {
        request_slot->discard_sector = request.sector;
        request_slot->discard_sectors = request.discard_sectors;
        request_slot->discard_flags = 0;  // no unmap hint
    }
    // Volatile: read back after the device wrote it, never from a value the compiler kept.
    *static_cast<volatile uint8_t*>(&request_slot->status) = kStatusNotWritten;

    const uint64_t slot_address = slot_phys(head);
    const ChainBuffer header{slot_address + offsetof(BlockRequestSlot, type), 16, false};
    const ChainBuffer status{slot_address + offsetof(BlockRequestSlot, status), 1, true};
    const bool device_writes = request.type == BlockRequestType::Read;
    uint16_t added;
    if (data <= 1) {
        const ChainBuffer middle =
            discard ? ChainBuffer{slot_address + offsetof(BlockRequestSlot, discard_sector), 16,
                                  false}
            : flush ? ChainBuffer{0, 0, false}
                    : ChainBuffer{request.phys, request.bytes, device_writes};
        added = queue_.stage_short_chain(header, middle, status);
    } else {
        added = stage_pieces(request, header, status);
    }
    if (added != head) {  // cannot happen after the checks above; refuse rather than guess
        fail("virtqueue refused a chain it had room for");
        return SubmitResult::DeviceFailed;
    }
    tags_[head] = request.tag;
    in_flight_++;
    return SubmitResult::Queued;
}

// Data larger than the device's size_max, in pieces of at most that: out of queue()'s way, so
// the usual request does not pay for this array's stack frame.
EXO_KEEPS_USED_REGISTERS [[gnu::noinline]]
uint16_t VirtioBlock::stage_pieces(const BlockRequest& request, ChainBuffer header,
                                   ChainBuffer status) {
    const bool device_writes = request.type == BlockRequestType::Read;
    ChainBuffer chain[kMaxBlockSegments + 2];
    uint16_t used = 0;
    chain[used++] = header;
    for (uint64_t done = 0; done < request.bytes; done += max_segment_bytes_) {
        const uint64_t left = request.bytes - done;
        chain[used++] = {request.phys + done,
                         static_cast<uint32_t>(left < max_segment_bytes_ ? left
                                                                          : max_segment_bytes_),
                         device_writes};
    }
    chain[used++] = status;
    return queue_.stage_chain(chain, used);
}

EXO_KEEPS_USED_REGISTERS
void VirtioBlock::publish() {
    if (queue_.publish() && queue_.should_notify()) transport_.notify(0);
}

EXO_KEEPS_USED_REGISTERS
BlockStatus VirtioBlock::completion_status(uint16_t head) {
    if (failed()) return BlockStatus::DeviceFailed;
    const uint8_t status = *static_cast<volatile uint8_t*>(&slot(head)->status);  // read once
    switch (status) {
    case kStatusOk:
        return BlockStatus::Ok;
    case kStatusIoError:
        return BlockStatus::IoError;
    case kStatusUnsupported:
        return BlockStatus::Unsupported;
    default:
        // Completed without a status, or with one the spec does not define: the device is not
        // following the protocol, so nothing else it says is believed either.
        fail("completion with an undefined status byte");
        return BlockStatus::DeviceFailed;
    }
}

}  // namespace exo::virtio
