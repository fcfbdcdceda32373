// The kernel's fault-tolerant copy (guarded_copy.S) and the decision handle_kernel_trap makes
// with it: is this trap a fault inside the copy, and if so, where does it resume. The decision is
// a pure function, so host tests check it; host builds get the labels from a fake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "csr.h"

namespace riscv {

// [begin, end) of some code, as addresses.
struct CodeRange {
    uint64_t begin = 0;
    uint64_t end = 0;
    constexpr bool contains(uint64_t pc) const { return pc >= begin && pc < end; }
};

// The causes a copy's load or store can raise (Privileged spec 12.1.8, table 22). Misaligned
// accesses are here too: firmware emulates them on QEMU, but hardware may delegate them.
constexpr bool is_data_access_fault(uint64_t scause) {
    switch (static_cast<Exception>(scause)) {
    case Exception::LoadMisaligned:
    case Exception::LoadAccessFault:
    case Exception::StoreMisaligned:
    case Exception::StoreAccessFault:
    case Exception::LoadPageFault:
    case Exception::StorePageFault: return true;
    default: return false;
    }
}

// Where a trap taken in S-mode resumes, when it is a load or store fault at a pc inside `copy`:
// `fixup`. Anything else (an interrupt, a fetch fault, an illegal instruction, a fault anywhere
// else in the kernel) gets nothing and stays the kernel's bug, which panics.
constexpr std::optional<uint64_t> guarded_copy_fixup(uint64_t scause, uint64_t pc, CodeRange copy,
                                                     uint64_t fixup) {
    if (!is_data_access_fault(scause) || !copy.contains(pc)) return std::nullopt;
    return fixup;
}

extern "C" {
#ifndef EXO_HOST
// Copies `size` bytes; false when a load or store faulted (the fault was recovered).
bool guarded_copy(void* destination, const void* source, size_t size);
#endif
// Labels in guarded_copy.S, not data: only their addresses mean anything.
extern const char guarded_copy_begin[], guarded_copy_end[], guarded_copy_fault[];
}

inline CodeRange guarded_copy_code() {
    return {reinterpret_cast<uint64_t>(guarded_copy_begin),
            reinterpret_cast<uint64_t>(guarded_copy_end)};
}

}  // namespace riscv
