// VirtioNic (virtio_nic.h): the net layer's frames as virtio-net chains.
#include "net/virtio_nic.h"

namespace exo {

abi::Error VirtioNic::transmit(const TxFrame& frame) {
    switch (net_.transmit(frame.head, frame.head_length, frame.body_physical, frame.body_length,
                          frame.id)) {
    case virtio::NetSubmitResult::Queued: return abi::Error::Ok;
    case virtio::NetSubmitResult::Busy: return abi::Error::Busy;
    case virtio::NetSubmitResult::Invalid: return abi::Error::InvalidArgument;
    case virtio::NetSubmitResult::DeviceFailed: break;
    }
    return abi::Error::IoError;
}

void VirtioNic::harvest(NetSink& sink) {
    auto sent = [&](uint64_t tag, bool ok) {
        sink.transmitted(static_cast<uint32_t>(tag), ok ? abi::Error::Ok : abi::Error::IoError);
    };
    (void)net_.harvest_transmitted(sent);
    (void)net_.harvest_received(
        [&](const uint8_t* frame, uint32_t length) { sink.received(frame, length); });
    // A device that broke a rule is reset; what it still held fails, so no sender waits.
    if (net_.failed() && net_.tx_in_flight() != 0) (void)net_.cancel_transmits(sent);
}

}  // namespace exo
