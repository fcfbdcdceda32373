// This environment's trap page (abi/trap_page.h): where the kernel leaves an exception's state
// for the handler, and where the handler finds the registers to resume with.
#pragma once

#include <abi/trap_page.h>
#include <cstddef>

namespace exos {

inline volatile abi::TrapPage& trap_page() {
    return *reinterpret_cast<volatile abi::TrapPage*>(abi::kTrapPageAddress);
}

}  // namespace exos

// The last four instructions of an exception handler written in assembly (for an asm block,
// by string concatenation): with every register but sp and tp as the faulting code is to have
// them and tp = kTrapPageAddress, reload sp, clear busy and jump back to the faulting pc,
// without entering the kernel (abi/trap_page.h).
#define EXOS_RESUME_THROUGH_TRAP_PAGE \
    "ld sp, 48(tp)\n"                \
    "sd zero, 16(tp)\n"              \
    "ld tp, 24(tp)\n"                \
    "jr tp\n"
static_assert(abi::kTrapPageAddress == 0xf000);
static_assert(offsetof(abi::TrapPage, sp) == 48 && offsetof(abi::TrapPage, busy) == 16 &&
              offsetof(abi::TrapPage, pc) == 24);
