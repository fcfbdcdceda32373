// The exported device 0 of either emulated board, driven just enough to raise its interrupt:
// QEMU virt's Goldfish RTC (an alarm) or the HiFive Unleashed's second SiFive UART (the
// transmit watermark, which is pending as soon as it is enabled on an empty FIFO).
#pragma once

#include <abi/shared_info.h>
#include <cstdint>

namespace device {

inline constexpr uint64_t kMapped = 0x50000000;  // where the owner maps the registers

inline volatile uint32_t& reg(uint64_t offset) {
    return *reinterpret_cast<volatile uint32_t*>(kMapped + offset);
}

// Goldfish RTC (QEMU hw/rtc/goldfish_rtc.c register map).
inline void rtc_alarm_soon() {
    uint64_t low = reg(0x00);  // TIME_LOW latches TIME_HIGH
    uint64_t now = uint64_t{reg(0x04)} << 32 | low;
    uint64_t alarm = now + 100'000;  // 0.1 ms
    reg(0x0c) = static_cast<uint32_t>(alarm >> 32);  // ALARM_HIGH
    reg(0x08) = static_cast<uint32_t>(alarm);        // ALARM_LOW arms it
}

// SiFive UART (FU540 manual 13): txctrl.txen with watermark 1 (ie.txwm is the enable).
inline void uart_watermark() { reg(0x08) = 1 | (1u << 16); }

// Both devices' last step is the same store: 1 to offset 0x10 (the RTC's IRQ_ENABLED, the
// UART's ie.txwm), after which the line may fire at once. A scenario that must have its
// registers in place before the interrupt makes that store itself.
inline constexpr uint64_t kEnableOffset = 0x10;

// Everything but the enabling store.
inline void prepare(abi::DeviceKind kind) {
    if (kind == abi::DeviceKind::GoldfishRtc) {
        rtc_alarm_soon();
    } else {
        uart_watermark();
    }
}

inline void trigger(abi::DeviceKind kind) {
    prepare(kind);
    reg(kEnableOffset) = 1;
}

// Quiets the source so the line can be acknowledged without firing again at once.
inline void quiet(abi::DeviceKind kind) {
    if (kind == abi::DeviceKind::GoldfishRtc) {
        reg(0x1c) = 1;  // CLEAR_INTERRUPT
    } else {
        reg(0x10) = 0;  // ie = 0
    }
}

}  // namespace device
