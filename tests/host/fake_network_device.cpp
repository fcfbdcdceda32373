// FakeNetworkDevice (fake_network_device.h).
#include "fake_network_device.h"

namespace exo::virtio::test {

namespace {
constexpr uint32_t kReceiveQueue = 0;
constexpr uint32_t kTransmitQueue = 1;
}  // namespace

FakeNetworkDevice::FakeNetworkDevice(Transport transport, uint64_t mac, uint64_t features)
    : device(transport, kDeviceIdNetwork, features) {
    device.queue_count = 2;
    device.set_config32(0, static_cast<uint32_t>(mac));
    device.set_config32(4, static_cast<uint32_t>(mac >> 32) & 0xffff);
    device.on_notify_queue = [this](uint32_t queue) {
        if (queue == kTransmitQueue && complete_on_notify) serve_transmits();
    };
}

uint32_t FakeNetworkDevice::header_bytes() const {
    return device.transport == Transport::Legacy ? kNetHeaderLegacy : kNetHeaderModern;
}

bool FakeNetworkDevice::arrive(const std::vector<uint8_t>& frame, int64_t claimed) {
    FakeRing::Chain chain;
    if (!device.rings[kReceiveQueue].pop(chain)) return false;
    const FakeRing::Buffer& buffer = chain.buffers.front();
    if (chain.buffers.size() != 1 || !buffer.writable) {
        device.protocol_errors.push_back("receive buffer of the wrong shape");
        return false;
    }
    std::vector<uint8_t> bytes(header_bytes(), 0);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
    if (bytes.size() > buffer.length) {
        device.protocol_errors.push_back("receive buffer too small for a frame");
        return false;
    }
    device.dma.write(buffer.phys, bytes.data(), bytes.size());
    const uint32_t written = claimed >= 0 ? static_cast<uint32_t>(claimed)
                                          : static_cast<uint32_t>(bytes.size());
    device.rings[kReceiveQueue].push_used(chain.head, written);
    device.raise(interrupt::kUsedBuffer);
    return true;
}

uint32_t FakeNetworkDevice::serve_transmits() {
    uint32_t served = 0;
    FakeRing::Chain chain;
    while (device.rings[kTransmitQueue].pop(chain)) {
        std::vector<uint8_t> bytes;
        for (const FakeRing::Buffer& buffer : chain.buffers) {
            if (buffer.writable) device.protocol_errors.push_back("writable transmit buffer");
            const size_t at = bytes.size();
            bytes.resize(at + buffer.length);
            device.dma.read(buffer.phys, bytes.data() + at, buffer.length);
        }
        if (bytes.size() < header_bytes()) {
            device.protocol_errors.push_back("transmit shorter than its header");
        } else {
            for (uint32_t i = 0; i < header_bytes(); ++i) {
                if (bytes[i] != 0) device.protocol_errors.push_back("offload asked for");
            }
            sent.emplace_back(bytes.begin() + header_bytes(), bytes.end());
        }
        device.rings[kTransmitQueue].push_used(chain.head, 0);
        ++served;
    }
    if (served != 0) device.raise(interrupt::kUsedBuffer);
    return served;
}

}  // namespace exo::virtio::test
