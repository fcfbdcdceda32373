// The virtio network driver (virtio 1.2 5.1) over the virtio-mmio transport: one receive queue
// of kernel buffers the device fills, one transmit queue of two-piece frames (a head the driver
// holds in its own memory, a body anywhere). Every used entry is checked before it is believed.
// It owns no policy: whose frame a packet is, and what may be sent, are the net layer's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "drivers/virtio/dma.h"
#include "drivers/virtio/virtio_transport.h"
#include "drivers/virtio/virtqueue.h"

namespace exo::virtio {

// Device feature bits (virtio 1.2 5.1.3) this driver understands. No checksum offload, no
// segmentation offload and no mergeable buffers: each frame is whole in one receive buffer,
// and its checksums are the sender's.
namespace net_feature {
inline constexpr uint64_t kMac = uint64_t{1} << 5;
}  // namespace net_feature

inline constexpr uint32_t kNetConfigMac = 0;  // struct virtio_net_config's mac[6] (5.1.4)
// struct virtio_net_hdr (5.1.6): 10 bytes for a legacy device without mergeable buffers, 12
// (num_buffers included) for a modern one. Sent as zeros: no offload asked for.
inline constexpr uint32_t kNetHeaderLegacy = 10;
inline constexpr uint32_t kNetHeaderModern = 12;
inline constexpr uint32_t kNetMaxFrame = 1514;

enum class [[nodiscard]] NetSubmitResult : uint8_t {
    Queued,        // on the device; its completion comes from harvest_transmitted
    Busy,          // no descriptors free now: nothing was queued
    Invalid,       // a head or body of a size the driver cannot send
    DeviceFailed,  // the device is failed: see failure()
};

class VirtioNet {
public:
    static constexpr uint16_t kQueueLimit = 128;
    static constexpr uint32_t kRxBufferBytes = 2048;  // header + the largest frame, rounded up
    static constexpr uint32_t kTxSlotBytes = 256;     // header + the copied head of a frame
    static constexpr uint32_t kMaxHead = kTxSlotBytes - kNetHeaderModern;
    static constexpr uint64_t kQueueBytes = virtqueue_layout(kQueueLimit, RingLayout::Legacy).bytes;
    // Receive queue, transmit queue (each page aligned, as legacy needs), receive buffers,
    // transmit slots.
    static constexpr uint64_t kDmaBytes = 2 * kQueueBytes + uint64_t{kQueueLimit} * kRxBufferBytes +
                                          uint64_t{kQueueLimit} * kTxSlotBytes;

    explicit VirtioNet(VirtioRegisters& registers) : transport_(registers) {}

    // Probes, negotiates (the device must give its MAC), sets up both queues in `dma` (at least
    // kDmaBytes, physically contiguous, page aligned), fills the receive queue and sets
    // DRIVER_OK. False, with failure() saying why, for anything else than a working NIC.
    bool initialize(DmaRegion dma);

    // The MAC, the first byte on the wire in bits 0..7.
    uint64_t mac() const { return mac_; }
    uint32_t header_bytes() const { return header_bytes_; }

    // Queues one frame: `head_length` bytes from `head` (copied into the driver's slot now, so
    // the device sends exactly these), then `body_length` bytes at physical `body` (0: none).
    NetSubmitResult transmit(const uint8_t* head, uint32_t head_length, uint64_t body,
                             uint32_t body_length, uint64_t tag);
    // Shows every queued frame to the device, one notification for a batch.
    void publish_transmit();

    // Calls on_sent(uint64_t tag, bool ok) for each frame the device is done with; ok is false
    // only when the device failed before (cancel_transmits).
    template <typename OnSent>
    uint32_t harvest_transmitted(OnSent&& on_sent) {
        if (failed()) return 0;
        const uint32_t delivered = tx_.harvest([&](const UsedChain& used) {
            --tx_in_flight_;
            on_sent(tx_tags_[used.head], true);
        });
        if (tx_.failed()) transport_.fail(tx_.failure());
        return delivered;
    }

    // Calls on_frame(const uint8_t* frame, uint32_t length) for each frame received (the
    // virtio header stripped; length 0 to kNetMaxFrame as the device says, checked against the
    // buffer), then gives every buffer back to the device. The bytes are valid during the call.
    template <typename OnFrame>
    uint32_t harvest_received(OnFrame&& on_frame) {
        if (failed()) return 0;
        const uint32_t delivered = rx_.harvest([&](const UsedChain& used) {
            const uint16_t buffer = rx_buffer_of_[used.head];
            if (used.written >= header_bytes_ && used.written - header_bytes_ <= kNetMaxFrame) {
                on_frame(rx_buffer(buffer) + header_bytes_, used.written - header_bytes_);
            } else {
                ++rx_malformed_;
            }
            post_receive(buffer);
        });
        if (rx_.failed()) transport_.fail(rx_.failure());
        if (delivered != 0) publish_receive();
        return delivered;
    }

    // After a failure: resets the device and reports every frame still queued as not sent.
    template <typename OnSent>
    uint32_t cancel_transmits(OnSent&& on_sent) {
        fail("transmits cancelled");
        (void)transport_.reset();
        tx_.fail("transmits cancelled");
        return tx_.release_all([&](uint16_t head) {
            --tx_in_flight_;
            on_sent(tx_tags_[head], false);
        });
    }

    // Reads and acknowledges the interrupt bits (acknowledge, then harvest).
    uint32_t acknowledge_interrupt() { return transport_.acknowledge_interrupts(); }

    bool failed() const { return transport_.failed() || rx_.failed() || tx_.failed(); }
    const char* failure() const;
    bool legacy() const { return transport_.legacy(); }
    uint32_t tx_in_flight() const { return tx_in_flight_; }
    uint16_t tx_capacity() const { return static_cast<uint16_t>(tx_.size() / 2); }
    uint16_t rx_buffers() const { return rx_.size(); }
    // Receive buffers the device returned with a length no frame can have.
    uint64_t rx_malformed() const { return rx_malformed_; }

private:
    static constexpr uint16_t kReceiveQueue = 0;
    static constexpr uint16_t kTransmitQueue = 1;

    void fail(const char* reason);
    bool read_mac();
    bool setup(Virtqueue& queue, uint16_t index, std::byte* virt, uint64_t phys);
    // Where the device starts writing in a receive buffer: far enough in that the frame after
    // the header starts on an 8-byte boundary, so the kernel copies it out a word at a time.
    uint32_t rx_pad() const { return (8 - header_bytes_ % 8) % 8; }
    std::byte* rx_buffer_virt(uint16_t buffer) const;
    const uint8_t* rx_buffer(uint16_t buffer) const {
        return reinterpret_cast<const uint8_t*>(rx_buffer_virt(buffer)) + rx_pad();
    }
    void post_receive(uint16_t buffer);
    void publish_receive();

    VirtioTransport transport_;
    Virtqueue rx_;
    Virtqueue tx_;
    DmaRegion dma_{};
    uint64_t rx_buffers_phys_ = 0;
    uint64_t tx_slots_phys_ = 0;
    uint64_t mac_ = 0;
    uint32_t header_bytes_ = kNetHeaderLegacy;
    uint32_t tx_in_flight_ = 0;
    uint64_t rx_malformed_ = 0;
    // Private, so the device cannot change them: which buffer a receive head holds, and each
    // transmit head's tag.
    uint16_t rx_buffer_of_[kQueueLimit]{};
    uint64_t tx_tags_[kQueueLimit]{};
};

}  // namespace exo::virtio
