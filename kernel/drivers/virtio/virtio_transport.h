// The virtio-mmio transport for every virtio device, legacy (version 1) and modern (version 2):
// probe, the initialization sequence of virtio 1.2 3.1.1 with feature negotiation, queue setup,
// notify, interrupts, configuration reads, failure and reset.
#pragma once

#include <cstdint>

#include "drivers/virtio/virtio_mmio.h"
#include "drivers/virtio/virtqueue.h"

namespace exo::virtio {

class VirtioTransport {
public:
    explicit VirtioTransport(VirtioRegisters& registers) : registers_(registers) {}

    // Checks the magic value and version (1 or 2) and reads the device id (kDeviceIdNone for an
    // empty slot). False, with failure() set, when the window holds no virtio device we speak.
    bool probe();
    uint32_t device_id() const { return device_id_; }
    uint32_t vendor_id() const { return vendor_id_; }
    bool legacy() const { return version_ == kVersionLegacy; }
    RingLayout ring_layout() const { return legacy() ? RingLayout::Legacy : RingLayout::Modern; }

    // Steps 1-3: reset, ACKNOWLEDGE, DRIVER.
    bool begin();

    // Steps 4-6: accepts device_features & understood. Refuses the device (FAILED, false) when it
    // lacks something in `required`, when a modern device does not offer VERSION_1, or when it
    // does not keep FEATURES_OK. VERSION_1 is added to both sets for a modern device.
    bool negotiate(uint64_t understood, uint64_t required);
    uint64_t features() const { return features_; }
    bool has(uint64_t feature) const { return (features_ & feature) == feature; }

    // The queue's maximum size (QueueNumMax; 0 means the queue does not exist), and the size to
    // use: the largest power of two no larger than both it and `limit`.
    uint16_t queue_size_max(uint16_t queue);
    static uint16_t choose_queue_size(uint32_t device_max, uint16_t limit);

    // Step 7, per queue: tells the device the queue's size and where its parts are.
    bool setup_queue(uint16_t queue, uint16_t size, const QueueAddresses& addresses);

    // Step 8.
    void driver_ok();

    // A 32-bit configuration field at `offset`. Modern devices can change their configuration
    // under us: read_config_consistent() runs `read` until ConfigGeneration is the same before
    // and after (4.2.2), giving up (false) after a few tries.
    uint32_t read_config32(uint32_t offset);
    template <typename ReadFields>
    bool read_config_consistent(ReadFields&& read) {
        for (int attempt = 0; attempt < kConfigAttempts; ++attempt) {
            const uint32_t before = config_generation();
            read();
            if (config_generation() == before) return true;
        }
        fail("configuration kept changing while it was read");
        return false;
    }

    void notify(uint16_t queue);

    // Reads InterruptStatus and acknowledges exactly those bits; a configuration change with
    // DEVICE_NEEDS_RESET set marks the transport failed. Returns the bits.
    uint32_t acknowledge_interrupts();

    // Records why the device is no longer used (the first reason wins) and sets FAILED.
    void fail(const char* reason);
    bool failed() const { return failure_ != nullptr; }
    const char* failure() const { return failure_; }

    // Writes 0 to Status, so a device that follows the spec stops using its queues, and (modern)
    // waits a bounded time for it to read back 0. False if it never does.
    bool reset();

private:
    static constexpr int kConfigAttempts = 8;
    static constexpr int kResetPolls = 1000;

    uint32_t read(Register reg) { return registers_.read32(offset_of(reg)); }
    void write(Register reg, uint32_t value) { registers_.write32(offset_of(reg), value); }
    void add_status(uint32_t bits);
    uint32_t config_generation();

    VirtioRegisters& registers_;
    uint32_t version_ = 0;
    uint32_t device_id_ = kDeviceIdNone;
    uint32_t vendor_id_ = 0;
    uint32_t status_ = 0;  // what we have written: the device's copy is not trusted to match
    uint64_t features_ = 0;
    const char* failure_ = nullptr;
};

}  // namespace exo::virtio
