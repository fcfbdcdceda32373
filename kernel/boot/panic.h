// Fatal kernel errors: print what happened and stop the machine with a failure status.
#pragma once

#include "arch/riscv64/trap_frame.h"

namespace exo {

[[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2)));
// A trap the kernel cannot handle: prints the cause, sepc, stval and every register.
[[noreturn]] void panic_trap(const char* why, const riscv::TrapFrame& frame);

inline constexpr int kPanicStatus = 99;

}  // namespace exo

#define KERNEL_ASSERT(condition)                                                        \
    do {                                                                                 \
        if (!(condition)) ::exo::panic("assertion failed: %s (%s:%d)", #condition,       \
                                       __FILE__, __LINE__);                              \
    } while (0)
