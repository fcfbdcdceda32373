// The net layer's NIC (net_device.h) on the virtio-net driver (drivers/virtio).
#pragma once

#include "drivers/virtio/virtio_net.h"
#include "net/net_device.h"

namespace exo {

class VirtioNic final : public NetDevice {
public:
    explicit VirtioNic(virtio::VirtioRegisters& registers) : net_(registers) {}

    // Sets the device up in `dma` (VirtioNet::kDmaBytes); false, with failure(), otherwise.
    bool initialize(virtio::DmaRegion dma) { return net_.initialize(dma); }
    const char* failure() const { return net_.failure(); }
    bool legacy() const { return net_.legacy(); }
    uint16_t receive_buffers() const { return net_.rx_buffers(); }
    // The interrupt: acknowledged before the harvest, so a frame arriving in between raises
    // another.
    void acknowledge_interrupt() { (void)net_.acknowledge_interrupt(); }

    uint64_t mac() const override { return net_.mac(); }
    bool failed() const override { return net_.failed(); }
    uint32_t transmit_depth() const override { return net_.tx_capacity(); }
    abi::Error transmit(const TxFrame& frame) override;
    void publish() override { net_.publish_transmit(); }
    void harvest(NetSink& sink) override;

private:
    virtio::VirtioNet net_;
};

}  // namespace exo
