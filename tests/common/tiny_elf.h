// A tiny static RISC-V ELF64 executable built in memory, for the host suites and the fuzzers
// (no test framework here: both include it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace exo::testing {

struct TinySegment {
    uint32_t flags;  // PF_R = 4, PF_W = 2, PF_X = 1
    uint64_t offset;
    uint64_t virtual_address;
    uint64_t file_size;
    uint64_t memory_size;
};

inline void put_little_endian(std::vector<std::byte>& bytes, uint64_t at, uint64_t value,
                              unsigned width) {
    for (unsigned i = 0; i < width; ++i) bytes[at + i] = static_cast<std::byte>(value >> (8 * i));
}

// ELF64 header (64 bytes), program headers (56 bytes each), then the segments' file bytes, which
// hold a position-dependent pattern so a test can tell which byte landed where.
inline std::vector<std::byte> build_elf(uint64_t entry, std::span<const TinySegment> segments) {
    constexpr uint64_t kPage = 4096;
    uint64_t size = 64 + 56 * segments.size();
    for (const TinySegment& segment : segments)
        size = std::max(size, segment.offset + segment.file_size);
    std::vector<std::byte> bytes(size);
    for (uint64_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>(i * 13 + 7);
    const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    for (unsigned i = 0; i < 16; ++i) bytes[i] = std::byte{ident[i]};
    put_little_endian(bytes, 16, 2, 2);    // ET_EXEC
    put_little_endian(bytes, 18, 243, 2);  // EM_RISCV
    put_little_endian(bytes, 20, 1, 4);    // EV_CURRENT
    put_little_endian(bytes, 24, entry, 8);
    put_little_endian(bytes, 32, 64, 8);   // e_phoff
    put_little_endian(bytes, 40, 0, 8);    // e_shoff
    put_little_endian(bytes, 48, 0, 4);    // e_flags
    put_little_endian(bytes, 52, 64, 2);   // e_ehsize
    put_little_endian(bytes, 54, 56, 2);   // e_phentsize
    put_little_endian(bytes, 56, segments.size(), 2);
    put_little_endian(bytes, 58, 64, 2);
    put_little_endian(bytes, 60, 0, 2);
    put_little_endian(bytes, 62, 0, 2);
    for (uint64_t i = 0; i < segments.size(); ++i) {
        uint64_t at = 64 + 56 * i;
        put_little_endian(bytes, at + 0, 1, 4);  // PT_LOAD
        put_little_endian(bytes, at + 4, segments[i].flags, 4);
        put_little_endian(bytes, at + 8, segments[i].offset, 8);
        put_little_endian(bytes, at + 16, segments[i].virtual_address, 8);
        put_little_endian(bytes, at + 24, segments[i].virtual_address, 8);
        put_little_endian(bytes, at + 32, segments[i].file_size, 8);
        put_little_endian(bytes, at + 40, segments[i].memory_size, 8);
        put_little_endian(bytes, at + 48, kPage, 8);
    }
    return bytes;
}

inline std::vector<std::byte> build_elf(uint64_t entry,
                                        std::initializer_list<TinySegment> segments) {
    return build_elf(entry, std::span<const TinySegment>(segments.begin(), segments.size()));
}

}  // namespace exo::testing
