// Polled console UARTs: the NS16550A (QEMU virt) and the SiFive UART (FU540, FU740).
#pragma once

#include "drivers/mmio.h"

namespace exo {

class Ns16550Uart {
public:
    Ns16550Uart(Mmio registers, unsigned register_shift)
        : registers_(registers), shift_(register_shift) {}
    void put(char c) const;

private:
    Mmio registers_;
    unsigned shift_;
};

class SifiveUart {
public:
    explicit SifiveUart(Mmio registers) : registers_(registers) {}
    void enable_transmit() const;
    void put(char c) const;

private:
    Mmio registers_;
};

}  // namespace exo
