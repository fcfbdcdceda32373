// The ELF loader tests' tools: an image builder from a spec of program headers (so each test
// states the one field it breaks), the valid image the mutations start from, and comparisons.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "boot/elf_loader.h"

#include <CppUTest/TestHarness.h>

using exo::ElfError;
using exo::ElfImage;
using exo::kPageSize;
using exo::kUserMinimum;

// Lets CHECK_EQUAL print error names instead of "<no string>".
inline SimpleString StringFrom(ElfError error) {
    return SimpleString(exo::to_string(error));
}

namespace elf_loader_test {

constexpr uint32_t kPtNull = 0;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtInterp = 3;
constexpr uint32_t kPtNote = 4;
constexpr uint32_t kPtPhdr = 6;
constexpr uint32_t kPtTls = 7;
constexpr uint32_t kPtGnuStack = 0x6474e551;
constexpr uint32_t kPtRiscvAttributes = 0x70000003;
constexpr uint32_t kRead = 4;
constexpr uint32_t kWrite = 2;
constexpr uint32_t kExecute = 1;
constexpr uint64_t kUserLimit = 0x40'0000'0000; // the Sv39 lower half
constexpr uint64_t kAllOnes = ~uint64_t{0};
constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kPhdrSize = 56;

struct PhdrSpec {
    uint32_t type = kPtLoad;
    uint32_t flags = kRead;
    uint64_t offset = 0;
    uint64_t virtual_address = 0;
    uint64_t file_size = 0;
    uint64_t memory_size = 0;
    uint64_t align = kPageSize;
};

// Every field of an ELF64 header we care about, defaulting to a valid RISC-V executable.
struct ElfSpec {
    std::array<uint8_t, 16> ident{0x7f, 'E', 'L', 'F', 2 /*64*/, 1 /*LSB*/, 1 /*EV_CURRENT*/};
    uint16_t type = 2; // ET_EXEC
    uint16_t machine = 243;
    uint32_t version = 1;
    uint64_t entry = 0;
    uint64_t phdr_offset = kHeaderSize;
    uint16_t phdr_entry_size = kPhdrSize;
    std::optional<uint16_t> phdr_count; // default: headers.size()
    std::vector<PhdrSpec> headers;
    std::optional<uint64_t> image_size; // default: large enough for the table and file bytes
};

inline void put(std::vector<std::byte>& bytes, uint64_t offset, uint64_t value, unsigned width) {
    for (unsigned index = 0; index < width; ++index) {
        if (offset + index < bytes.size()) {
            bytes[offset + index] = static_cast<std::byte>(value >> (8 * index));
        }
    }
}

inline uint64_t get(const std::vector<std::byte>& bytes, uint64_t offset, unsigned width) {
    uint64_t value = 0;
    for (unsigned index = 0; index < width; ++index) {
        value |= std::to_integer<uint64_t>(bytes[offset + index]) << (8 * index);
    }
    return value;
}

inline std::vector<std::byte> build(const ElfSpec& spec) {
    // Only sane values size the default image; hostile ones must state image_size.
    constexpr uint64_t kSane = 1 << 20;
    uint64_t size = kHeaderSize;
    if (spec.phdr_offset < kSane) {
        size = std::max(size, spec.phdr_offset + spec.headers.size() * kPhdrSize);
    }
    for (const PhdrSpec& header : spec.headers) {
        if (header.offset < kSane && header.file_size < kSane) {
            size = std::max(size, header.offset + header.file_size);
        }
    }
    std::vector<std::byte> bytes(spec.image_size.value_or(size));
    for (uint64_t index = 0; index < bytes.size(); ++index) {
        bytes[index] = static_cast<std::byte>(index * 7 + 3); // stand-in for code and data
    }
    for (uint64_t index = 0; index < spec.ident.size(); ++index) {
        put(bytes, index, spec.ident[index], 1);
    }
    put(bytes, 16, spec.type, 2);
    put(bytes, 18, spec.machine, 2);
    put(bytes, 20, spec.version, 4);
    put(bytes, 24, spec.entry, 8);
    put(bytes, 32, spec.phdr_offset, 8);
    put(bytes, 40, 0, 8); // no section headers
    put(bytes, 48, 0, 4);
    put(bytes, 52, kHeaderSize, 2);
    put(bytes, 54, spec.phdr_entry_size, 2);
    put(bytes, 56, spec.phdr_count.value_or(static_cast<uint16_t>(spec.headers.size())), 2);
    put(bytes, 58, 64, 2);
    put(bytes, 60, 0, 2);
    put(bytes, 62, 0, 2);
    if (spec.phdr_offset > kSane) return bytes; // nowhere to put the table
    for (uint64_t index = 0; index < spec.headers.size(); ++index) {
        const PhdrSpec& header = spec.headers[index];
        uint64_t at = spec.phdr_offset + index * kPhdrSize;
        put(bytes, at + 0, header.type, 4);
        put(bytes, at + 4, header.flags, 4);
        put(bytes, at + 8, header.offset, 8);
        put(bytes, at + 16, header.virtual_address, 8);
        put(bytes, at + 24, header.virtual_address, 8);
        put(bytes, at + 32, header.file_size, 8);
        put(bytes, at + 40, header.memory_size, 8);
        put(bytes, at + 48, header.align, 8);
    }
    return bytes;
}

// A PT_LOAD header; the arguments go in p_flags, p_offset, p_vaddr, p_filesz, p_memsz order.
inline PhdrSpec load(uint32_t flags, uint64_t offset, uint64_t virtual_address, uint64_t file_size,
              uint64_t memory_size) {
    return {kPtLoad, flags, offset, virtual_address, file_size, memory_size, kPageSize};
}

// Like a real static link: the text segment starts at file offset 0 (covering the headers), the
// data segment is congruent mod the page and gets bss, on the next page. Entry is just past the
// program header table (64 + 4 * 56 = 0x120).
constexpr uint64_t kEntry = 0x10120;
constexpr size_t kText = 0;
constexpr size_t kData = 1;

inline ElfSpec valid_spec() {
    ElfSpec spec;
    spec.entry = kEntry;
    spec.headers = {
        load(kRead | kExecute, 0, 0x10000, 0x200, 0x200),
        load(kRead | kWrite, 0x200, 0x11200, 0x40, 0x1000),
        {.type = kPtGnuStack, .flags = kRead | kWrite, .align = 16},
        {.type = kPtRiscvAttributes,
         .flags = kRead,
         .offset = 0x240,
         .file_size = 0x20,
         .align = 1},
    };
    return spec;
}

// A header that would be refused (W+X, overlapping the text) if it were taken as PT_LOAD.
inline PhdrSpec decoy(uint32_t type) {
    PhdrSpec header = load(kRead | kWrite | kExecute, 0, 0x10000, 0x40, 0x40);
    header.type = type;
    return header;
}

inline ElfImage sentinel() {
    ElfImage image;
    image.entry = 0xdead'beef;
    image.segment_count = 77;
    image.segments[0].virtual_address = 0xfeed;
    return image;
}

inline bool same(const exo::ElfSegment& left, const exo::ElfSegment& right) {
    return left.virtual_address == right.virtual_address && left.file_offset == right.file_offset &&
           left.file_size == right.file_size && left.memory_size == right.memory_size &&
           left.readable == right.readable && left.writable == right.writable &&
           left.executable == right.executable;
}

inline bool same(const ElfImage& left, const ElfImage& right) {
    if (left.entry != right.entry || left.segment_count != right.segment_count) return false;
    for (size_t index = 0; index < left.segments.size(); ++index) {
        if (!same(left.segments[index], right.segments[index])) return false;
    }
    return true;
}

// CHECK_EQUAL evaluates its arguments again on failure, hence the result is kept first.
inline ElfImage parse_valid(const std::vector<std::byte>& bytes, uint64_t limit = kUserLimit) {
    ElfImage out;
    ElfError error = exo::parse_elf(bytes, limit, out);
    CHECK_EQUAL(ElfError::None, error);
    return out;
}

// Also pins "decode, then perform": a refused image leaves the caller's ElfImage as it was.
inline void check_refused(const std::vector<std::byte>& bytes, ElfError expected,
                   uint64_t limit = kUserLimit) {
    ElfImage out = sentinel();
    ElfError error = exo::parse_elf(bytes, limit, out);
    CHECK_EQUAL(expected, error);
    CHECK_TEXT(same(out, sentinel()), "refused image still wrote the output");
}

inline void check_refused(const ElfSpec& spec, ElfError expected, uint64_t limit = kUserLimit) {
    check_refused(build(spec), expected, limit);
}

// N PT_LOAD segments: the text one plus N - 1 bss-only ones, with a free page between each.
inline ElfSpec spec_with_loads(size_t count) {
    ElfSpec spec = valid_spec();
    spec.headers.resize(1);
    for (size_t index = 1; index < count; ++index) {
        spec.headers.push_back(load(kRead | kWrite, 0, 0x20000 + index * 0x2000, 0, 0x100));
    }
    return spec;
}

}  // namespace elf_loader_test
