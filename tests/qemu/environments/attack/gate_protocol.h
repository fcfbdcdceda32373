// What the gate attack's driver and peers agree on: the commands, and the values an attacker
// would try as a callee id (every state the kernel keeps in a gate or its directory).
#pragma once

#include <cstdint>

namespace gate {

inline constexpr uint64_t kPing = 1, kChain = 2, kZero = 3, kReport = 4, kProbe = 5;
inline constexpr uint64_t kMagic = 0x6a7e5afe;

// Every environment is created once, so every id has generation 1 (the driver checks it).
inline uint64_t id_of_slot(uint64_t slot) { return (uint64_t{1} << 16) | (slot + 1); }

// 0 and the directory's stand-ins (0, 1), the dead marker (1), the serving markers (bit 62,
// bits 63 and 62), and neighbours of each.
inline constexpr uint64_t kMarkers[] = {0,
                                        1,
                                        2,
                                        63,
                                        64,
                                        65,
                                        uint64_t{1} << 62,
                                        (uint64_t{1} << 62) + 64,
                                        uint64_t{3} << 62,
                                        ~uint64_t{0},
                                        ~uint64_t{0} << 6,
                                        uint64_t{1} << 63,
                                        uint64_t{1} << 16};

// Where the kernel's records live: its image (linker/kernel.ld: the top 2 GiB, loaded at
// 0x80200000 on both QEMU boards) and the direct map's view of the same RAM, and the hart page.
inline constexpr uint64_t kKernelImage = 0xffffffff80200000;
inline constexpr uint64_t kKernelDirectMap = 0xffffffc080200000;
inline constexpr uint64_t kHartPage = 0xfffffffffffff000;
inline constexpr uint64_t kScanBytes = 2 << 20;

}  // namespace gate
