// Decodes and validates RISC-V ELF64 executables before any user memory is touched.
#include "boot/elf_loader.h"

#include <optional>

namespace exo {
namespace {

// Layout and values from the System V gABI ("ELF-64 Object File Format" 1.5): header fields sit at
// fixed offsets, so e_ehsize is not consulted; program headers are 56 bytes each.
inline constexpr uint64_t kHeaderSize = 64;
inline constexpr uint64_t kProgramHeaderSize = 56;
inline constexpr uint64_t kIdentClass = 4;
inline constexpr uint64_t kIdentData = 5;
inline constexpr uint64_t kIdentVersion = 6;
inline constexpr uint64_t kOffsetType = 16;
inline constexpr uint64_t kOffsetMachine = 18;
inline constexpr uint64_t kOffsetVersion = 20;
inline constexpr uint64_t kOffsetEntry = 24;
inline constexpr uint64_t kOffsetProgramHeaderTable = 32;
inline constexpr uint64_t kOffsetProgramHeaderSize = 54;
inline constexpr uint64_t kOffsetProgramHeaderCount = 56;

inline constexpr uint8_t kClass64 = 2;             // ELFCLASS64
inline constexpr uint8_t kDataLittleEndian = 1;    // ELFDATA2LSB
inline constexpr uint32_t kVersionCurrent = 1;     // EV_CURRENT
inline constexpr uint16_t kTypeExecutable = 2;     // ET_EXEC
inline constexpr uint16_t kMachineRiscv = 243;     // EM_RISCV
inline constexpr uint32_t kSegmentLoad = 1;        // PT_LOAD
inline constexpr uint32_t kSegmentInterpreter = 3; // PT_INTERP
inline constexpr uint32_t kFlagExecute = 1;        // PF_X
inline constexpr uint32_t kFlagWrite = 2;          // PF_W
inline constexpr uint32_t kFlagRead = 4;           // PF_R

// Byte by byte: the image may sit at any alignment, and ELFDATA2LSB fixes the byte order
// whatever the host's is.
template <typename Value>
Value read_little_endian(std::span<const std::byte> bytes, uint64_t offset) {
    uint64_t value = 0;
    for (uint64_t index = 0; index < sizeof(Value); ++index) {
        value |= std::to_integer<uint64_t>(bytes[offset + index]) << (8 * index);
    }
    return static_cast<Value>(value);
}

constexpr std::optional<uint64_t> checked_add(uint64_t left, uint64_t right) {
    uint64_t sum = 0;
    if (__builtin_add_overflow(left, right, &sum)) return std::nullopt;
    return sum;
}

constexpr uint64_t round_down_to_page(uint64_t address) {
    return address & ~(kPageSize - 1);
}

constexpr std::optional<uint64_t> round_up_to_page(uint64_t address) {
    std::optional<uint64_t> bumped = checked_add(address, kPageSize - 1);
    if (!bumped) return std::nullopt;
    return round_down_to_page(*bumped);
}

// The pages a segment maps: [begin, end). Mapping is page-grained, so this and not the byte range
// is what must stay inside the user range and apart from other segments.
struct PageRange {
    uint64_t begin;
    uint64_t end;
};

constexpr std::optional<PageRange> pages_of(uint64_t virtual_address, uint64_t memory_size) {
    std::optional<uint64_t> end = checked_add(virtual_address, memory_size);
    if (!end) return std::nullopt;
    std::optional<uint64_t> page_end = round_up_to_page(*end);
    if (!page_end) return std::nullopt;
    return PageRange{round_down_to_page(virtual_address), *page_end};
}

struct ProgramHeader {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t virtual_address;
    uint64_t file_size;
    uint64_t memory_size;
    uint64_t align;
};

ProgramHeader read_program_header(std::span<const std::byte> image, uint64_t at) {
    // p_paddr (at + 24) is meaningless for a user image and is skipped.
    return ProgramHeader{
        .type = read_little_endian<uint32_t>(image, at + 0),
        .flags = read_little_endian<uint32_t>(image, at + 4),
        .offset = read_little_endian<uint64_t>(image, at + 8),
        .virtual_address = read_little_endian<uint64_t>(image, at + 16),
        .file_size = read_little_endian<uint64_t>(image, at + 32),
        .memory_size = read_little_endian<uint64_t>(image, at + 40),
        .align = read_little_endian<uint64_t>(image, at + 48),
    };
}

ElfError check_identity(std::span<const std::byte> image) {
    if (image.size() < kHeaderSize) return ElfError::TooSmall;
    constexpr std::array<uint8_t, 4> magic{0x7f, 'E', 'L', 'F'};
    for (uint64_t index = 0; index < magic.size(); ++index) {
        if (std::to_integer<uint8_t>(image[index]) != magic[index]) return ElfError::BadMagic;
    }
    if (std::to_integer<uint8_t>(image[kIdentClass]) != kClass64) return ElfError::WrongClass;
    if (std::to_integer<uint8_t>(image[kIdentData]) != kDataLittleEndian) {
        return ElfError::WrongEndian;
    }
    if (std::to_integer<uint8_t>(image[kIdentVersion]) != kVersionCurrent ||
        read_little_endian<uint32_t>(image, kOffsetVersion) != kVersionCurrent) {
        return ElfError::WrongVersion;
    }
    if (read_little_endian<uint16_t>(image, kOffsetMachine) != kMachineRiscv) {
        return ElfError::WrongMachine;
    }
    // ET_DYN would need relocation; we load at the linked addresses only.
    if (read_little_endian<uint16_t>(image, kOffsetType) != kTypeExecutable) {
        return ElfError::WrongType;
    }
    return ElfError::None;
}

ElfError check_program_header_table(std::span<const std::byte> image) {
    uint64_t entry_size = read_little_endian<uint16_t>(image, kOffsetProgramHeaderSize);
    uint64_t count = read_little_endian<uint16_t>(image, kOffsetProgramHeaderCount);
    uint64_t table = read_little_endian<uint64_t>(image, kOffsetProgramHeaderTable);
    // The limit also refuses PN_XNUM (0xffff), the escape to a count stored in section header 0.
    if (entry_size != kProgramHeaderSize || count == 0 || count > kMaxProgramHeaders) {
        return ElfError::BadProgramHeaders;
    }
    std::optional<uint64_t> table_end = checked_add(table, count * kProgramHeaderSize);
    if (!table_end || *table_end > image.size()) return ElfError::BadProgramHeaders;
    return ElfError::None;
}

// Checks one PT_LOAD on its own; overlap with the others is checked by the caller.
ElfError check_load_segment(const ProgramHeader& header, uint64_t image_size, uint64_t user_limit) {
    std::optional<uint64_t> file_end = checked_add(header.offset, header.file_size);
    if (!file_end || *file_end > image_size) return ElfError::SegmentOutsideImage;
    // gABI: "p_filesz may not be larger than p_memsz".
    if (header.file_size > header.memory_size) return ElfError::SegmentFileLargerThanMemory;
    // gABI: p_align 0 or 1 means no constraint, otherwise a power of two with
    // p_vaddr == p_offset mod p_align. The page is the least we need, so file pages map directly.
    // Not std::has_single_bit: on rv64gc without Zbb it calls libgcc's __popcountdi2.
    if (header.align > 1 && (header.align & (header.align - 1)) != 0) {
        return ElfError::SegmentMisaligned;
    }
    uint64_t modulus = header.align > kPageSize ? header.align : kPageSize;
    if (((header.virtual_address ^ header.offset) & (modulus - 1)) != 0) {
        return ElfError::SegmentMisaligned;
    }
    std::optional<PageRange> pages = pages_of(header.virtual_address, header.memory_size);
    if (header.virtual_address < kUserMinimum || !pages || pages->end > user_limit) {
        return ElfError::SegmentOutsideUserRange;
    }
    if ((header.flags & kFlagWrite) != 0 && (header.flags & kFlagExecute) != 0) {
        return ElfError::WriteAndExecute;
    }
    // A page with no access at all cannot be a loaded leaf (Sv39 reads R=W=X=0 as a pointer).
    if ((header.flags & (kFlagRead | kFlagWrite | kFlagExecute)) == 0) {
        return ElfError::SegmentWithoutPermission;
    }
    return ElfError::None;
}

bool entry_is_executable(const ElfImage& image) {
    for (uint32_t index = 0; index < image.segment_count; ++index) {
        const ElfSegment& segment = image.segments[index];
        // end cannot wrap: check_load_segment already bounded vaddr + memsz.
        uint64_t end = segment.virtual_address + segment.memory_size;
        if (segment.executable && image.entry >= segment.virtual_address && image.entry < end) {
            return true;
        }
    }
    return false;
}

} // namespace

const char* to_string(ElfError error) {
    switch (error) {
    case ElfError::None:
        return "none";
    case ElfError::TooSmall:
        return "image smaller than an ELF64 header";
    case ElfError::BadMagic:
        return "bad ELF magic";
    case ElfError::WrongClass:
        return "not ELFCLASS64";
    case ElfError::WrongEndian:
        return "not little-endian";
    case ElfError::WrongVersion:
        return "not EV_CURRENT";
    case ElfError::WrongMachine:
        return "not EM_RISCV";
    case ElfError::WrongType:
        return "not ET_EXEC";
    case ElfError::BadProgramHeaders:
        return "bad program header table";
    case ElfError::TooManySegments:
        return "too many PT_LOAD segments";
    case ElfError::SegmentOutsideImage:
        return "segment file bytes outside the image";
    case ElfError::SegmentFileLargerThanMemory:
        return "segment p_filesz > p_memsz";
    case ElfError::SegmentMisaligned:
        return "segment misaligned";
    case ElfError::SegmentOutsideUserRange:
        return "segment outside the user range";
    case ElfError::SegmentsOverlap:
        return "segments share a page";
    case ElfError::WriteAndExecute:
        return "segment both writable and executable";
    case ElfError::EntryOutsideSegment:
        return "entry not in an executable segment";
    case ElfError::NoLoadableSegment:
        return "no loadable segment";
    case ElfError::NeedsInterpreter:
        return "needs an interpreter (PT_INTERP)";
    case ElfError::SegmentWithoutPermission:
        return "segment neither readable, writable nor executable";
    }
    return "unknown ELF error";
}

ElfError parse_elf(std::span<const std::byte> image, uint64_t user_limit, ElfImage& out) {
    if (ElfError error = check_identity(image); error != ElfError::None) return error;
    if (ElfError error = check_program_header_table(image); error != ElfError::None) return error;

    ElfImage decoded{};
    decoded.entry = read_little_endian<uint64_t>(image, kOffsetEntry);
    std::array<PageRange, kMaxSegments> pages{};
    uint64_t table = read_little_endian<uint64_t>(image, kOffsetProgramHeaderTable);
    uint64_t count = read_little_endian<uint16_t>(image, kOffsetProgramHeaderCount);

    for (uint64_t index = 0; index < count; ++index) {
        ProgramHeader header = read_program_header(image, table + index * kProgramHeaderSize);
        // Running a dynamically linked program without its interpreter would only crash later.
        if (header.type == kSegmentInterpreter) return ElfError::NeedsInterpreter;
        if (header.type != kSegmentLoad) continue;
        // An empty PT_LOAD (no file bytes, no memory) maps nothing and is ignored. One with file
        // bytes but p_memsz == 0 is not empty: it fails p_filesz <= p_memsz below.
        if (header.memory_size == 0 && header.file_size == 0) continue;
        if (ElfError error = check_load_segment(header, image.size(), user_limit);
            error != ElfError::None) {
            return error;
        }
        if (decoded.segment_count == kMaxSegments) return ElfError::TooManySegments;
        PageRange range = *pages_of(header.virtual_address, header.memory_size);
        for (uint32_t earlier = 0; earlier < decoded.segment_count; ++earlier) {
            if (range.begin < pages[earlier].end && pages[earlier].begin < range.end) {
                return ElfError::SegmentsOverlap;
            }
        }
        pages[decoded.segment_count] = range;
        decoded.segments[decoded.segment_count++] = ElfSegment{
            .virtual_address = header.virtual_address,
            .file_offset = header.offset,
            .file_size = header.file_size,
            .memory_size = header.memory_size,
            .readable = (header.flags & kFlagRead) != 0,
            .writable = (header.flags & kFlagWrite) != 0,
            .executable = (header.flags & kFlagExecute) != 0,
        };
    }
    if (decoded.segment_count == 0) return ElfError::NoLoadableSegment;
    if (!entry_is_executable(decoded)) return ElfError::EntryOutsideSegment;

    out = decoded; // the only write to caller state, after every check passed
    return ElfError::None;
}

} // namespace exo
