// Ending the machine with a status code that the QEMU test runner can read.
#pragma once

#include <cstdint>

namespace exo {

// The test finisher (QEMU virt's "sifive,test1"), if the device tree has one; 0 otherwise.
void power_use_test_finisher(uintptr_t mapped_base);

// Prints "exo: exit status N" and stops the machine: SRST shutdown for status 0; for a failure,
// the test finisher (it carries the code out of QEMU), else SRST, else an SBI reboot (QEMU
// -no-reboot turns that into an exit on sifive_u, which has no SRST shutdown).
[[noreturn]] void shutdown(int status);

}  // namespace exo
