// SiFive UART transmit path (FU540 manual 13.4): txdata's top bit reads 1 while the FIFO is full.
#include "drivers/uart.h"

namespace exo {

namespace {
constexpr uintptr_t kTransmitData = 0x00;
constexpr uintptr_t kTransmitControl = 0x08;
constexpr uint32_t kFull = 1u << 31;
constexpr uint32_t kTransmitEnable = 1;
}  // namespace

void SifiveUart::enable_transmit() const {
    registers_.write32(kTransmitControl, registers_.read32(kTransmitControl) | kTransmitEnable);
}

void SifiveUart::put(char c) const {
    while (registers_.read32(kTransmitData) & kFull) {
    }
    registers_.write32(kTransmitData, static_cast<uint8_t>(c));
}

}  // namespace exo
