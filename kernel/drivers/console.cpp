// Console output: one backend at a time, chosen at boot.
#include "drivers/console.h"

#include <cstdarg>

#include "arch/riscv64/sbi.h"
#include "drivers/uart.h"
#include "freestanding/format.h"

namespace exo {
namespace {

enum class Backend { Sbi, Ns16550, Sifive };

Backend backend = Backend::Sbi;
Ns16550Uart ns16550{Mmio{}, 0};
SifiveUart sifive{Mmio{}};

class ConsoleSink final : public CharacterSink {
public:
    void put(char c) override { console_put(c); }
};

}  // namespace

void console_use_uart(const UartInfo& uart, uintptr_t mapped_base) {
    switch (uart.kind) {
    case UartKind::Ns16550a:
        ns16550 = Ns16550Uart(Mmio(mapped_base), uart.reg_shift);
        backend = Backend::Ns16550;
        break;
    case UartKind::Sifive:
        sifive = SifiveUart(Mmio(mapped_base));
        sifive.enable_transmit();
        backend = Backend::Sifive;
        break;
    case UartKind::None: backend = Backend::Sbi; break;
    }
}

const char* console_name() {
    switch (backend) {
    case Backend::Ns16550: return "ns16550a";
    case Backend::Sifive: return "sifive,uart0";
    case Backend::Sbi: break;
    }
    return "sbi legacy console";
}

void console_put(char c) {
    if (c == '\n') console_put('\r');
    switch (backend) {
    case Backend::Ns16550: ns16550.put(c); break;
    case Backend::Sifive: sifive.put(c); break;
    case Backend::Sbi: sbi::legacy_putchar(c); break;
    }
}

void console_write(const char* text, size_t length) {
    for (size_t i = 0; i < length; ++i) console_put(text[i]);
}

bool console_enable_input() {
    switch (backend) {
    case Backend::Ns16550: ns16550.enable_receive_interrupt(); return true;
    case Backend::Sifive: sifive.enable_receive_interrupt(); return true;
    case Backend::Sbi: break;
    }
    return false;
}

uint32_t console_receive(uint8_t* bytes, uint32_t max) {
    uint32_t count = 0;
    uint8_t byte = 0;
    while (count < max) {
        bool got = false;
        switch (backend) {
        case Backend::Ns16550: got = ns16550.receive(byte); break;
        case Backend::Sifive: got = sifive.receive(byte); break;
        case Backend::Sbi: break;
        }
        if (!got) break;
        bytes[count++] = byte;
    }
    return count;
}

void kprintf(const char* format, ...) {
    ConsoleSink sink;
    va_list arguments;
    va_start(arguments, format);
    format_to(sink, format, arguments);
    va_end(arguments);
}

}  // namespace exo
