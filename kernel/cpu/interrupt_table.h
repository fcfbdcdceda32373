// Interrupt lines and devices exported to environments. A device the board exports can be
// claimed by one environment, which may then map its registers and bind its PLIC line; a
// bound line is masked by the kernel when it fires and unmasked by the owner's acknowledgement.
// Logic only: the kernel drives the PLIC from these decisions.
#pragma once

#include <abi/info.h>
#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <array>
#include <cstdint>

#include "boot/device_tree.h"
#include "memory/frame_table.h"

namespace exo {

struct ExportedDevice {
    abi::DeviceKind kind{};
    AddressRange window;
    uint32_t line = 0;
    EnvironmentSlot owner = kNoEnvironment;
};

class InterruptTable {
public:
    static constexpr uint32_t kMaxLines = 128;
    static constexpr uint32_t kMaxDevices = 8;

    // Lines the kernel keeps for itself (its console UART, the disk, the NIC): never bindable.
    // `use` says what for (KernelInfo's LineInfo).
    void reserve_for_kernel(uint32_t line, abi::LineUse use = abi::LineUse::Kernel);
    abi::LineUse kernel_use(uint32_t line) const {
        return line < kMaxLines ? kernel_use_[line] : abi::LineUse::None;
    }
    // An interrupt the kernel took on one of its own lines (counted for KernelInfo: the
    // console's; the disk's path is benchmarked and counts nothing).
    void count_kernel_interrupt(uint32_t line) {
        if (line < kMaxLines) ++kernel_counts_[line];
    }
    uint64_t kernel_interrupts(uint32_t line) const {
        return line < kMaxLines ? kernel_counts_[line] : 0;
    }
    void add_device(abi::DeviceKind kind, AddressRange window, uint32_t line);
    uint32_t device_count() const { return device_count_; }
    const ExportedDevice& device(uint32_t index) const { return devices_[index]; }

    abi::Error claim(uint32_t device, EnvironmentSlot environment);
    abi::Error release(uint32_t device, EnvironmentSlot environment);
    // The device whose window holds this frame, if the environment owns it.
    bool owns_device_frame(uint64_t pfn, EnvironmentSlot environment) const;

    abi::Error bind(uint32_t line, EnvironmentSlot environment);
    abi::Error unbind(uint32_t line, EnvironmentSlot environment);
    EnvironmentSlot line_owner(uint32_t line) const {
        return line < kMaxLines ? line_owners_[line] : kNoEnvironment;
    }
    // A bound line fired: mark it in flight (masked) and return its owner; kNoEnvironment (and
    // nothing marked) if nobody owns it.
    EnvironmentSlot arrive(uint32_t line);
    // The owner's acknowledgement: only of a line in flight that it owns.
    abi::Error acknowledge(uint32_t line, EnvironmentSlot environment);
    bool in_flight(uint32_t line) const { return line < kMaxLines && in_flight_[line]; }

    // Everything an environment held, for destroy: calls unmask/complete for lines in flight.
    template <typename Complete>
    void release_all(EnvironmentSlot environment, Complete&& complete) {
        for (uint32_t line = 0; line < kMaxLines; ++line) {
            if (line_owners_[line] != environment) continue;
            if (in_flight_[line]) complete(line);
            in_flight_[line] = false;
            line_owners_[line] = kNoEnvironment;
        }
        for (uint32_t i = 0; i < device_count_; ++i) {
            if (devices_[i].owner == environment) devices_[i].owner = kNoEnvironment;
        }
    }

private:
    bool device_line_owned(uint32_t line, EnvironmentSlot environment) const;

    std::array<ExportedDevice, kMaxDevices> devices_{};
    uint32_t device_count_ = 0;
    std::array<EnvironmentSlot, kMaxLines> line_owners_ = [] {
        std::array<EnvironmentSlot, kMaxLines> owners{};
        owners.fill(kNoEnvironment);
        return owners;
    }();
    std::array<bool, kMaxLines> kernel_lines_{};
    std::array<abi::LineUse, kMaxLines> kernel_use_{};
    std::array<uint64_t, kMaxLines> kernel_counts_{};
    std::array<bool, kMaxLines> in_flight_{};
};

}  // namespace exo
