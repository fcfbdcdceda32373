// NS16550A transmit path: wait for the holding register to empty (LSR.THRE), then write THR.
// Firmware (OpenSBI) has already programmed the baud rate and line format.
#include "drivers/uart.h"

namespace exo {

namespace {
constexpr uintptr_t kTransmitHolding = 0;
constexpr uintptr_t kLineStatus = 5;
constexpr uint8_t kTransmitHoldingEmpty = 1 << 5;
}  // namespace

void Ns16550Uart::put(char c) const {
    while (!(registers_.read8(kLineStatus << shift_) & kTransmitHoldingEmpty)) {
    }
    registers_.write8(kTransmitHolding << shift_, static_cast<uint8_t>(c));
}

}  // namespace exo
