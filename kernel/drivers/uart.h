// The console UARTs: the NS16550A (QEMU virt) and the SiFive UART (FU540, FU740). Transmit is
// polled (the kernel's log must not depend on interrupts); receive is interrupt-driven: the
// kernel takes the received bytes in the UART's interrupt (console.cpp, console_input.h).
#pragma once

#include <cstdint>

#include "drivers/mmio.h"

namespace exo {

class Ns16550Uart {
public:
    Ns16550Uart(Mmio registers, unsigned register_shift)
        : registers_(registers), shift_(register_shift) {}
    void put(char c) const;
    // Interrupt on received data (IER.ERBFI), the FIFO on with a one-byte trigger, OUT2 set
    // (it gates the interrupt line on PC-style boards; QEMU ignores it).
    void enable_receive_interrupt() const;
    // The next received byte, if one waits (LSR.DR).
    bool receive(uint8_t& byte) const;

private:
    Mmio registers_;
    unsigned shift_;
};

class SifiveUart {
public:
    explicit SifiveUart(Mmio registers) : registers_(registers) {}
    void enable_transmit() const;
    void put(char c) const;
    // Receive on, watermark 0 (an interrupt while at least one byte waits), ie.rxwm set.
    void enable_receive_interrupt() const;
    bool receive(uint8_t& byte) const;

private:
    Mmio registers_;
};

}  // namespace exo
