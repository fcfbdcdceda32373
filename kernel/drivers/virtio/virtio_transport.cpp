// virtio-mmio transport: the register sequences of virtio 1.2 3.1.1 and 4.2.3, legacy and modern.
#include "drivers/virtio/virtio_transport.h"

namespace exo::virtio {

bool VirtioTransport::probe() {
    if (read(Register::MagicValue) != kMagic) {
        fail("no virtio magic value");
        return false;
    }
    const uint32_t version = read(Register::Version);
    if (version != kVersionLegacy && version != kVersionModern) {
        fail("unknown virtio-mmio version");
        return false;
    }
    version_ = version;
    device_id_ = read(Register::DeviceId);
    vendor_id_ = read(Register::VendorId);
    return true;
}

void VirtioTransport::add_status(uint32_t bits) {
    status_ |= bits;
    write(Register::Status, status_);
}

bool VirtioTransport::begin() {
    if (version_ == 0) {
        fail("begin before a successful probe");
        return false;
    }
    if (!reset()) return false;
    add_status(status::kAcknowledge);
    add_status(status::kDriver);
    return true;
}

bool VirtioTransport::negotiate(uint64_t understood, uint64_t required) {
    if (failed()) return false;
    uint64_t offered = 0;
    write(Register::DeviceFeaturesSelect, 0);
    offered = read(Register::DeviceFeatures);
    if (!legacy()) {
        // Legacy devices have only the first 32 bits (4.2.4: HostFeatures, no selector use).
        write(Register::DeviceFeaturesSelect, 1);
        offered |= uint64_t{read(Register::DeviceFeatures)} << 32;
        understood |= feature::kVersion1;
        required |= feature::kVersion1;
    } else {
        understood &= 0xffffffffu;
    }
    if ((offered & required) != required) {
        fail(!legacy() && (offered & feature::kVersion1) == 0
                 ? "modern device without VIRTIO_F_VERSION_1"
                 : "device lacks a feature the driver requires");
        return false;
    }
    features_ = offered & understood;
    write(Register::DriverFeaturesSelect, 0);
    write(Register::DriverFeatures, static_cast<uint32_t>(features_));
    if (legacy()) return true;  // no FEATURES_OK handshake before version 1.0

    write(Register::DriverFeaturesSelect, 1);
    write(Register::DriverFeatures, static_cast<uint32_t>(features_ >> 32));
    add_status(status::kFeaturesOk);
    // 3.1.1 step 6: the device clears FEATURES_OK when it cannot work with our subset.
    if ((read(Register::Status) & status::kFeaturesOk) == 0) {
        fail("device did not accept the negotiated features (FEATURES_OK cleared)");
        return false;
    }
    return true;
}

uint16_t VirtioTransport::queue_size_max(uint16_t queue) {
    write(Register::QueueSelect, queue);
    const uint32_t maximum = read(Register::QueueSizeMax);
    return maximum > 0xffff ? uint16_t{0xffff} : static_cast<uint16_t>(maximum);
}

uint16_t VirtioTransport::choose_queue_size(uint32_t device_max, uint16_t limit) {
    const uint32_t bound = device_max < limit ? device_max : limit;
    if (bound == 0) return 0;
    uint32_t size = 1;
    while (size * 2 <= bound)
        size *= 2;
    return static_cast<uint16_t>(size);
}

bool VirtioTransport::setup_queue(uint16_t queue, uint16_t size, const QueueAddresses& addresses) {
    if (failed()) return false;
    write(Register::QueueSelect, queue);
    const uint32_t maximum = read(Register::QueueSizeMax);
    if (maximum == 0) {
        fail("queue not available (QueueNumMax is 0)");
        return false;
    }
    if (size == 0 || size > maximum) {
        fail("queue size larger than the device allows");
        return false;
    }
    if (legacy()) {
        // 4.2.4: one page number for the whole queue; the layout put the parts where the device
        // will compute them from it and QueueAlign.
        const uint64_t page = addresses.descriptors / kLegacyPageSize;
        if (addresses.descriptors % kLegacyPageSize != 0 || page > 0xffffffffu) {
            fail("legacy queue address not expressible as a 32-bit page number");
            return false;
        }
        if (read(Register::QueuePfn) != 0) {
            fail("legacy queue already in use");
            return false;
        }
        write(Register::GuestPageSize, kLegacyPageSize);
        write(Register::QueueSize, size);
        write(Register::QueueAlign, kLegacyQueueAlign);
        write(Register::QueuePfn, static_cast<uint32_t>(page));
        return true;
    }
    if (read(Register::QueueReady) != 0) {
        fail("queue already in use (QueueReady set)");
        return false;
    }
    write(Register::QueueSize, size);
    write(Register::QueueDescriptorLow, static_cast<uint32_t>(addresses.descriptors));
    write(Register::QueueDescriptorHigh, static_cast<uint32_t>(addresses.descriptors >> 32));
    write(Register::QueueDriverLow, static_cast<uint32_t>(addresses.available));
    write(Register::QueueDriverHigh, static_cast<uint32_t>(addresses.available >> 32));
    write(Register::QueueDeviceLow, static_cast<uint32_t>(addresses.used));
    write(Register::QueueDeviceHigh, static_cast<uint32_t>(addresses.used >> 32));
    // The addresses must reach the device before it may start using them.
    dma_fence();
    write(Register::QueueReady, 1);
    return true;
}

void VirtioTransport::driver_ok() {
    if (failed()) return;
    // Everything set up (rings zeroed, queue registers) before the device goes live.
    dma_fence();
    add_status(status::kDriverOk);
}

uint32_t VirtioTransport::read_config32(uint32_t offset) {
    return registers_.read32(offset_of(Register::Config) + offset);
}

uint32_t VirtioTransport::config_generation() {
    // Legacy has no generation counter; its configuration is read as it is.
    return legacy() ? 0 : read(Register::ConfigGeneration);
}

void VirtioTransport::notify(uint16_t queue) {
    if (failed()) return;
    write(Register::QueueNotify, queue);
}

uint32_t VirtioTransport::acknowledge_interrupts() {
    if (version_ == 0) return 0;  // not (yet) a virtio window: touch nothing
    const uint32_t pending = read(Register::InterruptStatus);
    if (pending != 0) write(Register::InterruptAck, pending);
    if ((pending & interrupt::kConfigChange) != 0 && !legacy() &&
        (read(Register::Status) & status::kDeviceNeedsReset) != 0) {
        fail("device needs reset (DEVICE_NEEDS_RESET)");
    }
    return pending;
}

void VirtioTransport::fail(const char* reason) {
    if (failure_ == nullptr) failure_ = reason;
    if (version_ == 0) return;  // not a virtio window: write nothing to it
    add_status(status::kFailed);
}

bool VirtioTransport::reset() {
    if (version_ == 0) return false;  // not a virtio window: writing Status could mean anything
    status_ = 0;
    write(Register::Status, 0);
    if (legacy()) return true;
    // 4.2.3.1: a modern device finishes its reset when Status reads 0. Bounded: a device that
    // never does is failed rather than waited for forever.
    for (int poll = 0; poll < kResetPolls; ++poll) {
        if (read(Register::Status) == 0) return true;
    }
    fail("device did not finish its reset");
    return false;
}

}  // namespace exo::virtio
