// An environment: a protection domain with its own Sv39 address space, running in U-mode.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>
#include <span>

#include "arch/riscv64/trap_frame.h"
#include "boot_memory.h"

namespace exo {

inline constexpr uint64_t kUserStackTop = 0x3ffffff000;  // one unmapped page below 2^38
inline constexpr uint64_t kUserStackPages = 4;

struct Environment {
    riscv::TrapFrame frame;  // where trap_entry saves the registers while the kernel runs
    uint64_t root_pfn = 0;
    uint16_t asid = 0;
    char name[24] = {};
};

// Builds an address space for the ELF image (segments plus a stack), ready to enter at its entry.
abi::Error load_environment(Environment& environment, const char* name,
                            std::span<const std::byte> image, BootMemory& memory);

uint64_t environment_satp(const Environment& environment);

// Copies user bytes out through the kernel's direct map after checking every page is mapped
// user-readable in the environment's own table: the kernel never dereferences a user pointer.
abi::Error copy_from_user(const Environment& environment, uint64_t user_address, void* destination,
                          size_t size);

}  // namespace exo
