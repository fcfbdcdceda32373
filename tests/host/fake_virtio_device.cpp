// The fake virtio-mmio device, its split-ring device side and its block device (the header says
// what each does). Written from the virtio 1.2 spec, independently of the driver: the legacy
// used-ring address is computed here the way a device does, not with the driver's layout code.
#include "fake_virtio_device.h"

#include <cstring>

namespace exo::virtio::test {

namespace {
constexpr uint32_t kSector = 512;

bool power_of_two(uint32_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

uint64_t align_to(uint64_t value, uint64_t alignment) {
    return alignment == 0 ? value : (value + alignment - 1) / alignment * alignment;
}
}  // namespace

const char* to_string(Transport transport) {
    return transport == Transport::Legacy ? "legacy" : "modern";
}

// ---- DMA ----

void FakeDma::allow(uint64_t phys, std::byte* host, size_t bytes) {
    ranges_.push_back({phys, host, bytes});
}

std::byte* FakeDma::find(uint64_t phys, size_t bytes) {
    for (const Range& range : ranges_) {
        if (phys >= range.phys && phys - range.phys <= range.bytes &&
            bytes <= range.bytes - (phys - range.phys)) {
            return range.host + (phys - range.phys);
        }
    }
    violations.push_back("DMA outside the allowed memory at 0x" + std::to_string(phys));
    return nullptr;
}

bool FakeDma::read(uint64_t phys, void* out, size_t bytes) {
    std::byte* source = find(phys, bytes);
    if (source == nullptr) return false;
    std::memcpy(out, source, bytes);
    return true;
}

bool FakeDma::write(uint64_t phys, const void* in, size_t bytes) {
    std::byte* target = find(phys, bytes);
    if (target == nullptr) return false;
    std::memcpy(target, in, bytes);
    return true;
}

// ---- the ring's device side ----

void FakeRing::attach(uint16_t size, const QueueAddresses& addresses) {
    size_ = size;
    addresses_ = addresses;
    next_available_ = 0;
    used_index_ = 0;
}

uint16_t FakeRing::driver_available_index() {
    uint16_t index = 0;
    dma_.read(addresses_.available + 2, &index, sizeof index);
    return index;
}

bool FakeRing::pop(Chain& chain) {
    if (!attached() || driver_available_index() == next_available_) return false;
    uint16_t head = 0;
    dma_.read(addresses_.available + 4 + 2 * static_cast<uint64_t>(next_available_ % size_), &head,
              2);
    ++next_available_;
    chain = {};
    chain.head = head;
    uint16_t index = head;
    for (uint32_t step = 0; step <= size_; ++step) {
        if (index >= size_) {
            dma_.violations.push_back("descriptor index outside the table");
            return false;
        }
        VirtqDescriptor descriptor{};
        dma_.read(addresses_.descriptors + 16 * uint64_t{index}, &descriptor, sizeof descriptor);
        chain.buffers.push_back({descriptor.address, descriptor.length,
                                 (descriptor.flags & descriptor_flag::kDeviceWritable) != 0});
        if ((descriptor.flags & descriptor_flag::kNext) == 0) return true;
        index = descriptor.next;
    }
    dma_.violations.push_back("descriptor chain loops");
    return false;
}

void FakeRing::write_used_entry(uint16_t ring_index, uint32_t id, uint32_t length) {
    const VirtqUsedElement element{id, length};
    dma_.write(addresses_.used + 4 + 8 * static_cast<uint64_t>(ring_index % size_), &element,
               sizeof element);
}

void FakeRing::set_used_index(uint16_t index) {
    used_index_ = index;
    dma_.write(addresses_.used + 2, &index, sizeof index);
}

void FakeRing::set_used_flags(uint16_t flags) {
    dma_.write(addresses_.used, &flags, sizeof flags);
}

void FakeRing::push_used(uint32_t id, uint32_t length) {
    write_used_entry(used_index_, id, length);
    set_used_index(static_cast<uint16_t>(used_index_ + 1));
}

// ---- the register file ----

FakeVirtioDevice::FakeVirtioDevice(Transport transport_kind, uint32_t id, uint64_t features)
    : transport(transport_kind),
      version(transport_kind == Transport::Legacy ? kVersionLegacy : kVersionModern), device_id(id),
      device_features(transport_kind == Transport::Modern ? features | feature::kVersion1
                                                          : features) {}

void FakeVirtioDevice::set_config32(uint32_t offset, uint32_t value) {
    std::memcpy(config.data() + offset, &value, sizeof value);
}

uint32_t FakeVirtioDevice::read32(uint32_t offset) {
    const bool legacy = transport == Transport::Legacy;
    if (offset >= offset_of(Register::Config)) {
        const uint32_t at = offset - offset_of(Register::Config);
        if (at % 4 != 0 || at + 4 > config.size()) {
            protocol_error("configuration read out of range");
            return 0;
        }
        uint32_t value = 0;
        std::memcpy(&value, config.data() + at, sizeof value);
        return value;
    }
    switch (static_cast<Register>(offset)) {
    case Register::MagicValue:
        return magic;
    case Register::Version:
        return version;
    case Register::DeviceId:
        return device_id;
    case Register::VendorId:
        return vendor_id;
    case Register::DeviceFeatures:
        if (feature_select_device_ == 0) return static_cast<uint32_t>(device_features);
        return feature_select_device_ == 1 && !legacy ? static_cast<uint32_t>(device_features >> 32)
                                                      : 0;
    case Register::QueueSizeMax:
        return queue_select < queue_count ? queue_size_max : 0;
    case Register::QueuePfn:
        if (!legacy) protocol_error("QueuePfn read on a modern device");
        return queue_pfn;
    case Register::QueueReady:
        if (legacy) protocol_error("QueueReady read on a legacy device");
        return queue_ready;
    case Register::InterruptStatus:
        return interrupt_status;
    case Register::Status:
        return finish_reset ? status : status | status::kAcknowledge;
    case Register::ConfigGeneration:
        if (legacy) protocol_error("ConfigGeneration read on a legacy device");
        return generation_changes ? config_generation++ : config_generation;
    default:
        protocol_error("read of a write-only or unknown register " + std::to_string(offset));
    }
    return 0;
}

void FakeVirtioDevice::write32(uint32_t offset, uint32_t value) {
    ++register_writes;
    const bool legacy = transport == Transport::Legacy;
    auto modern_only = [&](const char* name) {
        if (legacy) protocol_error(std::string(name) + " written on a legacy device");
        if (queue_ready != 0) protocol_error(std::string(name) + " written while the queue runs");
    };
    switch (static_cast<Register>(offset)) {
    case Register::DeviceFeaturesSelect:
        feature_select_device_ = value;
        return;
    case Register::DriverFeaturesSelect:
        if (legacy && value != 0) protocol_error("legacy DriverFeaturesSelect beyond word 0");
        feature_select_driver_ = value;
        return;
    case Register::DriverFeatures:
        if (feature_select_driver_ == 0) {
            driver_features = (driver_features & ~uint64_t{0xffffffff}) | value;
        } else if (feature_select_driver_ == 1) {
            driver_features = (driver_features & 0xffffffff) | uint64_t{value} << 32;
        }
        driver_features_written_ = true;
        return;
    case Register::GuestPageSize:
        if (!legacy) protocol_error("GuestPageSize written on a modern device");
        guest_page_size = value;
        return;
    case Register::QueueSelect:
        queue_select = value;
        // The per-queue registers now show the selected queue's; its set-up starts afresh.
        queue_ready = value < queue_count && rings[value].attached() ? 1 : 0;
        queue_addresses = value < queue_count ? rings[value].addresses() : QueueAddresses{};
        queue_pfn = queue_ready != 0 && guest_page_size != 0
                        ? static_cast<uint32_t>(queue_addresses.descriptors / guest_page_size)
                        : 0;
        return;
    case Register::QueueSize:
        if (value > queue_size_max || !power_of_two(value)) protocol_error("bad queue size");
        queue_size = value;
        return;
    case Register::QueueAlign:
        if (!legacy) protocol_error("QueueAlign written on a modern device");
        queue_align = value;
        return;
    case Register::QueuePfn: {
        if (!legacy) protocol_error("QueuePfn written on a modern device");
        queue_pfn = value;
        if (queue_select >= queue_count) {
            protocol_error("QueuePfn of a queue that does not exist");
            return;
        }
        if (value == 0) {
            rings[queue_select].detach();
            return;
        }
        if (guest_page_size == 0) protocol_error("QueuePfn before GuestPageSize");
        // The legacy device's arithmetic: the available ring follows the table, the used ring
        // starts at the next QueueAlign boundary after the available ring's entries.
        const uint64_t base = uint64_t{value} * guest_page_size;
        const uint64_t available = base + 16 * uint64_t{queue_size};
        const uint64_t used = align_to(available + 4 + 2 * uint64_t{queue_size}, queue_align);
        rings[queue_select].attach(static_cast<uint16_t>(queue_size), {base, available, used});
        return;
    }
    case Register::QueueReady:
        if (legacy) protocol_error("QueueReady written on a legacy device");
        queue_ready = value;
        if (value == 1) {
            if (queue_select >= queue_count) {
                protocol_error("QueueReady of a queue that does not exist");
                return;
            }
            const QueueAddresses& at = queue_addresses;
            if (at.descriptors % 16 != 0 || at.available % 2 != 0 || at.used % 4 != 0) {
                protocol_error("misaligned queue part");
            }
            rings[queue_select].attach(static_cast<uint16_t>(queue_size), at);
        }
        return;
    case Register::QueueDescriptorLow:
        modern_only("QueueDescLow");
        queue_addresses.descriptors = (queue_addresses.descriptors & ~0xffffffffull) | value;
        return;
    case Register::QueueDescriptorHigh:
        modern_only("QueueDescHigh");
        queue_addresses.descriptors = (queue_addresses.descriptors & 0xffffffff) | uint64_t{value}
                                                                                       << 32;
        return;
    case Register::QueueDriverLow:
        modern_only("QueueDriverLow");
        queue_addresses.available = (queue_addresses.available & ~0xffffffffull) | value;
        return;
    case Register::QueueDriverHigh:
        modern_only("QueueDriverHigh");
        queue_addresses.available = (queue_addresses.available & 0xffffffff) | uint64_t{value}
                                                                                   << 32;
        return;
    case Register::QueueDeviceLow:
        modern_only("QueueDeviceLow");
        queue_addresses.used = (queue_addresses.used & ~0xffffffffull) | value;
        return;
    case Register::QueueDeviceHigh:
        modern_only("QueueDeviceHigh");
        queue_addresses.used = (queue_addresses.used & 0xffffffff) | uint64_t{value} << 32;
        return;
    case Register::QueueNotify:
        ++notifications;
        if ((status & status::kDriverOk) == 0) protocol_error("notify before DRIVER_OK");
        if (value >= queue_count) protocol_error("notify of a queue that does not exist");
        if (value == 0 && on_notify) on_notify();
        if (on_notify_queue) on_notify_queue(value);
        return;
    case Register::InterruptAck:
        interrupt_status &= ~value;
        return;
    case Register::Status:
        write_status(value);
        return;
    default:
        protocol_error("write of a read-only or unknown register " + std::to_string(offset));
    }
}

void FakeVirtioDevice::write_status(uint32_t value) {
    if (value == 0) {
        ++resets;
        status = 0;
        driver_features = 0;
        driver_features_written_ = false;
        queue_size = queue_pfn = queue_ready = 0;
        queue_addresses = {};
        interrupt_status = 0;
        for (FakeRing& each : rings) each.detach();
        return;
    }
    const bool legacy = transport == Transport::Legacy;
    const uint32_t added = value & ~status;
    if ((value & status) != status) protocol_error("a status bit was cleared without a reset");
    if ((added & status::kDriver) && !(value & status::kAcknowledge)) {
        protocol_error("DRIVER before ACKNOWLEDGE");
    }
    if (added & status::kFeaturesOk) {
        if (legacy) protocol_error("FEATURES_OK on a legacy device");
        if (!driver_features_written_) protocol_error("FEATURES_OK before the features");
        if ((driver_features & ~device_features) != 0) protocol_error("feature not offered");
        if (!keep_features_ok) value &= ~status::kFeaturesOk;
    }
    if (added & status::kDriverOk) {
        if (!legacy && !(value & status::kFeaturesOk))
            protocol_error("DRIVER_OK before FEATURES_OK");
        if (legacy && (driver_features & ~device_features) != 0) {
            protocol_error("feature not offered");
        }
        if (!(value & status::kDriver)) protocol_error("DRIVER_OK before DRIVER");
    }
    status = value;
}

// ---- the block device ----

FakeBlockDevice::FakeBlockDevice(Transport transport, uint64_t sectors, uint64_t features)
    : device(transport, kDeviceIdBlock, features), disk(sectors * kSector) {
    for (size_t i = 0; i < disk.size(); ++i)
        disk[i] = static_cast<uint8_t>(i * 7 + i / 512);
    device.set_config32(0, static_cast<uint32_t>(sectors));
    device.set_config32(4, static_cast<uint32_t>(sectors >> 32));
    device.set_config32(8, 4096);       // size_max
    device.set_config32(12, 254);       // seg_max, as QEMU (queue size - 2)
    device.set_config32(20, 512);       // blk_size
    device.set_config32(36, 0x3fffff);  // max_discard_sectors
    device.set_config32(40, 1);         // max_discard_seg
    device.on_notify = [this] {
        if (complete_on_notify) serve();
    };
}

uint32_t FakeBlockDevice::requests_seen(uint32_t type) const {
    uint32_t count = 0;
    for (uint32_t seen : types_seen)
        count += seen == type;
    return count;
}

uint32_t FakeBlockDevice::perform(const FakeRing::Chain& chain, uint32_t& written) {
    constexpr uint32_t kIoError = 1, kUnsupported = 2;
    const size_t count = chain.buffers.size();
    const FakeRing::Buffer& header_buffer = chain.buffers.front();
    if (count < 2 || header_buffer.writable || header_buffer.length != 16 ||
        !chain.buffers.back().writable || chain.buffers.back().length != 1) {
        device.protocol_errors.push_back("block request of the wrong shape");
        return kIoError;
    }
    struct {
        uint32_t type, reserved;
        uint64_t sector;
    } header{};
    device.dma.read(header_buffer.phys, &header, sizeof header);
    types_seen.push_back(header.type);
    uint64_t data_bytes = 0;
    for (size_t i = 1; i + 1 < count; ++i)
        data_bytes += chain.buffers[i].length;
    if (header.type == 0 || header.type == 1) {
        const bool read = header.type == 0;
        for (size_t i = 1; i + 1 < count; ++i) {
            if (chain.buffers[i].writable != read) {
                device.protocol_errors.push_back("data buffer with the wrong direction");
                return kIoError;
            }
        }
        if (data_bytes % kSector != 0 || header.sector > disk.size() / kSector ||
            data_bytes > disk.size() - header.sector * kSector) {
            return kIoError;
        }
        uint64_t at = header.sector * kSector;
        for (size_t i = 1; i + 1 < count; ++i) {
            const FakeRing::Buffer& buffer = chain.buffers[i];
            if (read) {
                device.dma.write(buffer.phys, disk.data() + at, buffer.length);
                written += buffer.length;
            } else {
                device.dma.read(buffer.phys, disk.data() + at, buffer.length);
            }
            at += buffer.length;
        }
        return 0;
    }
    if (header.type == 4) return count == 2 ? 0 : kIoError;
    if (header.type == 11) {
        if (count != 3 || chain.buffers[1].writable || chain.buffers[1].length != 16) {
            device.protocol_errors.push_back("discard without one 16-byte range");
            return kIoError;
        }
        struct {
            uint64_t sector;
            uint32_t sectors, flags;
        } range{};
        device.dma.read(chain.buffers[1].phys, &range, sizeof range);
        if (range.sector > disk.size() / kSector ||
            range.sectors > disk.size() / kSector - range.sector) {
            return kIoError;
        }
        std::memset(disk.data() + range.sector * kSector, 0, uint64_t{range.sectors} * kSector);
        return 0;
    }
    return kUnsupported;
}

uint32_t FakeBlockDevice::serve() {
    uint32_t served = 0;
    FakeRing::Chain chain;
    while (device.ring.pop(chain)) {
        uint32_t written = 0;
        uint32_t status = perform(chain, written);
        if (forced_status >= 0) status = static_cast<uint32_t>(forced_status);
        if (!skip_status) {
            const uint8_t byte = static_cast<uint8_t>(status);
            device.dma.write(chain.buffers.back().phys, &byte, 1);
            written += 1;
        }
        device.ring.push_used(chain.head, written);
        ++served;
    }
    if (served != 0) device.raise(interrupt::kUsedBuffer);
    return served;
}

}  // namespace exo::virtio::test
