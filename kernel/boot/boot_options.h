// Boot options: the words of the device tree's /chosen bootargs (QEMU's -append, U-Boot's
// bootargs variable):
//   exo.fast_paths=off  every fast path of the trap vector off (fast_paths.h), so the same image
//                       runs on the C++ alone; the fast/slow agreement test boots each scenario
//                       with and without it (tests/qemu/compare_paths.sh).
//   exo.cut_after_writes=K  the machine stops, as if its power were cut, at the disk interrupt
//                       that reports the K-th completed write (K from 1); the power-cut sweep
//                       boots a file-creating sequence once for every K (tests/qemu/disk_cut.sh).
#pragma once

#include <cstdint>
#include <string_view>

namespace exo {

struct BootOptions {
    bool fast_paths = true;
    uint64_t cut_after_writes = 0;  // 0: never
    uint32_t unknown = 0;  // words not understood (ignored; the boot log says so)
};

// Splits `bootargs` at spaces; never fails (an unknown or malformed word is counted).
BootOptions parse_boot_options(std::string_view bootargs);

}  // namespace exo
