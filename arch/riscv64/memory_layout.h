// Where the kernel lives in every address space (the upper half of Sv39). Boards choose physical
// addresses; this file only fixes the virtual ones.
#pragma once

#include <cstdint>

namespace layout {

// All physical memory (RAM and device windows) is mapped at kDirectMapBase + physical address.
inline constexpr uint64_t kDirectMapBase = 0xffffffc000000000;
inline constexpr uint64_t kDirectMapSize = 254ull << 30;
// The kernel image runs in the top 2 GiB (so -mcmodel=medany reaches all of it); the gigabyte of
// RAM that holds the load address maps at kKernelImageBase.
inline constexpr uint64_t kKernelImageBase = 0xffffffff80000000;
// How much of the direct map boot.S builds before the kernel's own page table exists: enough to
// reach the device tree, the UART and early RAM.
inline constexpr uint64_t kBootDirectMapGigabytes = 4;

// Pages for code the kernel generates at run time (the packet filters' classifier, kernel/net/
// filter/filter_code_target.cpp): the start of the top gigabyte, whose root entry exists from
// boot (the hart page's), so every address space shares the window's tables. kernel_memory_init
// maps them read-only; after that they are readable, or readable and executable, never
// writable: their code is written through the direct map while they are not executable.
inline constexpr uint64_t kGeneratedCodeBase = 0xffffffffc0000000;
inline constexpr uint64_t kGeneratedCodePages = 16;

inline constexpr uint64_t direct_map(uint64_t physical) { return kDirectMapBase + physical; }

}  // namespace layout
