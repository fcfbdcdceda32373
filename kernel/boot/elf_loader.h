// ELF64 executable validation for user environments: checks an image, lists its PT_LOAD segments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace exo {

inline constexpr uint64_t kPageSize = 4096;

// Dense on purpose: one value per reason an image is refused, so tests can pin the exact check.
enum class ElfError : uint8_t {
    None,
    TooSmall,                    // shorter than the 64-byte ELF64 header
    BadMagic,                    // e_ident[0..3] is not 0x7f 'E' 'L' 'F'
    WrongClass,                  // not ELFCLASS64
    WrongEndian,                 // not ELFDATA2LSB
    WrongVersion,                // EI_VERSION or e_version is not EV_CURRENT
    WrongMachine,                // not EM_RISCV (243)
    WrongType,                   // not ET_EXEC: no relocation, so no ET_DYN / PIE
    BadProgramHeaders,           // phentsize != 56, table outside the image, count 0 or > limit
    TooManySegments,             // more than kMaxSegments PT_LOAD segments
    SegmentOutsideImage,         // file bytes [offset, offset + filesz) beyond the image
    SegmentFileLargerThanMemory, // p_filesz > p_memsz
    SegmentMisaligned,           // vaddr, offset not congruent mod page, or p_align not 2^n
    SegmentOutsideUserRange,     // below kUserMinimum, past user_limit, or wrapping 2^64
    SegmentsOverlap,             // two PT_LOAD segments share a page
    WriteAndExecute,             // a segment both writable and executable (W^X)
    EntryOutsideSegment,         // e_entry not inside an executable PT_LOAD segment
    NoLoadableSegment,           // no PT_LOAD segment with memory
    NeedsInterpreter,            // has PT_INTERP: dynamically linked, we load static images only
    SegmentWithoutPermission,    // p_flags has none of R, W, X
};

const char* to_string(ElfError error);

// One PT_LOAD segment as the file states it. The flags are not adjusted: Sv39 reserves W without
// R (Privileged spec 4.3.1), so the mapper must treat a writable segment as readable too.
struct ElfSegment {
    uint64_t virtual_address;
    uint64_t file_offset;
    uint64_t file_size;   // bytes copied from the image
    uint64_t memory_size; // >= file_size; the rest is zero-filled (bss)
    bool readable, writable, executable;
};

inline constexpr uint32_t kMaxSegments = 8;
// Bound on e_phnum, so a hostile header cannot make the kernel walk 65535 entries. A static
// executable has fewer than a dozen (PHDR, LOADs, TLS, NOTE, GNU_STACK, RISCV_ATTRIBUTES...).
inline constexpr uint32_t kMaxProgramHeaders = 64;

struct ElfImage {
    uint64_t entry = 0;
    std::array<ElfSegment, kMaxSegments> segments{};
    uint32_t segment_count = 0;
};

inline constexpr uint64_t kUserMinimum = 0x10000; // page 0..15 stay unmapped so null derefs fault

// Validates `image` as a statically linked RISC-V ELF64 executable whose PT_LOAD segments lie in
// [kUserMinimum, user_limit). Only PT_LOAD segments are collected; other types (PT_NOTE,
// PT_GNU_STACK, PT_RISCV_ATTRIBUTES...) are ignored, except PT_INTERP which is refused.
// Segments keep file order. All checks happen before `out` is written (decode, then perform):
// on any error `out` is left untouched.
[[nodiscard]] ElfError parse_elf(std::span<const std::byte> image, uint64_t user_limit,
                                 ElfImage& out);

} // namespace exo
