// Boot options: the words of the device tree's /chosen bootargs (QEMU's -append, U-Boot's
// bootargs variable). One today:
//   exo.fast_paths=off  every fast path of the trap vector off (fast_paths.h), so the same image
//                       runs on the C++ alone; the fast/slow agreement test boots each scenario
//                       with and without it (tests/qemu/compare_paths.sh).
#pragma once

#include <cstdint>
#include <string_view>

namespace exo {

struct BootOptions {
    bool fast_paths = true;
    uint32_t unknown = 0;  // words not understood (ignored; the boot log says so)
};

// Splits `bootargs` at spaces; never fails (an unknown or malformed word is counted).
BootOptions parse_boot_options(std::string_view bootargs);

}  // namespace exo
