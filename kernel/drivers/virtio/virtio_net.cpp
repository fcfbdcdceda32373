// virtio-net: initialization, the receive buffers, and two-piece transmit chains.
#include "drivers/virtio/virtio_net.h"

namespace exo::virtio {

namespace {
constexpr uint32_t kPage = 4096;
}  // namespace

const char* VirtioNet::failure() const {
    if (transport_.failure() != nullptr) return transport_.failure();
    if (rx_.failed()) return rx_.failure();
    return tx_.failure();
}

void VirtioNet::fail(const char* reason) {
    transport_.fail(reason);
    rx_.fail(reason);
    tx_.fail(reason);
}

bool VirtioNet::initialize(DmaRegion dma) {
    if (!transport_.probe()) return false;
    if (transport_.device_id() != kDeviceIdNetwork) {
        transport_.fail(transport_.device_id() == kDeviceIdNone ? "empty virtio slot"
                                                                : "not a network device");
        return false;
    }
    if (dma.virt == nullptr || dma.size < kDmaBytes || dma.phys % kPage != 0) {
        fail("DMA region too small or not page aligned");
        return false;
    }
    // Without a MAC of its own the NIC would need one made up here; QEMU and real virtio NICs
    // give one, so a device without it is refused.
    if (!transport_.begin() || !transport_.negotiate(net_feature::kMac, net_feature::kMac)) {
        return false;
    }
    header_bytes_ = transport_.legacy() ? kNetHeaderLegacy : kNetHeaderModern;
    if (!read_mac()) return false;
    dma_ = dma;
    rx_buffers_phys_ = dma.phys + 2 * kQueueBytes;
    tx_slots_phys_ = rx_buffers_phys_ + uint64_t{kQueueLimit} * kRxBufferBytes;
    if (!setup(rx_, kReceiveQueue, dma.virt, dma.phys) ||
        !setup(tx_, kTransmitQueue, dma.virt + kQueueBytes, dma.phys + kQueueBytes)) {
        return false;
    }
    // 5.1.6.3: the receive queue is filled before DRIVER_OK, so no early frame finds it empty.
    for (uint16_t buffer = 0; buffer < rx_.size(); ++buffer) post_receive(buffer);
    (void)rx_.publish();
    transport_.driver_ok();
    if (!failed()) transport_.notify(kReceiveQueue);
    return !failed();
}

bool VirtioNet::read_mac() {
    uint32_t low = 0, high = 0;
    if (!transport_.read_config_consistent([&] {
            low = transport_.read_config32(kNetConfigMac);
            high = transport_.read_config32(kNetConfigMac + 4);
        })) {
        fail(transport_.failure());
        return false;
    }
    mac_ = low | uint64_t{high & 0xffff} << 32;
    // A multicast MAC (the low bit of its first byte) is no station's address: it would make
    // every frame we send look like a broadcast.
    if (mac_ == 0 || (mac_ & 1) != 0) {
        fail("the device's MAC is zero or multicast");
        return false;
    }
    return true;
}

bool VirtioNet::setup(Virtqueue& queue, uint16_t index, std::byte* virt, uint64_t phys) {
    const uint16_t size =
        VirtioTransport::choose_queue_size(transport_.queue_size_max(index), kQueueLimit);
    if (size < 2) {
        fail("queue not available (QueueNumMax below 2)");
        return false;
    }
    if (!queue.initialize({virt, phys, kQueueBytes}, size, transport_.ring_layout())) {
        fail(queue.failure());
        return false;
    }
    if (!transport_.setup_queue(index, size, queue.addresses())) {
        queue.fail(transport_.failure());
        return false;
    }
    return true;
}

std::byte* VirtioNet::rx_buffer_virt(uint16_t buffer) const {
    return dma_.virt + 2 * kQueueBytes + uint64_t{buffer} * kRxBufferBytes;
}

void VirtioNet::post_receive(uint16_t buffer) {
    const ChainBuffer chain{rx_buffers_phys_ + uint64_t{buffer} * kRxBufferBytes + rx_pad(),
                            kRxBufferBytes - rx_pad(), true};
    const uint16_t head = rx_.stage_chain(&chain, 1);
    // One buffer per descriptor and as many buffers as descriptors: a head is always free here.
    if (head == Virtqueue::kNoHead) {
        fail("receive queue refused a buffer it had room for");
        return;
    }
    rx_buffer_of_[head] = buffer;
}

void VirtioNet::publish_receive() {
    if (rx_.publish() && rx_.should_notify()) transport_.notify(kReceiveQueue);
}

NetSubmitResult VirtioNet::transmit(const uint8_t* head, uint32_t head_length, uint64_t body,
                                    uint32_t body_length, uint64_t tag) {
    if (failed()) return NetSubmitResult::DeviceFailed;
    if (head_length == 0 || head_length > kMaxHead || head_length + body_length > kNetMaxFrame ||
        body + body_length < body) {
        return NetSubmitResult::Invalid;
    }
    const uint16_t count = body_length != 0 ? 2 : 1;
    const uint16_t slot = tx_.next_head();
    if (slot == Virtqueue::kNoHead || tx_.free_descriptors() < count) return NetSubmitResult::Busy;
    // The slot of the head descriptor: the header (zeros: no offload) and the copied head.
    auto* bytes = reinterpret_cast<uint8_t*>(dma_.virt + 2 * kQueueBytes +
                                             uint64_t{kQueueLimit} * kRxBufferBytes +
                                             uint64_t{slot} * kTxSlotBytes);
    __builtin_memset(bytes, 0, header_bytes_);
    __builtin_memcpy(bytes + header_bytes_, head, head_length);
    const ChainBuffer chain[2] = {
        {tx_slots_phys_ + uint64_t{slot} * kTxSlotBytes, header_bytes_ + head_length, false},
        {body, body_length, false}};
    if (tx_.stage_chain(chain, count) != slot) {
        fail("transmit queue refused a chain it had room for");
        return NetSubmitResult::DeviceFailed;
    }
    tx_tags_[slot] = tag;
    ++tx_in_flight_;
    return NetSubmitResult::Queued;
}

void VirtioNet::publish_transmit() {
    if (tx_.publish() && tx_.should_notify()) transport_.notify(kTransmitQueue);
}

}  // namespace exo::virtio
