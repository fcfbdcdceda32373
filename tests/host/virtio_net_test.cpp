// virtio-net over the fake device, legacy and modern in every test: initialization (the MAC,
// both queues, the receive queue filled before DRIVER_OK), frames received whole and their
// buffers given back, two-piece transmits sent as the exact bytes, a full transmit queue; and a
// device that lies: lengths shorter than the header or longer than the buffer, used ids out of
// range, a MAC no station can have, and transmits cancelled when it fails.
#include <cstdint>
#include <cstring>
#include <vector>

#include "drivers/virtio/virtio_net.h"
#include "fake_network_device.h"

#include <CppUTest/TestHarness.h>

using namespace exo::virtio;
using namespace exo::virtio::test;

namespace {

constexpr uint64_t kMac = 0x563412005452;  // 52:54:00:12:34:56, QEMU's default

struct NetRig {
    explicit NetRig(Transport kind, uint64_t mac = kMac, uint64_t features = net_feature::kMac)
        : fake(kind, mac, features), dma(VirtioNet::kDmaBytes), data(2 * 4096) {
        fake.device.dma.allow(dma);
        fake.device.dma.allow(data);
    }
    bool initialize() { return driver.initialize(dma.region()); }
    std::vector<std::vector<uint8_t>> harvest() {
        std::vector<std::vector<uint8_t>> frames;
        (void)driver.harvest_received([&](const uint8_t* frame, uint32_t length) {
            frames.emplace_back(frame, frame + length);
        });
        return frames;
    }
    std::vector<uint64_t> sent_tags() {
        std::vector<uint64_t> tags;
        (void)driver.harvest_transmitted([&](uint64_t tag, bool ok) {
            CHECK(ok);
            tags.push_back(tag);
        });
        return tags;
    }
    bool clean() {
        return fake.errors().empty() && fake.device.dma.violations.empty();
    }

    FakeNetworkDevice fake;
    DmaBuffer dma;
    DmaBuffer data;
    VirtioNet driver{fake.device};
};

std::vector<uint8_t> frame_of(size_t length, uint8_t seed) {
    std::vector<uint8_t> frame(length);
    for (size_t i = 0; i < length; ++i) frame[i] = static_cast<uint8_t>(seed + i * 13);
    return frame;
}

}  // namespace

TEST_GROUP(VirtioNet){};

TEST(VirtioNet, InitializeReadsTheMacAndFillsTheReceiveQueue) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK_TEXT(rig.initialize(), rig.driver.failure());
        UNSIGNED_LONGLONGS_EQUAL(kMac, rig.driver.mac());
        UNSIGNED_LONGS_EQUAL(rig.fake.header_bytes(), rig.driver.header_bytes());
        UNSIGNED_LONGS_EQUAL(VirtioNet::kQueueLimit, rig.driver.rx_buffers());
        CHECK(rig.fake.device.rings[0].attached() && rig.fake.device.rings[1].attached());
        // Every buffer is offered at once: the device can take as many frames as it has buffers.
        UNSIGNED_LONGS_EQUAL(VirtioNet::kQueueLimit,
                             rig.fake.device.rings[0].driver_available_index());
        UNSIGNED_LONGLONGS_EQUAL(net_feature::kMac, rig.fake.device.driver_features & 0xffffffff);
        CHECK(rig.clean());
    }
}

TEST(VirtioNet, ADeviceWithoutAUsableMacIsRefused) {
    for (Transport kind : kBothTransports) {
        NetRig no_feature(kind, kMac, 0);
        CHECK_FALSE(no_feature.initialize());
        NetRig zero(kind, 0);
        CHECK_FALSE(zero.initialize());
        NetRig multicast(kind, kMac | 1);
        CHECK_FALSE(multicast.initialize());
        STRCMP_EQUAL("the device's MAC is zero or multicast", multicast.driver.failure());
    }
}

TEST(VirtioNet, ABlockDeviceOrAMissingQueueIsRefused) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        rig.fake.device.device_id = kDeviceIdBlock;
        CHECK_FALSE(rig.initialize());
        NetRig one_queue(kind);
        one_queue.fake.device.queue_count = 1;
        CHECK_FALSE(one_queue.initialize());
    }
}

TEST(VirtioNet, FramesArriveWholeAndTheirBuffersGoBack) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK(rig.initialize());
        for (int round = 0; round < 3 * VirtioNet::kQueueLimit; ++round) {
            const std::vector<uint8_t> frame = frame_of(60 + round % 1455, uint8_t(round));
            CHECK(rig.fake.arrive(frame));
            std::vector<std::vector<uint8_t>> got = rig.harvest();
            UNSIGNED_LONGS_EQUAL(1, got.size());
            CHECK(got[0] == frame);
        }
        CHECK(rig.clean());
        CHECK_FALSE(rig.driver.failed());
    }
}

TEST(VirtioNet, ATransmitSendsTheHeadCopyThenTheBody) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK(rig.initialize());
        const std::vector<uint8_t> frame = frame_of(1000, 3);
        std::vector<uint8_t> head(frame.begin(), frame.begin() + 80);
        std::memcpy(rig.data.data(), frame.data() + 80, 920);
        CHECK(NetSubmitResult::Queued ==
              rig.driver.transmit(head.data(), 80, rig.data.phys(), 920, 77));
        head[0] ^= 0xff;  // the caller's copy changes after the call: the device sends the driver's
        rig.driver.publish_transmit();
        UNSIGNED_LONGS_EQUAL(1, rig.fake.sent.size());
        CHECK(rig.fake.sent[0] == frame);
        std::vector<uint64_t> tags = rig.sent_tags();
        UNSIGNED_LONGS_EQUAL(1, tags.size());
        UNSIGNED_LONGLONGS_EQUAL(77, tags[0]);
        // A small frame is all head: one descriptor.
        CHECK(NetSubmitResult::Queued == rig.driver.transmit(frame.data(), 60, 0, 0, 78));
        rig.driver.publish_transmit();
        CHECK(std::vector<uint8_t>(frame.begin(), frame.begin() + 60) == rig.fake.sent[1]);
        CHECK(rig.clean());
    }
}

TEST(VirtioNet, TransmitsOfImpossibleSizesAreRefusedBeforeTheDevice) {
    NetRig rig(Transport::Legacy);
    CHECK(rig.initialize());
    const std::vector<uint8_t> frame = frame_of(300, 1);
    CHECK(NetSubmitResult::Invalid == rig.driver.transmit(frame.data(), 0, 0, 0, 1));
    CHECK(NetSubmitResult::Invalid ==
          rig.driver.transmit(frame.data(), VirtioNet::kMaxHead + 1, 0, 0, 1));
    CHECK(NetSubmitResult::Invalid ==
          rig.driver.transmit(frame.data(), 80, rig.data.phys(), kNetMaxFrame - 79, 1));
    CHECK(NetSubmitResult::Invalid == rig.driver.transmit(frame.data(), 80, ~uint64_t{0}, 8, 1));
    UNSIGNED_LONGS_EQUAL(0, rig.driver.tx_in_flight());
}

TEST(VirtioNet, AFullTransmitQueueIsBusyAndLosesNothing) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        rig.fake.complete_on_notify = false;
        rig.fake.device.queue_size_max = 8;
        CHECK(rig.initialize());
        const std::vector<uint8_t> frame = frame_of(200, 9);
        uint64_t tag = 0;
        while (rig.driver.transmit(frame.data(), 80, rig.data.phys(), 120, tag) ==
               NetSubmitResult::Queued) {
            ++tag;
        }
        UNSIGNED_LONGLONGS_EQUAL(4, tag);  // two descriptors a frame
        rig.driver.publish_transmit();
        UNSIGNED_LONGS_EQUAL(4, rig.fake.serve_transmits());
        UNSIGNED_LONGS_EQUAL(4, rig.sent_tags().size());
        CHECK(NetSubmitResult::Queued ==
              rig.driver.transmit(frame.data(), 80, rig.data.phys(), 120, tag));
    }
}

TEST_GROUP(VirtioNetHostile){};

TEST(VirtioNetHostile, ALengthShorterThanTheHeaderIsCountedAndTheBufferReturns) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK(rig.initialize());
        const uint16_t offered = rig.fake.device.rings[0].driver_available_index();
        CHECK(rig.fake.arrive(frame_of(64, 1), rig.fake.header_bytes() - 1));
        UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
        UNSIGNED_LONGLONGS_EQUAL(1, rig.driver.rx_malformed());
        CHECK_FALSE(rig.driver.failed());
        UNSIGNED_LONGS_EQUAL(uint16_t(offered + 1),
                             rig.fake.device.rings[0].driver_available_index());
    }
}

TEST(VirtioNetHostile, ALengthPastTheBufferFailsTheDevice) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK(rig.initialize());
        CHECK(rig.fake.arrive(frame_of(64, 1), VirtioNet::kRxBufferBytes + 1));
        UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
        CHECK(rig.driver.failed());
        // Failed is final: later frames are not read.
        (void)rig.fake.arrive(frame_of(64, 2));
        UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
    }
}

TEST(VirtioNetHostile, AUsedIdOutsideTheQueueFailsTheDevice) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        CHECK(rig.initialize());
        FakeRing& ring = rig.fake.device.rings[0];
        ring.write_used_entry(ring.used_index(), 5000, 100);
        ring.set_used_index(static_cast<uint16_t>(ring.used_index() + 1));
        UNSIGNED_LONGS_EQUAL(0, rig.harvest().size());
        CHECK(rig.driver.failed());
    }
}

TEST(VirtioNetHostile, AFailedDeviceGetsItsTransmitsCancelled) {
    for (Transport kind : kBothTransports) {
        NetRig rig(kind);
        rig.fake.complete_on_notify = false;
        CHECK(rig.initialize());
        const std::vector<uint8_t> frame = frame_of(100, 4);
        CHECK(NetSubmitResult::Queued ==
              rig.driver.transmit(frame.data(), 80, rig.data.phys(), 20, 1));
        CHECK(NetSubmitResult::Queued == rig.driver.transmit(frame.data(), 60, 0, 0, 2));
        rig.driver.publish_transmit();
        std::vector<uint64_t> cancelled;
        UNSIGNED_LONGS_EQUAL(2, rig.driver.cancel_transmits([&](uint64_t tag, bool ok) {
            CHECK_FALSE(ok);
            cancelled.push_back(tag);
        }));
        UNSIGNED_LONGS_EQUAL(2, cancelled.size());
        UNSIGNED_LONGS_EQUAL(0, rig.driver.tx_in_flight());
        CHECK(rig.driver.failed());
        CHECK(NetSubmitResult::DeviceFailed == rig.driver.transmit(frame.data(), 60, 0, 0, 3));
        UNSIGNED_LONGS_EQUAL(1, rig.fake.device.resets > 0);
    }
}
