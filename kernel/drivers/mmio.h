// Device register access. Drivers take an Mmio so host tests can hand them a fake window.
#pragma once

#include <cstdint>

namespace exo {

class Mmio {
public:
    Mmio() = default;
    explicit Mmio(uintptr_t base) : base_(base) {}
    bool present() const { return base_ != 0; }

    // volatile: every access is a device access, in program order, never merged or elided.
    uint32_t read32(uintptr_t offset) const {
        return *reinterpret_cast<volatile uint32_t*>(base_ + offset);
    }
    void write32(uintptr_t offset, uint32_t value) const {
        *reinterpret_cast<volatile uint32_t*>(base_ + offset) = value;
    }
    uint8_t read8(uintptr_t offset) const {
        return *reinterpret_cast<volatile uint8_t*>(base_ + offset);
    }
    void write8(uintptr_t offset, uint8_t value) const {
        *reinterpret_cast<volatile uint8_t*>(base_ + offset) = value;
    }

private:
    uintptr_t base_ = 0;
};

}  // namespace exo
