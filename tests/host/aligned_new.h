// Force-included into the plain host suites (tests/host/CMakeLists.txt). CppUTest's leak
// detector turns `new T` into `new(__FILE__, __LINE__) T` and declares no aligned form of that,
// so an over-aligned T (a fixture holding environment records, which are 64-byte aligned: see
// kernel/environments/environment.h, "The gate") would get unaligned memory from the detector, and
// the aligned delete the compiler pairs with it would free it as if it were the library's. These
// forms send such allocations to the library's aligned operator new, which that delete matches.
#pragma once

#include <cstddef>
#include <new>

inline void* operator new(std::size_t size, std::align_val_t alignment, const char*, int) {
    return ::operator new(size, alignment);
}
inline void* operator new[](std::size_t size, std::align_val_t alignment, const char*, int) {
    return ::operator new[](size, alignment);
}
inline void operator delete(void* pointer, std::align_val_t alignment, const char*, int) noexcept {
    ::operator delete(pointer, alignment);
}
inline void operator delete[](void* pointer, std::align_val_t alignment, const char*,
                              int) noexcept {
    ::operator delete[](pointer, alignment);
}
