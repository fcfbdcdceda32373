// The kernel's shared info page, as this environment sees it (read-only).
#pragma once

#include <abi/shared_info.h>

namespace exos {

inline const volatile abi::SharedInfo& shared_info() {
    // volatile: the kernel writes it between any two instructions of ours (upcalls, preemption).
    return *reinterpret_cast<const volatile abi::SharedInfo*>(abi::kSharedInfoAddress);
}

}  // namespace exos
