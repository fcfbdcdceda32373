// The virtio-mmio register window (virtio 1.2 4.2.2, legacy 4.2.4): offsets, status and feature
// bits, and the one accessor every virtio driver reads and writes it through, so the transport,
// the queues and the drivers run against a fake device in the host tests.
#pragma once

#include <cstdint>

#include "drivers/mmio.h"

namespace exo::virtio {

// Offsets into the window. Legacy (version 1) and modern (version 2) share the first registers;
// each has a few of its own, marked. QEMU 7.2 is legacy unless told force-legacy=false.
enum class Register : uint32_t {
    MagicValue = 0x000,
    Version = 0x004,
    DeviceId = 0x008,
    VendorId = 0x00c,
    DeviceFeatures = 0x010,
    DeviceFeaturesSelect = 0x014,
    DriverFeatures = 0x020,
    DriverFeaturesSelect = 0x024,
    GuestPageSize = 0x028,  // legacy only
    QueueSelect = 0x030,
    QueueSizeMax = 0x034,
    QueueSize = 0x038,
    QueueAlign = 0x03c,  // legacy only
    QueuePfn = 0x040,    // legacy only
    QueueReady = 0x044,  // modern only
    QueueNotify = 0x050,
    InterruptStatus = 0x060,
    InterruptAck = 0x064,
    Status = 0x070,
    QueueDescriptorLow = 0x080,  // modern only, as are the five after it
    QueueDescriptorHigh = 0x084,
    QueueDriverLow = 0x090,
    QueueDriverHigh = 0x094,
    QueueDeviceLow = 0x0a0,
    QueueDeviceHigh = 0x0a4,
    ConfigGeneration = 0x0fc,  // modern only
    Config = 0x100,            // the device-specific configuration space starts here
};

inline constexpr uint32_t kMagic = 0x74726976;  // "virt", little-endian
inline constexpr uint32_t kVersionLegacy = 1;
inline constexpr uint32_t kVersionModern = 2;

// Device ids (virtio 1.2 5): 0 marks an empty slot, QEMU's virt board has eight of them.
inline constexpr uint32_t kDeviceIdNone = 0;
inline constexpr uint32_t kDeviceIdNetwork = 1;
inline constexpr uint32_t kDeviceIdBlock = 2;

// Device status bits (virtio 1.2 2.1).
namespace status {
inline constexpr uint32_t kAcknowledge = 1;
inline constexpr uint32_t kDriver = 2;
inline constexpr uint32_t kDriverOk = 4;
inline constexpr uint32_t kFeaturesOk = 8;  // modern only
inline constexpr uint32_t kDeviceNeedsReset = 64;
inline constexpr uint32_t kFailed = 128;
}  // namespace status

// InterruptStatus bits (virtio 1.2 4.2.2).
namespace interrupt {
inline constexpr uint32_t kUsedBuffer = 1;
inline constexpr uint32_t kConfigChange = 2;
}  // namespace interrupt

// Transport-level feature bits (virtio 1.2 6). Only VERSION_1 is ever accepted: the others
// (indirect descriptors, event index, packed rings, IOMMU platforms) are features this driver
// does not implement, and accepting a feature promises to follow its rules.
namespace feature {
inline constexpr uint64_t kVersion1 = uint64_t{1} << 32;
}  // namespace feature

// The legacy interface's page size and queue alignment: the driver says 4096 for both.
inline constexpr uint32_t kLegacyPageSize = 4096;
inline constexpr uint32_t kLegacyQueueAlign = 4096;

constexpr uint32_t offset_of(Register reg) {
    return static_cast<uint32_t>(reg);
}

// Register access. An interface rather than Mmio directly so a host test can be the device; on
// the target each call is one volatile load or store behind a virtual call, small beside the
// cost of the device access itself (every virtio-mmio access exits to the hypervisor on QEMU).
class VirtioRegisters {
public:
    // offset: a Register, or Register::Config plus an offset into the device's configuration.
    virtual uint32_t read32(uint32_t offset) = 0;
    virtual void write32(uint32_t offset, uint32_t value) = 0;

protected:
    ~VirtioRegisters() = default;
};

// The target's implementation: the window mapped at a fixed kernel address (board data).
class MmioVirtioRegisters final : public VirtioRegisters {
public:
    explicit MmioVirtioRegisters(Mmio window) : window_(window) {}
    uint32_t read32(uint32_t offset) override { return window_.read32(offset); }
    void write32(uint32_t offset, uint32_t value) override { window_.write32(offset, value); }

private:
    Mmio window_;
};

}  // namespace exo::virtio
