// Byte helpers for the file-system sources: little-endian fields of on-disk structures and the
// mem* builtins (lib/freestanding provides memcpy, memset and memcmp on the target; <cstring>
// is not part of the freestanding headers).
#pragma once

#include <cstddef>
#include <cstdint>

namespace exos::bytes {

inline void copy(void* to, const void* from, size_t count) { __builtin_memcpy(to, from, count); }
inline void fill(void* to, uint8_t value, size_t count) { __builtin_memset(to, value, count); }
inline bool equal(const void* a, const void* b, size_t count) {
    return __builtin_memcmp(a, b, count) == 0;
}

inline uint16_t le16(const uint8_t* at) { return static_cast<uint16_t>(at[0] | at[1] << 8); }
inline uint32_t le32(const uint8_t* at) {
    return static_cast<uint32_t>(at[0]) | static_cast<uint32_t>(at[1]) << 8 |
           static_cast<uint32_t>(at[2]) << 16 | static_cast<uint32_t>(at[3]) << 24;
}
inline void put16(uint8_t* at, uint16_t value) {
    at[0] = static_cast<uint8_t>(value);
    at[1] = static_cast<uint8_t>(value >> 8);
}
inline void put32(uint8_t* at, uint32_t value) {
    for (int index = 0; index < 4; ++index)
        at[index] = static_cast<uint8_t>(value >> (8 * index));
}

}  // namespace exos::bytes
