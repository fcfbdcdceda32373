// Copies between user memory and the kernel. The kernel never dereferences a user pointer: it
// walks the environment's own page table, requires a user mapping with the needed permission on
// every page, and copies through its direct map (so sstatus.SUM stays clear throughout).
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>

#include "kernel_state.h"

namespace exo {

abi::Error copy_from_user(KernelState& state, const Environment& environment, uint64_t source,
                          void* destination, size_t size);

}  // namespace exo
