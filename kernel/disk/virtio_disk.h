// The disk layer's block queue (block_queue.h) on the virtio-blk driver (drivers/virtio).
#pragma once

#include "disk/block_queue.h"
#include "drivers/virtio/virtio_blk.h"

namespace exo {

class VirtioDisk final : public BlockQueue {
public:
    explicit VirtioDisk(virtio::VirtioRegisters& registers) : block_(registers) {}

    // Sets the device up in `dma` (VirtioBlock::kDmaBytes); false, with failure(), otherwise.
    bool initialize(virtio::DmaRegion dma) { return block_.initialize(dma); }
    const char* failure() const { return block_.failure(); }
    bool legacy() const { return block_.legacy(); }
    // The interrupt: acknowledged before the harvest, so a completion in between raises another.
    void acknowledge_interrupt() { (void)block_.acknowledge_interrupt(); }

    uint64_t capacity() const override { return block_.capacity(); }
    uint32_t depth() const override;
    uint64_t features() const override;
    bool failed() const override { return block_.failed(); }
    abi::Error submit(const DeviceRequest& request) override;
    void publish() override { block_.publish(); }
    void harvest(CompletionSink& sink) override;

private:
    virtio::VirtioBlock block_;
};

}  // namespace exo
