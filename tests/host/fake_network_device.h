// A virtio-net device for the host tests, on FakeVirtioDevice: frames "from the wire" written
// into the receive buffers the driver offered, transmit chains read back as the frames the
// device would send. Its lies are public knobs, as FakeBlockDevice's are.
#pragma once

#include <cstdint>
#include <vector>

#include "drivers/virtio/virtio_net.h"
#include "fake_virtio_device.h"

namespace exo::virtio::test {

class FakeNetworkDevice {
public:
    FakeNetworkDevice(Transport transport, uint64_t mac,
                      uint64_t features = net_feature::kMac);

    uint32_t header_bytes() const;
    // A frame arrives: written, after a zero header, into the next receive buffer the driver
    // made available, and announced. False when the driver offered none (the frame is lost).
    // `claimed` >= 0: the used entry says that many bytes were written instead (a lie).
    bool arrive(const std::vector<uint8_t>& frame, int64_t claimed = -1);
    // Takes every transmit chain, records its frame (without the header) and completes it.
    uint32_t serve_transmits();

    FakeVirtioDevice device;
    bool complete_on_notify = true;
    std::vector<std::vector<uint8_t>> sent;
    std::vector<std::string>& errors() { return device.protocol_errors; }
};

}  // namespace exo::virtio::test
