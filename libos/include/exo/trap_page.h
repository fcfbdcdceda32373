// This environment's trap page (abi/trap_page.h): where the kernel leaves an exception's state
// for the handler, and where the handler finds the registers to resume with.
#pragma once

#include <abi/trap_page.h>

namespace exo {

inline volatile abi::TrapPage& trap_page() {
    return *reinterpret_cast<volatile abi::TrapPage*>(abi::kTrapPageAddress);
}

}  // namespace exo
