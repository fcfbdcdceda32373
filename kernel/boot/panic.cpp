// panic and panic_trap.
#include "boot/panic.h"

#include <cstdarg>

#include "arch/riscv64/csr.h"
#include "boot/power.h"
#include "drivers/console.h"
#include "freestanding/format.h"

namespace exo {
namespace {
class ConsoleSink final : public CharacterSink {
public:
    void put(char c) override { console_put(c); }
};
}  // namespace

void panic(const char* format, ...) {
    ConsoleSink sink;
    kprintf("\nexo: PANIC: ");
    va_list arguments;
    va_start(arguments, format);
    format_to(sink, format, arguments);
    va_end(arguments);
    kprintf("\n");
    shutdown(kPanicStatus);
}

void panic_trap(const char* why, const riscv::TrapFrame& frame) {
    kprintf("\nexo: PANIC: %s\n", why);
    kprintf("  scause %016lx (%s)\n  sepc   %016lx\n  stval  %016lx\n  sstatus %016lx\n",
            frame.scause, riscv::describe_cause(frame.scause), frame.pc(), frame.stval,
            frame.sstatus());
    for (int i = 1; i < 32; ++i) {
        kprintf("  %-4s %016lx%s", riscv::kRegisterNames[i], frame.x[i], i % 4 == 3 ? "\n" : "");
    }
    kprintf("\n");
    shutdown(kPanicStatus);
}

}  // namespace exo
