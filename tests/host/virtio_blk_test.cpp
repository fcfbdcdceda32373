// virtio-blk over the fake device, legacy and modern in every test: initialization and the
// configuration, reads and writes against the in-memory disk, flush and discard, the checks
// that refuse a request before the device sees it, a full queue, and device error statuses.
#include <cstdint>
#include <cstring>
#include <vector>

#include "virtio_block_rig.h"

#include <CppUTest/TestHarness.h>

using namespace exo::virtio;
using namespace exo::virtio::test;

TEST_GROUP(VirtioBlock){};

TEST(VirtioBlock, InitializeReadsTheConfigurationAndGoesLive) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK_TEXT(rig.initialize(), rig.driver.failure());
        CHECK_FALSE(rig.driver.failed());
        CHECK_EQUAL(kind == Transport::Legacy, rig.driver.legacy());
        UNSIGNED_LONGLONGS_EQUAL(kRigSectors, rig.driver.capacity());
        UNSIGNED_LONGS_EQUAL(VirtioBlock::kQueueLimit, rig.driver.queue_size());  // device: 256
        CHECK(rig.driver.supports_flush());
        CHECK(rig.driver.supports_discard());
        CHECK_FALSE(rig.driver.read_only());
        UNSIGNED_LONGS_EQUAL(512, rig.driver.block_size());
        UNSIGNED_LONGS_EQUAL(kMaxBlockSegments, rig.driver.max_segments());  // seg_max 254
        UNSIGNED_LONGS_EQUAL(4096, rig.driver.max_segment_bytes());
        UNSIGNED_LONGS_EQUAL(0x3fffff, rig.driver.max_discard_sectors());
        CHECK(rig.fake.device.live());
        UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
        CHECK(rig.clean());
    }
}

TEST(VirtioBlock, FeaturesTheDriverDoesNotKnowAreNotAccepted) {
    for (Transport kind : kBothTransports) {
        const uint64_t unknown = (uint64_t{1} << 28) | (uint64_t{1} << 29) | (uint64_t{1} << 12);
        BlockRig rig(kind, kAllBlockFeatures | unknown);
        CHECK(rig.initialize());
        UNSIGNED_LONGLONGS_EQUAL(0, rig.fake.device.driver_features & unknown);
        UNSIGNED_LONGLONGS_EQUAL(kAllBlockFeatures,
                                 rig.fake.device.driver_features & kAllBlockFeatures);
    }
}

TEST(VirtioBlock, QueueSizeFollowsTheDevice) {
    for (Transport kind : kBothTransports) {
        for (uint32_t device_max : {1u, 64u, 100u}) {
            BlockRig rig(kind);
            rig.fake.device.queue_size_max = device_max;
            CHECK(rig.initialize());
            UNSIGNED_LONGS_EQUAL(device_max == 100 ? 64 : device_max, rig.driver.queue_size());
            UNSIGNED_LONGS_EQUAL(rig.driver.queue_size(), rig.fake.device.queue_size);
        }
    }
}

TEST(VirtioBlock, WritesAndReadsReachTheDisk) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK(rig.initialize());
        // Two pages, 16 sectors at sector 5: two descriptors of the device's size_max (4096).
        for (size_t i = 0; i < 2 * kPageSize; ++i) {
            rig.page(0)[i] = static_cast<std::byte>(i * 13 + 1);
        }
        BlockRequest write = rig.request(BlockRequestType::Write, 5, 16, 0xabc);
        CHECK(rig.driver.submit(write) == SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(1, rig.fake.device.notifications);
        UNSIGNED_LONGS_EQUAL(1, rig.harvest());
        UNSIGNED_LONGS_EQUAL(1, rig.completions.size());
        UNSIGNED_LONGLONGS_EQUAL(0xabc, rig.completions[0].tag);
        CHECK(rig.completions[0].status == BlockStatus::Ok);
        MEMCMP_EQUAL(rig.page(0), rig.fake.disk.data() + 5 * 512, 8192);

        // Read nine sectors of it back into page 4 and on into page 5.
        BlockRequest read = rig.request(BlockRequestType::Read, 6, 9, 0xdef, 4);
        CHECK(rig.driver.submit(read) == SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(1, rig.driver.in_flight());
        UNSIGNED_LONGS_EQUAL(1, rig.harvest());
        CHECK(rig.completions[1].status == BlockStatus::Ok);
        UNSIGNED_LONGLONGS_EQUAL(0xdef, rig.completions[1].tag);
        MEMCMP_EQUAL(rig.fake.disk.data() + 6 * 512, rig.page(4), 4096 + 512);
        UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
        CHECK(rig.clean());
    }
}

TEST(VirtioBlock, FlushAndDiscard) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK(rig.initialize());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Flush, 0, 0, 1)) ==
              SubmitResult::Queued);
        BlockRequest discard = rig.request(BlockRequestType::Discard, 10, 0, 2);
        discard.discard_sectors = 3;
        const std::vector<uint8_t> before = rig.fake.disk;
        CHECK(rig.driver.submit(discard) == SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(2, rig.harvest());
        CHECK(rig.completions[0].status == BlockStatus::Ok);
        CHECK(rig.completions[1].status == BlockStatus::Ok);
        UNSIGNED_LONGS_EQUAL(1, rig.fake.requests_seen(4));
        UNSIGNED_LONGS_EQUAL(1, rig.fake.requests_seen(11));
        for (size_t i = 0; i < rig.fake.disk.size(); ++i) {
            const bool discarded = i >= 10 * 512 && i < 13 * 512;
            if (rig.fake.disk[i] != (discarded ? 0 : before[i]))
                FAIL("discard hit the wrong bytes");
        }
        CHECK(rig.clean());
    }
}

TEST(VirtioBlock, FlushAndDiscardNotOfferedAreUnsupported) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind, block_feature::kSegmentMax);
        CHECK(rig.initialize());
        CHECK_FALSE(rig.driver.supports_flush());
        CHECK_FALSE(rig.driver.supports_discard());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Flush, 0, 0, 1)) ==
              SubmitResult::Unsupported);
        BlockRequest discard = rig.request(BlockRequestType::Discard, 0, 0, 2);
        discard.discard_sectors = 1;
        CHECK(rig.driver.submit(discard) == SubmitResult::Unsupported);
        UNSIGNED_LONGS_EQUAL(0, rig.fake.types_seen.size());
        UNSIGNED_LONGS_EQUAL(0, rig.fake.device.notifications);
    }
}

TEST(VirtioBlock, ReadOnlyDevicesRefuseWrites) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind, kAllBlockFeatures | block_feature::kReadOnly);
        CHECK(rig.initialize());
        CHECK(rig.driver.read_only());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Write, 0, 1, 1)) ==
              SubmitResult::Unsupported);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 2)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(1, rig.fake.types_seen.size());
    }
}

TEST(VirtioBlock, MalformedRequestsNeverReachTheDevice) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.device.set_config32(block_config::kSegmentMax, 2);
        rig.fake.device.set_config32(block_config::kSizeMax, 2048);
        CHECK(rig.initialize());
        UNSIGNED_LONGS_EQUAL(2, rig.driver.max_segments());
        UNSIGNED_LONGS_EQUAL(2048, rig.driver.max_segment_bytes());
        std::vector<BlockRequest> bad;
        bad.push_back(rig.request(BlockRequestType::Read, 0, 0, 1)); // no data
        BlockRequest ragged = rig.request(BlockRequestType::Write, 0, 1, 4);
        ragged.bytes = 700; // not a whole number of sectors
        bad.push_back(ragged);
        // 6144 bytes in pieces of size_max 2048: three descriptors, above seg_max.
        bad.push_back(rig.request(BlockRequestType::Read, 0, 12, 5));
        BlockRequest flush_with_data = rig.request(BlockRequestType::Flush, 0, 1, 7);
        bad.push_back(flush_with_data);
        bad.push_back(rig.request(BlockRequestType::Discard, 0, 0, 8));  // 0 sectors
        BlockRequest unknown = rig.request(BlockRequestType::Read, 0, 1, 9);
        unknown.type = static_cast<BlockRequestType>(7);
        bad.push_back(unknown);
        BlockRequest wrapping = rig.request(BlockRequestType::Read, 0, 1, 10);
        wrapping.phys = ~uint64_t{0} - 255; // the buffer would wrap around the address space
        bad.push_back(wrapping);
        BlockRequest huge = rig.request(BlockRequestType::Read, 0, 1, 11);
        huge.bytes = 0xffff'fe00; // 2^32 - 512: pieces far past seg_max, no overflow on the way
        bad.push_back(huge);
        for (const BlockRequest& request : bad) {
            CHECK_TEXT(rig.driver.submit(request) == SubmitResult::InvalidRequest,
                       to_string(rig.driver.submit(request)));
        }
        UNSIGNED_LONGS_EQUAL(0, rig.fake.types_seen.size());
        UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
        UNSIGNED_LONGS_EQUAL(rig.driver.queue_size(), rig.fake.device.queue_size);
        CHECK_FALSE(rig.driver.failed());
    }
}

TEST(VirtioBlock, RequestsPastTheCapacityAreOutOfRange) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK(rig.initialize());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, kRigSectors, 1, 1)) ==
              SubmitResult::OutOfRange);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, kRigSectors - 1, 2, 2)) ==
              SubmitResult::OutOfRange);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Write, ~uint64_t{0}, 1, 3)) ==
              SubmitResult::OutOfRange);
        BlockRequest discard = rig.request(BlockRequestType::Discard, kRigSectors - 2, 0, 4);
        discard.discard_sectors = 3;
        CHECK(rig.driver.submit(discard) == SubmitResult::OutOfRange);
        discard.discard_sectors = 2;
        CHECK(rig.driver.submit(discard) == SubmitResult::Queued);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, kRigSectors - 1, 1, 5)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(2, rig.harvest());
    }
}

TEST(VirtioBlock, AFullQueueIsBusyAndLosesNothing) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.complete_on_notify = false;
        CHECK(rig.initialize());
        // Three descriptors a read: 128 / 3 requests fit, two descriptors are left over.
        const uint32_t fit = VirtioBlock::kQueueLimit / 3;
        UNSIGNED_LONGS_EQUAL(fit, rig.driver.max_in_flight(1));
        UNSIGNED_LONGS_EQUAL(VirtioBlock::kQueueLimit / 2, rig.driver.max_in_flight(0));
        for (uint32_t i = 0; i < fit; ++i) {
            CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, i % kRigSectors, 1, i)) ==
                  SubmitResult::Queued);
        }
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 999)) ==
              SubmitResult::Busy);
        UNSIGNED_LONGS_EQUAL(fit, rig.driver.in_flight());
        // A flush needs only two: it still fits.
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Flush, 0, 0, 1000)) ==
              SubmitResult::Queued);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Flush, 0, 0, 1001)) ==
              SubmitResult::Busy);
        UNSIGNED_LONGS_EQUAL(fit + 1, rig.fake.serve());
        UNSIGNED_LONGS_EQUAL(fit + 1, rig.harvest());
        std::vector<int> seen(1001, 0);
        for (const Completion& completion : rig.completions) {
            CHECK(completion.status == BlockStatus::Ok);
            seen[completion.tag == 1000 ? fit : completion.tag]++;
        }
        for (uint32_t i = 0; i <= fit; ++i)
            UNSIGNED_LONGS_EQUAL(1, seen[i]);
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 999)) ==
              SubmitResult::Queued);
        CHECK(rig.clean());
    }
}

TEST(VirtioBlock, DeviceErrorStatusesArePassedOn) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK(rig.initialize());
        rig.fake.forced_status = 1;
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 1)) ==
              SubmitResult::Queued);
        rig.fake.forced_status = 2;
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Flush, 0, 0, 2)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(2, rig.harvest());
        CHECK(rig.completions[0].status == BlockStatus::IoError);
        CHECK(rig.completions[1].status == BlockStatus::Unsupported);
        CHECK_FALSE(rig.driver.failed());
    }
}

TEST(VirtioBlock, InterruptsAreAcknowledgedBeforeHarvesting) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        CHECK(rig.initialize());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 1)) ==
              SubmitResult::Queued);
        UNSIGNED_LONGS_EQUAL(interrupt::kUsedBuffer, rig.driver.acknowledge_interrupt());
        UNSIGNED_LONGS_EQUAL(0, rig.fake.device.interrupt_status);
        UNSIGNED_LONGS_EQUAL(1, rig.harvest());
    }
}

TEST(VirtioBlock, CancelAllResetsTheDeviceAndReportsEveryRequest) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.complete_on_notify = false;
        CHECK(rig.initialize());
        for (uint64_t tag = 1; tag <= 3; ++tag) {
            CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, tag)) ==
                  SubmitResult::Queued);
        }
        const uint32_t resets = rig.fake.device.resets;
        UNSIGNED_LONGS_EQUAL(3, rig.cancel_all());
        UNSIGNED_LONGS_EQUAL(resets + 1, rig.fake.device.resets);
        CHECK_FALSE(rig.fake.device.ring.attached());
        UNSIGNED_LONGS_EQUAL(3, rig.completions.size());
        for (const Completion& completion : rig.completions) {
            CHECK(completion.status == BlockStatus::DeviceFailed);
        }
        UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
        CHECK(rig.driver.failed());
        CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, 4)) ==
              SubmitResult::DeviceFailed);
        UNSIGNED_LONGS_EQUAL(0, rig.cancel_all());
    }
}

TEST(VirtioBlock, HeadersAndStatusBytesLiveInTheDriversSlots) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.complete_on_notify = false;
        CHECK(rig.initialize());
        BlockRequest discard = rig.request(BlockRequestType::Discard, 3, 0, 3);
        discard.discard_sectors = 2;
        const BlockRequest requests[] = {rig.request(BlockRequestType::Read, 1, 2, 1, 2),
                                         rig.request(BlockRequestType::Write, 2, 1, 2, 3),
                                         discard};
        for (const BlockRequest& request : requests) {
            CHECK(rig.driver.submit(request) == SubmitResult::Queued);
            rig.pop_head();
        }
        for (size_t i = 0; i < 3; ++i) {
            const FakeRing::Chain& chain = rig.popped[i];
            const uint64_t slot =
                rig.dma.phys(VirtioBlock::kQueueBytes + chain.head * sizeof(BlockRequestSlot));
            UNSIGNED_LONGS_EQUAL(3, chain.buffers.size());
            UNSIGNED_LONGLONGS_EQUAL(slot, chain.buffers[0].phys);
            UNSIGNED_LONGS_EQUAL(16, chain.buffers[0].length);
            CHECK_FALSE(chain.buffers[0].writable);
            UNSIGNED_LONGLONGS_EQUAL(slot + offsetof(BlockRequestSlot, status),
                                     chain.buffers[2].phys);
            UNSIGNED_LONGS_EQUAL(1, chain.buffers[2].length);
            CHECK(chain.buffers[2].writable);
        }
        UNSIGNED_LONGLONGS_EQUAL(rig.data.phys(2 * kPageSize), rig.popped[0].buffers[1].phys);
        CHECK(rig.popped[0].buffers[1].writable);  // a read: the device writes the data
        CHECK_FALSE(rig.popped[1].buffers[1].writable);
        const uint64_t range_slot =
            rig.dma.phys(VirtioBlock::kQueueBytes + rig.popped[2].head * sizeof(BlockRequestSlot));
        UNSIGNED_LONGLONGS_EQUAL(range_slot + offsetof(BlockRequestSlot, discard_sector),
                                 rig.popped[2].buffers[1].phys);
        UNSIGNED_LONGS_EQUAL(16, rig.popped[2].buffers[1].length);
        CHECK(VirtioBlock::kQueueBytes + 128 * sizeof(BlockRequestSlot) <= VirtioBlock::kDmaBytes);
    }
}

TEST(VirtioBlock, SubmittingFromACompletionIsSafe) {
    for (Transport kind : kBothTransports) {
        BlockRig rig(kind);
        rig.fake.complete_on_notify = false;
        CHECK(rig.initialize());
        for (uint64_t tag = 0; tag < 8; ++tag) {
            CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, tag, 1, tag)) ==
                  SubmitResult::Queued);
        }
        rig.fake.serve();
        rig.fake.complete_on_notify = true;  // each resubmission completes at once, mid-harvest
        uint32_t resubmitted = 0;
        const uint32_t delivered = rig.driver.harvest([&](uint64_t tag, BlockStatus status) {
            CHECK(status == BlockStatus::Ok);
            if (tag < 8) {
                CHECK(rig.driver.submit(rig.request(BlockRequestType::Read, 0, 1, tag + 100)) ==
                      SubmitResult::Queued);
                ++resubmitted;
            }
        });
        UNSIGNED_LONGS_EQUAL(8, delivered);  // this harvest: only what was ready when it began
        UNSIGNED_LONGS_EQUAL(8, resubmitted);
        UNSIGNED_LONGS_EQUAL(8, rig.harvest());
        UNSIGNED_LONGS_EQUAL(0, rig.driver.in_flight());
        CHECK_FALSE(rig.driver.failed());
        CHECK(rig.clean());
    }
}
