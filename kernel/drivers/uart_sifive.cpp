// SiFive UART (FU540 manual, chapter 13): txdata's top bit reads 1 while the transmit FIFO is
// full; rxdata's top bit reads 1 when the receive FIFO is empty, else its low byte is the next
// byte (the read takes it). ip.rxwm is set while the receive FIFO holds more than rxctrl.rxcnt.
#include "drivers/uart.h"

namespace exo {

namespace {
constexpr uintptr_t kTransmitData = 0x00;
constexpr uintptr_t kReceiveData = 0x04;
constexpr uintptr_t kTransmitControl = 0x08;
constexpr uintptr_t kReceiveControl = 0x0c;
constexpr uintptr_t kInterruptEnable = 0x10;
constexpr uint32_t kFull = 1u << 31;
constexpr uint32_t kEmpty = 1u << 31;
constexpr uint32_t kTransmitEnable = 1;
constexpr uint32_t kReceiveEnable = 1;
constexpr uint32_t kReceiveCountShift = 16;  // rxctrl.rxcnt, bits 18:16
constexpr uint32_t kReceiveWatermark = 1 << 1;  // ie.rxwm
}  // namespace

void SifiveUart::enable_transmit() const {
    registers_.write32(kTransmitControl, registers_.read32(kTransmitControl) | kTransmitEnable);
}

void SifiveUart::put(char c) const {
    while (registers_.read32(kTransmitData) & kFull) {
    }
    registers_.write32(kTransmitData, static_cast<uint8_t>(c));
}

void SifiveUart::enable_receive_interrupt() const {
    uint32_t control = registers_.read32(kReceiveControl) & ~(7u << kReceiveCountShift);
    registers_.write32(kReceiveControl, control | kReceiveEnable);  // rxcnt 0: any byte
    registers_.write32(kInterruptEnable, registers_.read32(kInterruptEnable) | kReceiveWatermark);
}

bool SifiveUart::receive(uint8_t& byte) const {
    uint32_t data = registers_.read32(kReceiveData);
    if (data & kEmpty) return false;
    byte = static_cast<uint8_t>(data);
    return true;
}

}  // namespace exo
