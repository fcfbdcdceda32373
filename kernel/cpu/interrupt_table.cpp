// Device and interrupt-line ownership (see interrupt_table.h).
#include "cpu/interrupt_table.h"

namespace exo {

void InterruptTable::reserve_for_kernel(uint32_t line, abi::LineUse use) {
    if (line >= kMaxLines) return;
    kernel_lines_[line] = true;
    kernel_use_[line] = use;
}

void InterruptTable::add_device(abi::DeviceKind kind, AddressRange window, uint32_t line) {
    if (device_count_ == kMaxDevices || window.size == 0) return;
    devices_[device_count_++] = {kind, window, line, kNoEnvironment};
}

abi::Error InterruptTable::claim(uint32_t device, EnvironmentSlot environment) {
    if (device >= device_count_) return abi::Error::InvalidArgument;
    if (devices_[device].owner == environment) return abi::Error::Ok;
    if (devices_[device].owner != kNoEnvironment) return abi::Error::Busy;
    devices_[device].owner = environment;
    return abi::Error::Ok;
}

abi::Error InterruptTable::release(uint32_t device, EnvironmentSlot environment) {
    if (device >= device_count_) return abi::Error::InvalidArgument;
    if (devices_[device].owner != environment) return abi::Error::NotOwner;
    devices_[device].owner = kNoEnvironment;
    return abi::Error::Ok;
}

bool InterruptTable::owns_device_frame(uint64_t pfn, EnvironmentSlot environment) const {
    uint64_t address = pfn << 12;
    for (uint32_t i = 0; i < device_count_; ++i) {
        const ExportedDevice& device = devices_[i];
        uint64_t first = device.window.base & ~uint64_t{0xfff};
        if (device.owner == environment && address >= first &&
            address < device.window.base + device.window.size) {
            return true;
        }
    }
    return false;
}

bool InterruptTable::device_line_owned(uint32_t line, EnvironmentSlot environment) const {
    for (uint32_t i = 0; i < device_count_; ++i) {
        if (devices_[i].line == line && devices_[i].owner == environment) return true;
    }
    return false;
}

abi::Error InterruptTable::bind(uint32_t line, EnvironmentSlot environment) {
    if (line == 0 || line >= kMaxLines) return abi::Error::OutOfRange;
    if (kernel_lines_[line]) return abi::Error::NotPermitted;
    if (!device_line_owned(line, environment)) return abi::Error::NotOwner;
    if (line_owners_[line] != kNoEnvironment && line_owners_[line] != environment)
        return abi::Error::Busy;
    line_owners_[line] = environment;
    return abi::Error::Ok;
}

abi::Error InterruptTable::unbind(uint32_t line, EnvironmentSlot environment) {
    if (line >= kMaxLines) return abi::Error::OutOfRange;
    if (line_owners_[line] != environment) return abi::Error::NotOwner;
    line_owners_[line] = kNoEnvironment;
    return abi::Error::Ok;
}

EnvironmentSlot InterruptTable::arrive(uint32_t line) {
    if (line >= kMaxLines || line_owners_[line] == kNoEnvironment) return kNoEnvironment;
    in_flight_[line] = true;
    return line_owners_[line];
}

abi::Error InterruptTable::acknowledge(uint32_t line, EnvironmentSlot environment) {
    if (line >= kMaxLines) return abi::Error::OutOfRange;
    if (line_owners_[line] != environment) return abi::Error::NotOwner;
    if (!in_flight_[line]) return abi::Error::InvalidArgument;
    in_flight_[line] = false;
    return abi::Error::Ok;
}

}  // namespace exo
