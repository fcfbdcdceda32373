// Shared by the virtio-blk suites: a VirtioBlock over a FakeBlockDevice, its DMA region and a
// few pages of data buffers, with the completions it reported collected as (tag, status).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "drivers/virtio/virtio_blk.h"
#include "fake_virtio_device.h"

namespace exo::virtio::test {

inline constexpr uint64_t kRigSectors = 64;
inline constexpr uint64_t kAllBlockFeatures = block_feature::kSizeMax | block_feature::kSegmentMax |
                                              block_feature::kBlockSize | block_feature::kFlush |
                                              block_feature::kDiscard;

struct Completion {
    uint64_t tag;
    BlockStatus status;
};

struct BlockRig {
    explicit BlockRig(Transport kind, uint64_t features = kAllBlockFeatures,
                      uint64_t sectors = kRigSectors)
        : fake(kind, sectors, features), dma(VirtioBlock::kDmaBytes), data(8 * kPageSize) {
        fake.device.dma.allow(dma);
        fake.device.dma.allow(data);
    }

    bool initialize() { return driver.initialize(dma.region()); }

    // A request of `sectors` sectors at data page `page` (on through the next pages).
    BlockRequest request(BlockRequestType type, uint64_t sector, uint32_t sectors, uint64_t tag,
                         uint32_t page = 0) {
        BlockRequest made{};
        made.type = type;
        made.sector = sector;
        made.tag = tag;
        if (sectors != 0) {
            made.phys = data.phys(page * kPageSize);
            made.bytes = sectors * kSectorSize;
        }
        return made;
    }

    uint32_t harvest() {
        return driver.harvest([&](uint64_t tag, BlockStatus status) {
            completions.push_back({tag, status});
        });
    }
    uint32_t cancel_all() {
        return driver.cancel_all([&](uint64_t tag, BlockStatus status) {
            completions.push_back({tag, status});
        });
    }
    // Takes the next available chain off the ring, as the device, and keeps it; its head.
    uint16_t pop_head() {
        FakeRing::Chain chain;
        if (!fake.device.ring.pop(chain)) return 0xffff;
        popped.push_back(chain);
        return chain.head;
    }
    // Completes a popped chain by hand: status byte, then a used entry claiming `written`.
    void complete(size_t popped_index, uint8_t status, uint32_t written) {
        const FakeRing::Chain& chain = popped.at(popped_index);
        fake.device.dma.write(chain.buffers.back().phys, &status, 1);
        fake.device.ring.push_used(chain.head, written);
    }
    std::byte* page(uint32_t index) { return data.data() + index * kPageSize; }
    bool clean() { return fake.errors().empty() && fake.device.dma.violations.empty(); }

    FakeBlockDevice fake;
    DmaBuffer dma;
    DmaBuffer data;
    VirtioBlock driver{fake.device};
    std::vector<Completion> completions;
    std::vector<FakeRing::Chain> popped;
};

inline bool mentions(const char* text, const char* word) {
    return text != nullptr && std::strstr(text, word) != nullptr;
}

}  // namespace exo::virtio::test
