// The split virtqueue's driver side, with the test as the device on the ring memory: layouts,
// chains out and back, the free list, index wrap, and (VirtqueueHostile) a device that lies in
// the used ring. Each test runs over the legacy and the modern layout.
#include <cstdint>
#include <cstring>
#include <vector>

#include "drivers/virtio/virtqueue.h"
#include "fake_virtio_device.h"

#include <CppUTest/TestHarness.h>

using namespace exo::virtio;
using exo::virtio::test::DmaBuffer;
using exo::virtio::test::FakeDma;
using exo::virtio::test::FakeRing;

namespace {

constexpr uint16_t kSize = 8;
constexpr RingLayout kLayouts[] = {RingLayout::Legacy, RingLayout::Modern};

// A queue of kSize descriptors in its own memory, and the device's view of it.
struct QueueRig {
    explicit QueueRig(RingLayout layout) : memory(virtqueue_layout(kSize, layout).bytes) {
        dma.allow(memory);
        CHECK(queue.initialize(memory.region(), kSize, layout));
        ring.attach(kSize, queue.addresses());
    }
    // A chain of `readable` device-readable buffers then `writable` device-writable ones, each
    // `length` bytes at made-up addresses (the device side here never touches the data).
    uint16_t add(uint16_t readable, uint16_t writable, uint32_t length = 512) {
        std::vector<ChainBuffer> buffers;
        for (uint16_t i = 0; i < readable + writable; ++i) {
            buffers.push_back({0x9000'0000ull + 0x1000ull * i, length, i >= readable});
        }
        return queue.add_chain(buffers.data(), static_cast<uint16_t>(buffers.size()));
    }
    std::vector<UsedChain> harvest() {
        std::vector<UsedChain> out;
        queue.harvest([&](const UsedChain& used) { out.push_back(used); });
        return out;
    }

    DmaBuffer memory;
    FakeDma dma;
    FakeRing ring{dma};
    Virtqueue queue;
};

bool mentions(const char* text, const char* word) {
    return text != nullptr && std::strstr(text, word) != nullptr;
}

}  // namespace

TEST_GROUP(Virtqueue){};

TEST(Virtqueue, LegacyLayoutPutsTheUsedRingOnThePageAfterTheAvailableRing) {
    const VirtqueueLayout big = virtqueue_layout(256, RingLayout::Legacy);
    UNSIGNED_LONGLONGS_EQUAL(4096, big.available);
    UNSIGNED_LONGLONGS_EQUAL(8192, big.used);  // 4096 + 4 + 512 + 2 rounds up to 8192
    UNSIGNED_LONGLONGS_EQUAL(12288, big.bytes);
    UNSIGNED_LONGLONGS_EQUAL(4096, big.alignment);
    const VirtqueueLayout small = virtqueue_layout(8, RingLayout::Legacy);
    UNSIGNED_LONGLONGS_EQUAL(128, small.available);
    UNSIGNED_LONGLONGS_EQUAL(4096, small.used);
    UNSIGNED_LONGLONGS_EQUAL(8192, small.bytes);
}

TEST(Virtqueue, ModernLayoutPacksThePartsAtTheirOwnAlignment) {
    const VirtqueueLayout big = virtqueue_layout(256, RingLayout::Modern);
    UNSIGNED_LONGLONGS_EQUAL(4096, big.available);
    UNSIGNED_LONGLONGS_EQUAL(4616, big.used);  // 4096 + 518, rounded to 4
    UNSIGNED_LONGLONGS_EQUAL(4616 + 2054, big.bytes);
    UNSIGNED_LONGLONGS_EQUAL(16, big.alignment);
}

TEST(Virtqueue, InitializeRefusesBadSizesAndMemory) {
    for (RingLayout layout : kLayouts) {
        DmaBuffer memory(virtqueue_layout(Virtqueue::kMaxSize, layout).bytes + 4096);
        Virtqueue queue;
        CHECK(queue.failed());  // nothing works before initialize
        CHECK_FALSE(queue.initialize(memory.region(), 0, layout));
        CHECK_FALSE(queue.initialize(memory.region(), 12, layout));
        CHECK_FALSE(queue.initialize(memory.region(), 512, layout));
        DmaRegion small = memory.region();
        small.size = virtqueue_layout(64, layout).bytes - 1;
        CHECK_FALSE(queue.initialize(small, 64, layout));
        DmaRegion crooked = memory.region();
        crooked.virt += 8;
        crooked.phys += 8;
        CHECK_FALSE(queue.initialize(crooked, 8, layout));
        CHECK(queue.failed());
        CHECK(queue.initialize(memory.region(), Virtqueue::kMaxSize, layout));
        CHECK_FALSE(queue.failed());
        UNSIGNED_LONGS_EQUAL(Virtqueue::kMaxSize, queue.free_descriptors());
    }
}

TEST(Virtqueue, AChainGoesOutAsOfferedAndComesBackFree) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        const uint16_t predicted = rig.queue.next_head();
        const uint16_t head = rig.add(2, 1, 300);
        UNSIGNED_LONGS_EQUAL(predicted, head);
        UNSIGNED_LONGS_EQUAL(kSize - 3, rig.queue.free_descriptors());
        UNSIGNED_LONGS_EQUAL(1, rig.queue.outstanding());
        CHECK(rig.queue.should_notify());

        FakeRing::Chain chain;
        CHECK(rig.ring.pop(chain));
        UNSIGNED_LONGS_EQUAL(head, chain.head);
        UNSIGNED_LONGS_EQUAL(3, chain.buffers.size());
        for (size_t i = 0; i < 3; ++i) {
            UNSIGNED_LONGLONGS_EQUAL(0x9000'0000ull + 0x1000ull * i, chain.buffers[i].phys);
            UNSIGNED_LONGS_EQUAL(300, chain.buffers[i].length);
            CHECK_EQUAL(i == 2, chain.buffers[i].writable);
        }
        CHECK_FALSE(rig.ring.pop(chain));

        rig.ring.push_used(head, 300);
        const std::vector<UsedChain> used = rig.harvest();
        UNSIGNED_LONGS_EQUAL(1, used.size());
        UNSIGNED_LONGS_EQUAL(head, used[0].head);
        UNSIGNED_LONGS_EQUAL(300, used[0].written);
        UNSIGNED_LONGS_EQUAL(kSize, rig.queue.free_descriptors());
        UNSIGNED_LONGS_EQUAL(0, rig.queue.outstanding());
        UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
        UNSIGNED_LONGS_EQUAL(0, rig.dma.violations.size());
    }
}

TEST(Virtqueue, AFullQueueRefusesAndChangesNothing) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        for (int i = 0; i < kSize / 2; ++i)
            CHECK(rig.add(1, 1) != Virtqueue::kNoHead);
        UNSIGNED_LONGS_EQUAL(0, rig.queue.free_descriptors());
        UNSIGNED_LONGS_EQUAL(Virtqueue::kNoHead, rig.queue.next_head());
        UNSIGNED_LONGS_EQUAL(Virtqueue::kNoHead, rig.add(1, 0));
        UNSIGNED_LONGS_EQUAL(kSize / 2, rig.queue.outstanding());
        UNSIGNED_LONGS_EQUAL(kSize / 2, rig.ring.driver_available_index());
        UNSIGNED_LONGS_EQUAL(Virtqueue::kNoHead, rig.queue.add_chain(nullptr, 0));
    }
}

TEST(Virtqueue, CompletionsInAnyOrderFreeTheRightChains) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        const uint16_t first = rig.add(1, 1);
        const uint16_t second = rig.add(2, 1);
        const uint16_t third = rig.add(1, 1);
        UNSIGNED_LONGS_EQUAL(1, rig.queue.free_descriptors());
        rig.ring.push_used(second, 1);
        rig.ring.push_used(third, 512);
        std::vector<UsedChain> used = rig.harvest();
        UNSIGNED_LONGS_EQUAL(2, used.size());
        UNSIGNED_LONGS_EQUAL(second, used[0].head);
        UNSIGNED_LONGS_EQUAL(third, used[1].head);
        UNSIGNED_LONGS_EQUAL(6, rig.queue.free_descriptors());
        // The freed descriptors make a chain as long as all of them together.
        const uint16_t long_chain = rig.add(3, 3);
        CHECK(long_chain != Virtqueue::kNoHead);
        rig.ring.push_used(first, 0);
        rig.ring.push_used(long_chain, 3 * 512);
        used = rig.harvest();
        UNSIGNED_LONGS_EQUAL(2, used.size());
        UNSIGNED_LONGS_EQUAL(kSize, rig.queue.free_descriptors());
        CHECK_FALSE(rig.queue.failed());
    }
}

TEST(Virtqueue, IndicesWrapPastSixteenBits) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        FakeRing::Chain chain;
        for (uint32_t round = 0; round < 70000; ++round) {
            const uint16_t head = rig.add(1, 1);
            CHECK(rig.ring.pop(chain));
            CHECK(chain.head == head);
            rig.ring.push_used(head, 512);
            uint32_t delivered = rig.queue.harvest([](const UsedChain&) {});
            CHECK(delivered == 1);
        }
        CHECK_FALSE(rig.queue.failed());
        UNSIGNED_LONGS_EQUAL(kSize, rig.queue.free_descriptors());
    }
}

TEST(Virtqueue, TheDevicesNoNotifyHintIsRespected) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        CHECK(rig.queue.should_notify());
        rig.ring.set_used_flags(kUsedFlagNoNotify);
        CHECK_FALSE(rig.queue.should_notify());
        rig.ring.set_used_flags(0);
        CHECK(rig.queue.should_notify());
    }
}

TEST(Virtqueue, ScribbledDescriptorsDoNotSteerTheFreeList) {
    for (RingLayout layout : kLayouts) {
        QueueRig rig(layout);
        const uint16_t first = rig.add(2, 1);
        const uint16_t second = rig.add(2, 1);
        // The device rewrites the whole descriptor table: links into each other, loops, flags.
        std::memset(rig.memory.data() + virtqueue_layout(kSize, layout).descriptors, 0x5a,
                    16 * kSize);
        rig.ring.push_used(first, 1);
        rig.ring.push_used(second, 1);
        UNSIGNED_LONGS_EQUAL(2, rig.harvest().size());
        UNSIGNED_LONGS_EQUAL(kSize, rig.queue.free_descriptors());
        // Every descriptor is usable again, once each: one chain of all of them.
        CHECK(rig.add(4, 4) != Virtqueue::kNoHead);
        UNSIGNED_LONGS_EQUAL(0, rig.queue.free_descriptors());
    }
}

TEST_GROUP(VirtqueueHostile){};

namespace {

// Runs `lie` against a queue with three outstanding chains (heads returned in `heads`), then
// checks the queue failed with `reason` in its message and delivered at most `allowed`.
template <typename Lie>
void expect_failure(RingLayout layout, Lie&& lie, const char* reason, size_t allowed = 0) {
    QueueRig rig(layout);
    const uint16_t heads[3] = {rig.add(1, 1, 512), rig.add(2, 1, 16), rig.add(1, 0, 64)};
    lie(rig, heads);
    const std::vector<UsedChain> used = rig.harvest();
    CHECK(used.size() <= allowed);
    CHECK_TEXT(rig.queue.failed(), reason);
    CHECK_TEXT(mentions(rig.queue.failure(), reason), rig.queue.failure());
    // Sticky: nothing more goes out or comes back, even honest entries.
    UNSIGNED_LONGS_EQUAL(Virtqueue::kNoHead, rig.add(1, 0));
    rig.ring.push_used(heads[2], 0);
    UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
    CHECK_FALSE(rig.queue.should_notify());
    // What is still outstanding can be released (after the device's reset), each chain once.
    uint32_t released = rig.queue.release_all([](uint16_t) {});
    UNSIGNED_LONGS_EQUAL(3 - used.size(), released);
    UNSIGNED_LONGS_EQUAL(kSize, rig.queue.free_descriptors());
    UNSIGNED_LONGS_EQUAL(0, rig.dma.violations.size());
}

}  // namespace

TEST(VirtqueueHostile, UsedIdOutsideTheQueue) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t*) { rig.ring.push_used(kSize, 0); },
            "outside");
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t*) { rig.ring.push_used(0xffffffffu, 0); },
            "outside");
    }
}

TEST(VirtqueueHostile, UsedIdNeverSubmitted) {
    for (RingLayout layout : kLayouts) {
        // Three chains of 2, 3 and 1 descriptors use 6 of 8: descriptor 7 was never handed out.
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t*) { rig.ring.push_used(7, 0); },
            "outstanding");
    }
}

TEST(VirtqueueHostile, UsedIdCompletedTwice) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout,
            [](QueueRig& rig, const uint16_t* heads) {
                rig.ring.push_used(heads[0], 1);
                rig.ring.push_used(heads[0], 1);
            },
            "outstanding", 1);
    }
}

TEST(VirtqueueHostile, UsedIdInTheMiddleOfAChain) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout,
            [](QueueRig& rig, const uint16_t* heads) {
                rig.ring.push_used(static_cast<uint16_t>(heads[1] + 1), 0);
            },
            "outstanding");
    }
}

TEST(VirtqueueHostile, UsedIndexJumpsPastTheOutstandingChains) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t*) { rig.ring.set_used_index(4); }, "index");
        // Backwards is the same as 65535 ahead.
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t*) { rig.ring.set_used_index(0xffff); },
            "index");
    }
}

TEST(VirtqueueHostile, WrittenLengthLargerThanOffered) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t* heads) { rig.ring.push_used(heads[0], 513); },
            "more bytes");
        // A chain with nothing device-writable can report nothing written.
        expect_failure(
            layout, [](QueueRig& rig, const uint16_t* heads) { rig.ring.push_used(heads[2], 1); },
            "more bytes");
    }
}

TEST(VirtqueueHostile, EntriesBeforeTheLieAreStillDelivered) {
    for (RingLayout layout : kLayouts) {
        expect_failure(
            layout,
            [](QueueRig& rig, const uint16_t* heads) {
                rig.ring.push_used(heads[1], 16);
                rig.ring.push_used(heads[0], 0xffffffffu);
            },
            "more bytes", 1);
    }
}
