// VirtioDisk (virtio_disk.h): the disk layer's requests as virtio-blk requests.
#include "disk/virtio_disk.h"
#include "register_hygiene.h"

namespace exo {

namespace {

abi::Error status_of(virtio::BlockStatus status) {
    switch (status) {
    case virtio::BlockStatus::Ok: return abi::Error::Ok;
    case virtio::BlockStatus::Unsupported: return abi::Error::InvalidArgument;
    case virtio::BlockStatus::IoError:
    case virtio::BlockStatus::DeviceFailed: break;
    }
    return abi::Error::IoError;
}

}  // namespace

// Requests of a page, the disk layer's usual kind (larger ones take more descriptors only when
// the device has a size_max below them).
uint32_t VirtioDisk::depth() const {
    return block_.max_in_flight(virtio::kPageSize);
}

uint64_t VirtioDisk::features() const {
    return (block_.supports_flush() ? abi::disk_feature::kFlush : 0) |
           (block_.supports_discard() ? abi::disk_feature::kDiscard : 0);
}

EXO_KEEPS_USED_REGISTERS
abi::Error VirtioDisk::submit(const DeviceRequest& request) {
    virtio::BlockRequest block;
    block.sector = request.sector;
    block.tag = request.id;
    block.bytes = 0;
    switch (request.op) {
    case abi::DiskOp::Read:
    case abi::DiskOp::Write:
        block.type = request.op == abi::DiskOp::Read ? virtio::BlockRequestType::Read
                                                     : virtio::BlockRequestType::Write;
        block.phys = request.physical;
        block.bytes = request.sectors * virtio::kSectorSize;
        break;
    case abi::DiskOp::Flush: block.type = virtio::BlockRequestType::Flush; break;
    case abi::DiskOp::Discard:
        block.type = virtio::BlockRequestType::Discard;
        block.discard_sectors = request.sectors;
        break;
    }
    switch (block_.queue(block)) {
    case virtio::SubmitResult::Queued:
        return abi::Error::Ok;
    case virtio::SubmitResult::Busy:
        return abi::Error::Busy;
    case virtio::SubmitResult::OutOfRange:
        return abi::Error::OutOfRange;
    case virtio::SubmitResult::InvalidRequest:
    case virtio::SubmitResult::Unsupported: return abi::Error::InvalidArgument;
    case virtio::SubmitResult::DeviceFailed: break;
    }
    return abi::Error::IoError;
}

EXO_KEEPS_USED_REGISTERS
void VirtioDisk::harvest(CompletionSink& sink) {
    auto deliver = [&](uint64_t tag, virtio::BlockStatus status) {
        sink.complete(static_cast<uint32_t>(tag), status_of(status));
    };
    (void)block_.harvest(deliver);
    // A device that broke a rule is reset; whatever it still held fails, so no one waits.
    if (block_.failed() && block_.in_flight() != 0) (void)block_.cancel_all(deliver);
}

}  // namespace exo
