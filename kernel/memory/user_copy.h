// Copies between user memory and the kernel. A user pointer is a claim until checked: the kernel
// never dereferences one. For every page it walks the environment's own page table, requires a
// user mapping with the needed permission, and then requires the frame behind it to be RAM the
// environment may access (its own frame, or one granted to it with that permission, per the
// frame and grant tables): never a device window, whatever the page table says. Only then does
// it copy, through its direct map (so sstatus.SUM stays clear throughout) and through
// riscv::guarded_copy, whose faults return BadAddress instead of stopping the machine.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "kernel_state.h"

namespace exo {

enum class UserAccess : uint8_t { Read, Write };

// The frame behind the user page holding `virtual_address`, when the kernel may read (or write)
// it on behalf of the space's environment; nullopt when it may not. The one check every user
// copy makes, page by page.
std::optional<uint64_t> user_page_frame(MemorySystem& memory, const AddressSpace& space,
                                        uint64_t virtual_address, UserAccess access);

// BadAddress when any byte of [source, source + size) fails user_page_frame or faults.
abi::Error copy_from_user(KernelState& state, const Environment& environment, uint64_t source,
                          void* destination, size_t size);
// The same for writing; every page is checked before the first byte is written, so a refused
// copy writes nothing (short of a recovered fault, which a checked page should never raise).
abi::Error copy_to_user(KernelState& state, const Environment& environment, uint64_t destination,
                        const void* source, size_t size);

}  // namespace exo
