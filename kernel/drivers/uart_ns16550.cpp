// NS16550A: transmit waits for the holding register to empty (LSR.THRE), then writes THR;
// receive reads RBR while LSR.DR says a byte waits. Firmware (OpenSBI) has already programmed
// the baud rate and line format.
#include "drivers/uart.h"

namespace exo {

namespace {
constexpr uintptr_t kReceiveBuffer = 0;   // read
constexpr uintptr_t kTransmitHolding = 0; // write
constexpr uintptr_t kInterruptEnable = 1;
constexpr uintptr_t kFifoControl = 2;     // write
constexpr uintptr_t kModemControl = 4;
constexpr uintptr_t kLineStatus = 5;
constexpr uint8_t kDataReady = 1 << 0;
constexpr uint8_t kTransmitHoldingEmpty = 1 << 5;
constexpr uint8_t kReceivedDataInterrupt = 1 << 0;
constexpr uint8_t kFifoEnable = 1 << 0;
constexpr uint8_t kFifoClearReceive = 1 << 1;  // (the transmit FIFO keeps what the log queued)
constexpr uint8_t kOut2 = 1 << 3;
}  // namespace

void Ns16550Uart::put(char c) const {
    while (!(registers_.read8(kLineStatus << shift_) & kTransmitHoldingEmpty)) {
    }
    registers_.write8(kTransmitHolding << shift_, static_cast<uint8_t>(c));
}

void Ns16550Uart::enable_receive_interrupt() const {
    registers_.write8(kFifoControl << shift_, kFifoEnable | kFifoClearReceive);
    registers_.write8(kModemControl << shift_, registers_.read8(kModemControl << shift_) | kOut2);
    registers_.write8(kInterruptEnable << shift_, kReceivedDataInterrupt);
}

bool Ns16550Uart::receive(uint8_t& byte) const {
    if (!(registers_.read8(kLineStatus << shift_) & kDataReady)) return false;
    byte = registers_.read8(kReceiveBuffer << shift_);
    return true;
}

}  // namespace exo
