// virtio-blk against a device that lies or refuses, legacy and modern in every test: each lie
// ends with the driver failed (with a reason), every outstanding request reported exactly once
// through cancel_all, and no access outside the buffers it was given.
#include <cstdint>
#include <vector>

#include "virtio_block_rig.h"

#include <CppUTest/TestHarness.h>

using namespace exo::virtio;
using namespace exo::virtio::test;

TEST_GROUP(VirtioBlockHostile){};

namespace {

// Three reads in flight (tags 1..3) on a device that completes nothing by itself; `lie` plays
// the device. Afterwards the driver must be failed with `reason`, and harvest plus cancel_all
// must have reported each tag exactly once.
template <typename Lie>
void expect_lie_caught(Transport kind, Lie&& lie, const char* reason) {
    BlockRig rig(kind);
    rig.fake.complete_on_notify = false;
    CHECK(rig.initialize());
    uint16_t heads[3];
    for (uint64_t tag = 1; tag <= 3; ++tag) {
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, tag, 1, tag)) ==
              SubmitResult::Queued);
        heads[tag - 1] = rig.pop_head();
    }
    lie(rig, heads);
    rig.harvest();
    CHECK_TEXT(rig.driver.failed(), to_string(kind));
    CHECK_TEXT(mentions(rig.driver.failure(), reason), rig.driver.failure());
    CHECK(rig.fake.device.status & status::kFailed);
    CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 9)) ==
          SubmitResult::DeviceFailed);
    UNSIGNED_LONGS_EQUAL(0, rig.harvest());
    rig.cancel_all();
    UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
    std::vector<int> reported(4, 0);
    for (const Completion& completion : rig.completions) {
        CHECK(completion.tag >= 1 && completion.tag <= 3);
        reported[completion.tag]++;
    }
    for (int tag = 1; tag <= 3; ++tag)
        UNSIGNED_LONGS_EQUAL(1, reported[tag]);
    CHECK(rig.fake.device.dma.violations.empty());
}

}  // namespace

TEST(VirtioBlockHostile, UsedIdOutOfRange) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind, [](BlockRig& rig, const uint16_t*) { rig.fake.device.ring.push_used(4096, 1); },
            "outside");
    }
}

TEST(VirtioBlockHostile, UsedIdNeverSubmitted) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind, [](BlockRig& rig, const uint16_t*) { rig.fake.device.ring.push_used(100, 1); },
            "outstanding");
    }
}

TEST(VirtioBlockHostile, UsedIdCompletedTwice) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind,
            [](BlockRig& rig, const uint16_t* heads) {
                rig.complete(1, 0, 513);
                rig.fake.device.ring.push_used(heads[1], 1);
            },
            "outstanding");
    }
}

TEST(VirtioBlockHostile, UsedIndexJumpsAhead) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind, [](BlockRig& rig, const uint16_t*) { rig.fake.device.ring.set_used_index(40); },
            "index");
    }
}

TEST(VirtioBlockHostile, WrittenLengthLargerThanOffered) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind,
            [](BlockRig& rig, const uint16_t* heads) {
                rig.fake.device.ring.push_used(heads[0], 512 + 2);  // offered: 512 + status byte
            },
            "more bytes");
    }
}

TEST(VirtioBlockHostile, UndefinedStatusByte) {
    for (Transport kind : kBothTransports) {
        expect_lie_caught(
            kind,
            [](BlockRig& rig, const uint16_t*) {
                rig.complete(0, 0, 513);
                rig.complete(1, 7, 513);  // VIRTIO_BLK_S_* ends at 2
                rig.complete(2, 0, 513);
            },
            "status");
    }
}

TEST(VirtioBlockHostile, StatusByteNeverWritten) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.skip_status = true;
        CHECK(rig.initialize());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 1)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(1, rig.harvest());
        CHECK(rig.completions[0].status == BlockStatus::DeviceFailed);
        CHECK(rig.driver.failed());
        CHECK(mentions(rig.driver.failure(), "status"));
    }
}

TEST(VirtioBlockHostile, DeviceNeedsResetIsFailedOnTheInterrupt) {
    BlockRig rig(Transport::Modern);
    CHECK(rig.initialize());
    rig.fake.device.status |= status::kDeviceNeedsReset;
    rig.fake.device.raise(interrupt::kConfigChange);
    rig.driver.acknowledge_interrupt();
    CHECK(rig.driver.failed());
    CHECK(mentions(rig.driver.failure(), "needs reset"));
}

TEST(VirtioBlockHostile, InitializationRefusals) {
    for (Transport kind : kBothTransports) {
        struct Case {
            const char* reason;
            void (*spoil)(BlockRig&);
        };
        const Case cases[] = {
            {"magic", [](BlockRig& rig) { rig.fake.device.magic = 0; }},
            {"version", [](BlockRig& rig) { rig.fake.device.version = 7; }},
            {"empty", [](BlockRig& rig) { rig.fake.device.device_id = kDeviceIdNone; }},
            {"not a block", [](BlockRig& rig) { rig.fake.device.device_id = kDeviceIdNetwork; }},
            {"QueueNumMax", [](BlockRig& rig) { rig.fake.device.queue_size_max = 0; }},
            {"zero",
             [](BlockRig& rig) { rig.fake.device.set_config32(block_config::kSegmentMax, 0); }},
            {"zero",
             [](BlockRig& rig) { rig.fake.device.set_config32(block_config::kSizeMax, 0); }},
        };
        for (const Case& refusal : cases) {
            BlockRig rig(kind);
            refusal.spoil(rig);
            CHECK_FALSE(rig.initialize());
            CHECK_TEXT(mentions(rig.driver.failure(), refusal.reason), rig.driver.failure());
            CHECK_FALSE(rig.fake.device.live());
            CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 1)) ==
                  SubmitResult::DeviceFailed);
        }
    }
}

TEST(VirtioBlockHostile, AWindowWithoutTheMagicIsNeverWritten) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.device.magic = 0x12345678;
        CHECK_FALSE(rig.initialize());
        rig.fake.device.raise(interrupt::kUsedBuffer);
        UNSIGNED_LONGS_EQUAL(0, rig.driver.acknowledge_interrupt());
        UNSIGNED_LONGS_EQUAL(0, rig.harvest());
        UNSIGNED_LONGS_EQUAL(0, rig.cancel_all());
        UNSIGNED_LONGS_EQUAL(0, rig.fake.device.register_writes);
    }
}

TEST(VirtioBlockHostile, ModernFeatureRefusals) {
    BlockRig refusing(Transport::Modern);
    refusing.fake.device.keep_features_ok = false;
    CHECK_FALSE(refusing.initialize());
    CHECK(mentions(refusing.driver.failure(), "FEATURES_OK"));
    BlockRig old(Transport::Modern);
    old.fake.device.device_features &= ~feature::kVersion1;
    CHECK_FALSE(old.initialize());
    CHECK(mentions(old.driver.failure(), "VERSION_1"));
    CHECK(old.fake.device.status & status::kFailed);
}

TEST(VirtioBlockHostile, DmaRegionThatDoesNotFitIsRefused) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        DmaRegion small = rig.dma.region();
        small.size = VirtioBlock::kDmaBytes - 1;
        CHECK_FALSE(rig.driver.initialize(small));
        CHECK(mentions(rig.driver.failure(), "DMA"));
    }
}

TEST(VirtioBlockHostile, HugeCapacityDoesNotOverflowTheRangeCheck) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.device.set_config32(block_config::kCapacityLow, 0xffffffff);
        rig.fake.device.set_config32(block_config::kCapacityHigh, 0xffffffff);
        CHECK(rig.initialize());
        UNSIGNED_LONGLONGS_EQUAL(~uint64_t{0}, rig.driver.capacity());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, ~uint64_t{0}, 1, 1)) ==
              SubmitResult::OutOfRange);
        // Within the claimed capacity: queued, and the device's own check ends it with IOERR.
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, ~uint64_t{0} - 1, 1, 2)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(1, rig.harvest());
        CHECK(rig.completions[0].status == BlockStatus::IoError);
    }
}
