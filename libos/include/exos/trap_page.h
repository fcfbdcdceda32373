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

// For an asm statement that reads the trap page or resumes through it: its address's upper bits
// (for lui) and the offsets of the kernel's fields, as "i" operands from abi/trap_page.h, so no
// offset is written by hand. Top-level asm takes no operands: emit such code from inside a
// function (see runtime/upcall_entries.cpp).
#define EXOS_TRAP_PAGE_OPERANDS                                                              \
    [trap_page_high] "i"(abi::kTrapPageAddress >> 12),                                      \
        [trap_page_busy] "i"(offsetof(abi::TrapPage, busy)),                                \
        [trap_page_pc] "i"(offsetof(abi::TrapPage, pc)),                                    \
        [trap_page_cause] "i"(offsetof(abi::TrapPage, cause)),                              \
        [trap_page_address] "i"(offsetof(abi::TrapPage, address)),                          \
        [trap_page_sp] "i"(offsetof(abi::TrapPage, sp)),                                    \
        [trap_page_library_os] "i"(abi::kTrapPageLibraryOsOffset)

// The last four instructions of an exception handler written in assembly (for an asm statement
// with EXOS_TRAP_PAGE_OPERANDS, by string concatenation): with every register but sp and tp as
// the faulting code is to have them and tp = kTrapPageAddress, reload sp, clear busy and jump
// back to the faulting pc, without entering the kernel (abi/trap_page.h).
#define EXOS_RESUME_THROUGH_TRAP_PAGE       \
    "ld sp, %[trap_page_sp](tp)\n"          \
    "sd zero, %[trap_page_busy](tp)\n"      \
    "ld tp, %[trap_page_pc](tp)\n"          \
    "jr tp\n"
