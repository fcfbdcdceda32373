// The virtio-mmio transport against the fake register file, legacy and modern in every test:
// probe, the initialization order, feature negotiation and its refusals, queue programming,
// interrupts, reset and configuration reads.
#include <cstdint>
#include <cstring>

#include "drivers/virtio/virtio_transport.h"
#include "fake_virtio_device.h"

#include <CppUTest/TestHarness.h>

using namespace exo::virtio;
using exo::virtio::test::DmaBuffer;
using exo::virtio::test::FakeVirtioDevice;
using exo::virtio::test::kBothTransports;
using exo::virtio::test::Transport;

namespace {

constexpr uint64_t kBit1 = uint64_t{1} << 1;
constexpr uint64_t kBit9 = uint64_t{1} << 9;
constexpr uint64_t kIndirect = uint64_t{1} << 28;
constexpr uint64_t kEventIndex = uint64_t{1} << 29;

bool mentions(const char* text, const char* word) {
    return text != nullptr && std::strstr(text, word) != nullptr;
}

}  // namespace

TEST_GROUP(VirtioTransport){};

TEST(VirtioTransport, ProbeReadsIdentityAndWritesNothing) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        VirtioTransport transport(device);
        CHECK_TEXT(transport.probe(), to_string(kind));
        UNSIGNED_LONGS_EQUAL(kDeviceIdBlock, transport.device_id());
        UNSIGNED_LONGS_EQUAL(0x554d4551, transport.vendor_id());
        CHECK_EQUAL(kind == Transport::Legacy, transport.legacy());
        UNSIGNED_LONGS_EQUAL(0, device.status);
        UNSIGNED_LONGS_EQUAL(0, device.protocol_errors.size());
    }
}

TEST(VirtioTransport, EmptySlotProbesAsDeviceIdZero) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdNone, 0);
        VirtioTransport transport(device);
        CHECK(transport.probe());
        UNSIGNED_LONGS_EQUAL(kDeviceIdNone, transport.device_id());
    }
}

TEST(VirtioTransport, BadMagicIsRefusedWithoutAWrite) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        device.magic = 0x76697274;  // byte-swapped: not "virt"
        VirtioTransport transport(device);
        CHECK_FALSE(transport.probe());
        CHECK(transport.failed());
        CHECK(mentions(transport.failure(), "magic"));
        UNSIGNED_LONGS_EQUAL(0, device.status);  // not even FAILED: it is not a virtio window
        CHECK_FALSE(transport.begin());
        UNSIGNED_LONGS_EQUAL(0, device.resets);
    }
}

TEST(VirtioTransport, UnknownVersionsAreRefused) {
    for (uint32_t version : {0u, 3u, 0xffffffffu}) {
        FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, 0);
        device.version = version;
        VirtioTransport transport(device);
        CHECK_FALSE(transport.probe());
        CHECK(mentions(transport.failure(), "version"));
    }
}

TEST(VirtioTransport, BeginResetsThenAcknowledgesInOrder) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, kBit9);
        device.status = status::kDriverOk | status::kDriver | status::kAcknowledge;  // stale
        VirtioTransport transport(device);
        CHECK(transport.probe());
        CHECK(transport.begin());
        UNSIGNED_LONGS_EQUAL(1, device.resets);
        UNSIGNED_LONGS_EQUAL(status::kAcknowledge | status::kDriver, device.status);
        CHECK(transport.negotiate(kBit9, 0));
        const uint32_t expected = status::kAcknowledge | status::kDriver |
                                  (kind == Transport::Modern ? status::kFeaturesOk : 0);
        UNSIGNED_LONGS_EQUAL(expected, device.status);
        UNSIGNED_LONGS_EQUAL(0, device.protocol_errors.size());
    }
}

TEST(VirtioTransport, NegotiationAcceptsOnlyWhatTheDriverUnderstands) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, kBit1 | kBit9 | kIndirect | kEventIndex);
        VirtioTransport transport(device);
        CHECK(transport.probe() && transport.begin());
        CHECK(transport.negotiate(kBit1 | kBit9 | (uint64_t{1} << 13), 0));
        const uint64_t expected =
            kBit1 | kBit9 | (kind == Transport::Modern ? feature::kVersion1 : 0);
        UNSIGNED_LONGLONGS_EQUAL(expected, transport.features());
        UNSIGNED_LONGLONGS_EQUAL(expected, device.driver_features);
        CHECK(transport.has(kBit9));
        CHECK_FALSE(transport.has(kIndirect));
        UNSIGNED_LONGS_EQUAL(0, device.protocol_errors.size());
    }
}

TEST(VirtioTransport, LegacyNeverSeesOrWritesTheHighFeatureWord) {
    FakeVirtioDevice device(Transport::Legacy, kDeviceIdBlock, kBit9 | feature::kVersion1);
    VirtioTransport transport(device);
    CHECK(transport.probe() && transport.begin());
    CHECK(transport.negotiate(kBit9 | feature::kVersion1, 0));
    UNSIGNED_LONGLONGS_EQUAL(kBit9, transport.features());
    UNSIGNED_LONGLONGS_EQUAL(kBit9, device.driver_features);
    UNSIGNED_LONGS_EQUAL(0, device.protocol_errors.size());
}

TEST(VirtioTransport, ModernDeviceWithoutVersion1IsFailed) {
    FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, kBit9);
    device.device_features &= ~feature::kVersion1;
    VirtioTransport transport(device);
    CHECK(transport.probe() && transport.begin());
    CHECK_FALSE(transport.negotiate(kBit9, 0));
    CHECK(transport.failed());
    CHECK(mentions(transport.failure(), "VERSION_1"));
    CHECK(device.status & status::kFailed);
    CHECK_FALSE(device.status & status::kFeaturesOk);
}

TEST(VirtioTransport, FeaturesOkNotKeptIsFailed) {
    FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, kBit9);
    device.keep_features_ok = false;
    VirtioTransport transport(device);
    CHECK(transport.probe() && transport.begin());
    CHECK_FALSE(transport.negotiate(kBit9, 0));
    CHECK(mentions(transport.failure(), "FEATURES_OK"));
    CHECK(device.status & status::kFailed);
}

TEST(VirtioTransport, MissingRequiredFeatureIsFailed) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, kBit1);
        VirtioTransport transport(device);
        CHECK(transport.probe() && transport.begin());
        CHECK_FALSE(transport.negotiate(kBit1 | kBit9, kBit9));
        CHECK(mentions(transport.failure(), "requires"));
        CHECK(device.status & status::kFailed);
    }
}

TEST(VirtioTransport, QueueSizeIsAPowerOfTwoWithinBothLimits) {
    UNSIGNED_LONGS_EQUAL(128, VirtioTransport::choose_queue_size(256, 128));
    UNSIGNED_LONGS_EQUAL(64, VirtioTransport::choose_queue_size(100, 128));
    UNSIGNED_LONGS_EQUAL(64, VirtioTransport::choose_queue_size(64, 128));
    UNSIGNED_LONGS_EQUAL(2, VirtioTransport::choose_queue_size(3, 128));
    UNSIGNED_LONGS_EQUAL(1, VirtioTransport::choose_queue_size(1, 128));
    UNSIGNED_LONGS_EQUAL(0, VirtioTransport::choose_queue_size(0, 128));
    UNSIGNED_LONGS_EQUAL(256, VirtioTransport::choose_queue_size(0xffffffff, 256));
}

TEST(VirtioTransport, QueueSetupProgramsWhereTheDeviceLooks) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        VirtioTransport transport(device);
        CHECK(transport.probe() && transport.begin() && transport.negotiate(0, 0));
        UNSIGNED_LONGS_EQUAL(256, transport.queue_size_max(0));
        DmaBuffer memory(virtqueue_layout(64, transport.ring_layout()).bytes);
        Virtqueue queue;
        CHECK(queue.initialize(memory.region(), 64, transport.ring_layout()));
        CHECK(transport.setup_queue(0, 64, queue.addresses()));
        UNSIGNED_LONGS_EQUAL(64, device.queue_size);
        // The device's own arithmetic (legacy: from the page number) lands on the same parts.
        CHECK(device.ring.attached());
        UNSIGNED_LONGLONGS_EQUAL(queue.addresses().descriptors,
                                 device.ring.addresses().descriptors);
        UNSIGNED_LONGLONGS_EQUAL(queue.addresses().available, device.ring.addresses().available);
        UNSIGNED_LONGLONGS_EQUAL(queue.addresses().used, device.ring.addresses().used);
        if (kind == Transport::Legacy) {
            UNSIGNED_LONGS_EQUAL(4096, device.guest_page_size);
            UNSIGNED_LONGS_EQUAL(4096, device.queue_align);
            UNSIGNED_LONGLONGS_EQUAL(memory.phys() >> 12, device.queue_pfn);
        } else {
            UNSIGNED_LONGS_EQUAL(1, device.queue_ready);
        }
        transport.driver_ok();
        CHECK(device.status & status::kDriverOk);
        transport.notify(0);
        UNSIGNED_LONGS_EQUAL(1, device.notifications);
        UNSIGNED_LONGS_EQUAL(0, device.protocol_errors.size());
    }
}

TEST(VirtioTransport, QueueNumMaxZeroIsFailed) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        device.queue_size_max = 0;
        VirtioTransport transport(device);
        CHECK(transport.probe() && transport.begin() && transport.negotiate(0, 0));
        UNSIGNED_LONGS_EQUAL(0, transport.queue_size_max(0));
        CHECK_FALSE(transport.setup_queue(0, 8, {0x1000, 0x1080, 0x2000}));
        CHECK(mentions(transport.failure(), "QueueNumMax"));
        CHECK_FALSE(device.ring.attached());
    }
}

TEST(VirtioTransport, QueueLargerThanTheDeviceAllowsIsFailed) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        device.queue_size_max = 16;
        VirtioTransport transport(device);
        CHECK(transport.probe() && transport.begin() && transport.negotiate(0, 0));
        CHECK_FALSE(transport.setup_queue(0, 32, {0x1000, 0x1200, 0x2000}));
        CHECK(transport.failed());
        CHECK_FALSE(device.ring.attached());
    }
}

TEST(VirtioTransport, LegacyQueueAboveA32BitPageNumberIsFailed) {
    FakeVirtioDevice device(Transport::Legacy, kDeviceIdBlock, 0);
    VirtioTransport transport(device);
    CHECK(transport.probe() && transport.begin() && transport.negotiate(0, 0));
    const uint64_t high = uint64_t{1} << 44;
    CHECK_FALSE(transport.setup_queue(0, 8, {high, high + 128, high + 4096}));
    CHECK(mentions(transport.failure(), "page number"));
    UNSIGNED_LONGS_EQUAL(0, device.queue_pfn);
}

TEST(VirtioTransport, InterruptsAreAcknowledgedExactly) {
    for (Transport kind : kBothTransports) {
        FakeVirtioDevice device(kind, kDeviceIdBlock, 0);
        VirtioTransport transport(device);
        CHECK(transport.probe());
        UNSIGNED_LONGS_EQUAL(0, transport.acknowledge_interrupts());
        device.raise(interrupt::kUsedBuffer | interrupt::kConfigChange);
        UNSIGNED_LONGS_EQUAL(3, transport.acknowledge_interrupts());
        UNSIGNED_LONGS_EQUAL(0, device.interrupt_status);
        CHECK_FALSE(transport.failed());
    }
}

TEST(VirtioTransport, DeviceNeedsResetFailsTheTransport) {
    FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, 0);
    VirtioTransport transport(device);
    CHECK(transport.probe() && transport.begin());
    device.status |= status::kDeviceNeedsReset;
    device.raise(interrupt::kConfigChange);
    transport.acknowledge_interrupts();
    CHECK(transport.failed());
    CHECK(mentions(transport.failure(), "needs reset"));
}

TEST(VirtioTransport, ResetThatNeverFinishesIsBoundedAndFailed) {
    FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, 0);
    device.finish_reset = false;
    VirtioTransport transport(device);
    CHECK(transport.probe());
    CHECK_FALSE(transport.begin());
    CHECK(mentions(transport.failure(), "reset"));
}

TEST(VirtioTransport, ConfigurationReadsRetryUntilTheGenerationHolds) {
    FakeVirtioDevice device(Transport::Modern, kDeviceIdBlock, 0);
    device.set_config32(0, 0x12345678);
    VirtioTransport transport(device);
    CHECK(transport.probe());
    uint32_t value = 0;
    CHECK(transport.read_config_consistent([&] { value = transport.read_config32(0); }));
    UNSIGNED_LONGS_EQUAL(0x12345678, value);
    device.generation_changes = true;  // a device whose configuration never settles
    int reads = 0;
    CHECK_FALSE(transport.read_config_consistent([&] { ++reads; }));
    CHECK(reads > 1 && reads < 100);
    CHECK(mentions(transport.failure(), "configuration"));
}
