// The C++ ABI hooks freestanding code still needs in the kernel: pure virtuals, global
// destructors (the kernel never exits), abort. The mem* functions are in
// lib/freestanding/memory.cpp.
#include <cstddef>

#include "boot/panic.h"

extern "C" {

void __cxa_pure_virtual() { exo::panic("pure virtual function called"); }
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;
void abort() { exo::panic("abort"); }

}  // extern "C"

void operator delete(void*) noexcept { exo::panic("operator delete in the kernel"); }
void operator delete(void*, size_t) noexcept { exo::panic("operator delete in the kernel"); }
