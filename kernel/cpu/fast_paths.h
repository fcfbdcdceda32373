// Whether the trap vector's fast paths run. The boot option exo.fast_paths=off turns them all off
// before the scheduler starts (boot_options.h), so the same image runs once through the vector
// and once through the C++ alone, and tests/qemu/compare_paths.sh compares the two
// consoles: the fast paths must decide exactly what the C++ decides.
#pragma once

namespace exo {

// False: transfers, exceptions, slot ends, device interrupts and table syscalls all take the
// general path (read once, at boot, by whatever installs each fast path).
inline bool fast_paths_enabled = true;

}  // namespace exo
