// Host tests for kernel/elf_loader: valid images, one mutation per refusal, and a mutation sweep.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "elf_loader.h"

#include <CppUTest/TestHarness.h>

using exo::ElfError;
using exo::ElfImage;
using exo::kPageSize;
using exo::kUserMinimum;

// Lets CHECK_EQUAL print error names instead of "<no string>".
static SimpleString StringFrom(ElfError error) {
    return SimpleString(exo::to_string(error));
}

namespace {

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

void put(std::vector<std::byte>& bytes, uint64_t offset, uint64_t value, unsigned width) {
    for (unsigned index = 0; index < width; ++index) {
        if (offset + index < bytes.size()) {
            bytes[offset + index] = static_cast<std::byte>(value >> (8 * index));
        }
    }
}

uint64_t get(const std::vector<std::byte>& bytes, uint64_t offset, unsigned width) {
    uint64_t value = 0;
    for (unsigned index = 0; index < width; ++index) {
        value |= std::to_integer<uint64_t>(bytes[offset + index]) << (8 * index);
    }
    return value;
}

std::vector<std::byte> build(const ElfSpec& spec) {
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
PhdrSpec load(uint32_t flags, uint64_t offset, uint64_t virtual_address, uint64_t file_size,
              uint64_t memory_size) {
    return {kPtLoad, flags, offset, virtual_address, file_size, memory_size, kPageSize};
}

// Like a real static link: the text segment starts at file offset 0 (covering the headers), the
// data segment is congruent mod the page and gets bss, on the next page. Entry is just past the
// program header table (64 + 4 * 56 = 0x120).
constexpr uint64_t kEntry = 0x10120;
constexpr size_t kText = 0;
constexpr size_t kData = 1;

ElfSpec valid_spec() {
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
PhdrSpec decoy(uint32_t type) {
    PhdrSpec header = load(kRead | kWrite | kExecute, 0, 0x10000, 0x40, 0x40);
    header.type = type;
    return header;
}

ElfImage sentinel() {
    ElfImage image;
    image.entry = 0xdead'beef;
    image.segment_count = 77;
    image.segments[0].virtual_address = 0xfeed;
    return image;
}

bool same(const exo::ElfSegment& left, const exo::ElfSegment& right) {
    return left.virtual_address == right.virtual_address && left.file_offset == right.file_offset &&
           left.file_size == right.file_size && left.memory_size == right.memory_size &&
           left.readable == right.readable && left.writable == right.writable &&
           left.executable == right.executable;
}

bool same(const ElfImage& left, const ElfImage& right) {
    if (left.entry != right.entry || left.segment_count != right.segment_count) return false;
    for (size_t index = 0; index < left.segments.size(); ++index) {
        if (!same(left.segments[index], right.segments[index])) return false;
    }
    return true;
}

// CHECK_EQUAL evaluates its arguments again on failure, hence the result is kept first.
ElfImage parse_valid(const std::vector<std::byte>& bytes, uint64_t limit = kUserLimit) {
    ElfImage out;
    ElfError error = exo::parse_elf(bytes, limit, out);
    CHECK_EQUAL(ElfError::None, error);
    return out;
}

// Also pins "decode, then perform": a refused image leaves the caller's ElfImage as it was.
void check_refused(const std::vector<std::byte>& bytes, ElfError expected,
                   uint64_t limit = kUserLimit) {
    ElfImage out = sentinel();
    ElfError error = exo::parse_elf(bytes, limit, out);
    CHECK_EQUAL(expected, error);
    CHECK_TEXT(same(out, sentinel()), "refused image still wrote the output");
}

void check_refused(const ElfSpec& spec, ElfError expected, uint64_t limit = kUserLimit) {
    check_refused(build(spec), expected, limit);
}

// N PT_LOAD segments: the text one plus N - 1 bss-only ones, with a free page between each.
ElfSpec spec_with_loads(size_t count) {
    ElfSpec spec = valid_spec();
    spec.headers.resize(1);
    for (size_t index = 1; index < count; ++index) {
        spec.headers.push_back(load(kRead | kWrite, 0, 0x20000 + index * 0x2000, 0, 0x100));
    }
    return spec;
}

} // namespace

TEST_GROUP(ElfLoader){};

TEST(ElfLoader, ValidTwoSegmentImageParses) {
    ElfImage image = parse_valid(build(valid_spec()));
    CHECK_EQUAL(kEntry, image.entry);
    CHECK_EQUAL(2u, image.segment_count);
    const exo::ElfSegment& text = image.segments[0];
    CHECK_EQUAL(0x10000u, text.virtual_address);
    CHECK_EQUAL(0u, text.file_offset);
    CHECK_EQUAL(0x200u, text.file_size);
    CHECK_EQUAL(0x200u, text.memory_size);
    CHECK(text.readable && !text.writable && text.executable);
    const exo::ElfSegment& data = image.segments[1];
    CHECK_EQUAL(0x11200u, data.virtual_address);
    CHECK_EQUAL(0x200u, data.file_offset);
    CHECK_EQUAL(0x40u, data.file_size);
    CHECK_EQUAL(0x1000u, data.memory_size); // bss: memsz > filesz
    CHECK(data.readable && data.writable && !data.executable);
}

TEST(ElfLoader, NonLoadHeadersAreSkipped) {
    ElfSpec spec = valid_spec();
    for (uint32_t type : {kPtNull, kPtPhdr, kPtNote, kPtTls, kPtGnuStack, kPtRiscvAttributes}) {
        spec.headers.insert(spec.headers.begin() + 1, decoy(type));
    }
    spec.headers.push_back(decoy(kPtNote));
    ElfImage image = parse_valid(build(spec));
    CHECK_EQUAL(2u, image.segment_count);
    CHECK(same(parse_valid(build(valid_spec())), image));
}

TEST(ElfLoader, SegmentsKeepFileOrder) {
    ElfSpec spec = valid_spec();
    std::swap(spec.headers[kText], spec.headers[kData]);
    ElfImage image = parse_valid(build(spec));
    CHECK_EQUAL(2u, image.segment_count);
    CHECK_EQUAL(0x11200u, image.segments[0].virtual_address);
    CHECK_EQUAL(0x10000u, image.segments[1].virtual_address);
}

TEST(ElfLoader, EmptyLoadSegmentIsIgnored) {
    ElfSpec spec = valid_spec();
    // Would be refused on every other count (address 0, W+X) if it were checked.
    spec.headers.push_back({.flags = kWrite | kExecute, .offset = 0x123, .align = 3});
    ElfImage image = parse_valid(build(spec));
    CHECK_EQUAL(2u, image.segment_count);
}

TEST(ElfLoader, MaximumSegmentCountIsAccepted) {
    ElfImage image = parse_valid(build(spec_with_loads(exo::kMaxSegments)));
    CHECK_EQUAL(exo::kMaxSegments, image.segment_count);
    CHECK_EQUAL(0x20000u + (exo::kMaxSegments - 1) * 0x2000, image.segments[7].virtual_address);
}

TEST(ElfLoader, MaximumProgramHeaderCountIsAccepted) {
    ElfSpec spec = valid_spec();
    spec.headers.resize(exo::kMaxProgramHeaders, PhdrSpec{.type = kPtNote});
    CHECK_EQUAL(2u, parse_valid(build(spec)).segment_count);
}

TEST(ElfLoader, AlignmentZeroOneAndLargePowerOfTwoAreAccepted) {
    ElfSpec spec = valid_spec();
    spec.headers[kText].align = 0x10000; // 0x10000 == 0 mod 0x10000
    spec.headers[kData].align = 1;
    parse_valid(build(spec));
    spec.headers[kData].align = 0;
    parse_valid(build(spec));
}

TEST(ElfLoader, SegmentEndingAtUserLimitIsAccepted) {
    ElfSpec spec = valid_spec();
    spec.headers[kData].virtual_address = kUserLimit - 0x1000 + 0x200;
    spec.headers[kData].memory_size = 0xe00;
    CHECK_EQUAL(kUserLimit, parse_valid(build(spec)).segments[1].virtual_address + 0xe00);
}

TEST(ElfLoader, ImageAtOddAddressParses) {
    // The parser must read fields bytewise: a misaligned copy of the image parses the same.
    std::vector<std::byte> bytes = build(valid_spec());
    std::vector<std::byte> shifted(bytes.size() + 1);
    std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
    ElfImage image;
    ElfError error =
        exo::parse_elf(std::span<const std::byte>(shifted).subspan(1), kUserLimit, image);
    CHECK_EQUAL(ElfError::None, error);
    CHECK(same(parse_valid(bytes), image));
}

TEST(ElfLoader, EveryErrorHasItsOwnName) {
    constexpr int kLast = static_cast<int>(ElfError::SegmentWithoutPermission);
    for (int first = 0; first <= kLast; ++first) {
        const char* name = exo::to_string(static_cast<ElfError>(first));
        CHECK(name != nullptr && name[0] != '\0');
        for (int second = 0; second < first; ++second) {
            CHECK(SimpleString(name) !=
                  SimpleString(exo::to_string(static_cast<ElfError>(second))));
        }
    }
}

TEST_GROUP(ElfLoaderHostile){};

TEST(ElfLoaderHostile, EmptyImage) {
    check_refused(std::vector<std::byte>{}, ElfError::TooSmall);
}

TEST(ElfLoaderHostile, EveryTruncatedHeaderLength) {
    std::vector<std::byte> bytes = build(valid_spec());
    for (size_t length = 0; length < kHeaderSize; ++length) {
        check_refused(std::vector<std::byte>(bytes.begin(), bytes.begin() + length),
                      ElfError::TooSmall);
    }
}

TEST(ElfLoaderHostile, EveryTruncatedProgramHeaderTableLength) {
    std::vector<std::byte> bytes = build(valid_spec());
    for (size_t length = kHeaderSize; length < kHeaderSize + 4 * kPhdrSize; ++length) {
        check_refused(std::vector<std::byte>(bytes.begin(), bytes.begin() + length),
                      ElfError::BadProgramHeaders);
    }
}

TEST(ElfLoaderHostile, BadMagic) {
    for (size_t index = 0; index < 4; ++index) {
        ElfSpec spec = valid_spec();
        spec.ident[index] ^= 0x20;
        check_refused(spec, ElfError::BadMagic);
    }
}

TEST(ElfLoaderHostile, WrongClass) {
    ElfSpec spec = valid_spec();
    spec.ident[4] = 1; // ELFCLASS32
    check_refused(spec, ElfError::WrongClass);
    spec.ident[4] = 0; // ELFCLASSNONE
    check_refused(spec, ElfError::WrongClass);
}

TEST(ElfLoaderHostile, BigEndian) {
    ElfSpec spec = valid_spec();
    spec.ident[5] = 2; // ELFDATA2MSB
    check_refused(spec, ElfError::WrongEndian);
}

TEST(ElfLoaderHostile, WrongVersion) {
    ElfSpec spec = valid_spec();
    spec.ident[6] = 0;
    check_refused(spec, ElfError::WrongVersion);
    spec = valid_spec();
    spec.version = 2;
    check_refused(spec, ElfError::WrongVersion);
}

TEST(ElfLoaderHostile, WrongMachine) {
    ElfSpec spec = valid_spec();
    spec.machine = 62; // EM_X86_64
    check_refused(spec, ElfError::WrongMachine);
}

TEST(ElfLoaderHostile, NotAnExecutable) {
    ElfSpec spec = valid_spec();
    spec.type = 3; // ET_DYN
    check_refused(spec, ElfError::WrongType);
    spec.type = 1; // ET_REL
    check_refused(spec, ElfError::WrongType);
}

TEST(ElfLoaderHostile, WrongProgramHeaderEntrySize) {
    for (uint16_t size : {0, 32 /* Elf32_Phdr */, 55, 57, 64}) {
        ElfSpec spec = valid_spec();
        spec.phdr_entry_size = size;
        check_refused(spec, ElfError::BadProgramHeaders);
    }
}

TEST(ElfLoaderHostile, ProgramHeaderTablePastTheEnd) {
    ElfSpec spec = valid_spec();
    spec.image_size = 0x260;
    spec.phdr_offset = 0x260 - 4 * kPhdrSize; // control: the table ends with the image
    parse_valid(build(spec));
    spec.phdr_offset += 1; // one byte past the end
    check_refused(spec, ElfError::BadProgramHeaders);
    spec.phdr_offset = kAllOnes - 0x20; // phoff + table wraps to a small number
    check_refused(spec, ElfError::BadProgramHeaders);
}

TEST(ElfLoaderHostile, ProgramHeaderCountZeroOrHuge) {
    ElfSpec spec = valid_spec();
    spec.phdr_count = 0;
    check_refused(spec, ElfError::BadProgramHeaders);
    spec.phdr_count = 0xffff; // PN_XNUM
    check_refused(spec, ElfError::BadProgramHeaders);
    // One over the limit, with the whole table inside the image: the limit itself refuses it.
    spec = valid_spec();
    spec.headers.resize(exo::kMaxProgramHeaders + 1, PhdrSpec{.type = kPtNote});
    check_refused(spec, ElfError::BadProgramHeaders);
}

TEST(ElfLoaderHostile, SegmentFileBytesPastTheImage) {
    ElfSpec spec = valid_spec();
    spec.image_size = 0x260;
    spec.headers[kData].file_size = 0x60; // exactly to the end: fine
    parse_valid(build(spec));
    spec.headers[kData].file_size = 0x61;
    check_refused(spec, ElfError::SegmentOutsideImage);
    spec.headers[kData].file_size = 0x40;
    spec.headers[kData].offset = 0x1200; // congruent, but far past the end
    check_refused(spec, ElfError::SegmentOutsideImage);
}

TEST(ElfLoaderHostile, OffsetPlusFileSizeOverflows) {
    ElfSpec spec = valid_spec();
    spec.image_size = 0x260;
    spec.headers[kData].offset = kAllOnes - 0xfff + 0x200; // still congruent with 0x11200
    spec.headers[kData].file_size = 0x1000;                // offset + filesz wraps to 0x200
    check_refused(spec, ElfError::SegmentOutsideImage);
}

TEST(ElfLoaderHostile, FileSizeLargerThanMemorySize) {
    ElfSpec spec = valid_spec();
    spec.headers[kData].memory_size = 0x3f;
    check_refused(spec, ElfError::SegmentFileLargerThanMemory);
    spec.headers[kData].memory_size = 0; // file bytes and no memory is not an "empty" segment
    check_refused(spec, ElfError::SegmentFileLargerThanMemory);
}

TEST(ElfLoaderHostile, VirtualAddressBelowUserMinimum) {
    ElfSpec spec = valid_spec();
    spec.headers[kText].virtual_address = kUserMinimum - kPageSize;
    spec.entry = kUserMinimum - kPageSize + 0x120;
    check_refused(spec, ElfError::SegmentOutsideUserRange);
    spec.headers[kText].virtual_address = 0;
    spec.entry = 0x120;
    check_refused(spec, ElfError::SegmentOutsideUserRange);
}

TEST(ElfLoaderHostile, SegmentPastUserLimit) {
    ElfSpec spec = valid_spec();
    spec.headers[kData].virtual_address = kUserLimit - 0x1000 + 0x200;
    spec.headers[kData].memory_size = 0xe01; // one byte into the page at the limit
    check_refused(spec, ElfError::SegmentOutsideUserRange);
    // A limit that is not page aligned: the last byte (limit - 1) fits, but its page does not.
    spec.headers[kData].memory_size = 0xdff;
    check_refused(spec, ElfError::SegmentOutsideUserRange, kUserLimit - 1);
}

TEST(ElfLoaderHostile, VirtualAddressPlusMemorySizeWraps) {
    // With the limit at 2^64 - 1 only the overflow checks stand between these and acceptance.
    ElfSpec spec = valid_spec();
    spec.headers[kData].virtual_address = kAllOnes - 0x1fff + 0x200; // 2^64 - 0x1e00
    spec.headers[kData].memory_size = 0x40; // control: in the second-to-last page, no wrap
    parse_valid(build(spec), kAllOnes);
    spec.headers[kData].memory_size = 0x2000; // vaddr + memsz wraps to 0x200
    check_refused(spec, ElfError::SegmentOutsideUserRange, kAllOnes);
    spec.headers[kData].memory_size = 0x1dff; // vaddr + memsz = 2^64 - 1; rounding up wraps
    check_refused(spec, ElfError::SegmentOutsideUserRange, kAllOnes);
}

TEST(ElfLoaderHostile, MisalignedSegment) {
    ElfSpec spec = valid_spec();
    spec.headers[kData].virtual_address = 0x11300; // offset is 0x200
    check_refused(spec, ElfError::SegmentMisaligned);
    spec = valid_spec();
    spec.headers[kData].align = 0x3000; // not a power of two
    check_refused(spec, ElfError::SegmentMisaligned);
    spec = valid_spec();
    spec.headers[kData].align = 0x10000; // congruent mod the page but not mod p_align
    check_refused(spec, ElfError::SegmentMisaligned);
}

TEST(ElfLoaderHostile, OverlappingSegments) {
    ElfSpec spec = valid_spec();
    spec.headers[kText].memory_size = 0x2000; // text now runs over the data bytes
    check_refused(spec, ElfError::SegmentsOverlap);
}

TEST(ElfLoaderHostile, SegmentsSharingAPage) {
    ElfSpec spec = valid_spec();
    spec.headers[kData].virtual_address = 0x10200; // starts where the text bytes end
    check_refused(spec, ElfError::SegmentsOverlap);
    std::swap(spec.headers[kText], spec.headers[kData]);
    check_refused(spec, ElfError::SegmentsOverlap);
}

TEST(ElfLoaderHostile, WritableAndExecutable) {
    ElfSpec spec = valid_spec();
    spec.headers[kText].flags = kRead | kWrite | kExecute;
    check_refused(spec, ElfError::WriteAndExecute);
    spec.headers[kText].flags = kWrite | kExecute;
    check_refused(spec, ElfError::WriteAndExecute);
}

TEST(ElfLoaderHostile, EntryOutsideEverySegment) {
    for (uint64_t entry :
         {uint64_t{0}, uint64_t{0xffff}, uint64_t{0x10200}, uint64_t{0x5000'0000}, kAllOnes}) {
        ElfSpec spec = valid_spec();
        spec.entry = entry;
        check_refused(spec, ElfError::EntryOutsideSegment);
    }
}

TEST(ElfLoaderHostile, EntryInNonExecutableSegment) {
    ElfSpec spec = valid_spec();
    spec.entry = 0x11210; // data
    check_refused(spec, ElfError::EntryOutsideSegment);
    spec.entry = 0x12100; // bss
    check_refused(spec, ElfError::EntryOutsideSegment);
}

TEST(ElfLoaderHostile, NoLoadableSegment) {
    ElfSpec spec = valid_spec();
    spec.headers[kText].type = kPtNote;
    spec.headers[kData].type = kPtNote;
    check_refused(spec, ElfError::NoLoadableSegment);
    spec.headers[kText] = PhdrSpec{.type = kPtLoad}; // only an empty PT_LOAD
    check_refused(spec, ElfError::NoLoadableSegment);
}

TEST(ElfLoaderHostile, MoreThanMaxSegments) {
    check_refused(spec_with_loads(exo::kMaxSegments + 1), ElfError::TooManySegments);
}

TEST(ElfLoaderHostile, InterpreterIsRefused) {
    ElfSpec spec = valid_spec();
    spec.headers.insert(
        spec.headers.begin(),
        PhdrSpec{.type = kPtInterp, .offset = 0x240, .file_size = 0x20, .align = 1});
    check_refused(spec, ElfError::NeedsInterpreter);
}

namespace {

struct XorShift64 {
    uint64_t state;
    uint64_t next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    uint64_t below(uint64_t bound) { return next() % bound; }
};

struct Field {
    uint64_t offset;
    unsigned width;
};

// Values near every boundary the parser checks (a table, so laid out by hand).
// clang-format off
constexpr std::array<uint64_t, 30> kInteresting = {
    0, 1, 2, 3, 5, 6, 7, 56, 64, 243, 0x120, 0x200, 0x240, 0x260, 0xfff, 0x1000, 0xffff, 0x10000,
    kEntry, 0x11200, 0x12000, kUserLimit - 1, kUserLimit, kUserLimit + 0x1000, uint64_t{1} << 63,
    kAllOnes, kAllOnes - 0xfff, kAllOnes - 0x1fff, kPtGnuStack, kPtRiscvAttributes};
// clang-format on

// The test's own reading of an accepted image, so the sweep compares against an independent
// decode rather than only against what the parser says. Returns the violated invariant, or null.
const char* violated_invariant(const std::vector<std::byte>& bytes, const ElfImage& image) {
    if (image.segment_count == 0 || image.segment_count > exo::kMaxSegments) return "count";
    if (get(bytes, 16, 2) != 2 || get(bytes, 18, 2) != 243 || get(bytes, 54, 2) != kPhdrSize) {
        return "header fields";
    }
    if (image.entry != get(bytes, 24, 8)) return "entry differs from e_entry";
    uint64_t table = get(bytes, 32, 8);
    uint64_t count = get(bytes, 56, 2);
    if (table > bytes.size() || count * kPhdrSize > bytes.size() - table) return "table";
    uint32_t loads = 0;
    for (uint64_t index = 0; index < count; ++index) {
        uint64_t at = table + index * kPhdrSize;
        if (get(bytes, at, 4) != kPtLoad) continue;
        if (get(bytes, at + 32, 8) == 0 && get(bytes, at + 40, 8) == 0) continue;
        if (loads == image.segment_count) return "a PT_LOAD is missing";
        uint32_t flags = static_cast<uint32_t>(get(bytes, at + 4, 4));
        exo::ElfSegment expected{get(bytes, at + 16, 8), get(bytes, at + 8, 8),
                                 get(bytes, at + 32, 8), get(bytes, at + 40, 8),
                                 (flags & kRead) != 0,   (flags & kWrite) != 0,
                                 (flags & kExecute) != 0};
        if (!same(expected, image.segments[loads++])) return "segment differs from its header";
    }
    if (loads != image.segment_count) return "extra segment";
    bool entry_found = false;
    for (uint32_t index = 0; index < image.segment_count; ++index) {
        const exo::ElfSegment& segment = image.segments[index];
        if (segment.file_offset > bytes.size() ||
            segment.file_size > bytes.size() - segment.file_offset) {
            return "file bytes outside the image";
        }
        if (segment.file_size > segment.memory_size) return "filesz > memsz";
        if (segment.memory_size == 0) return "empty segment kept";
        if ((segment.virtual_address - segment.file_offset) % kPageSize != 0) return "misaligned";
        if (segment.writable && segment.executable) return "W+X";
        if (segment.virtual_address < kUserMinimum) return "below user minimum";
        // Compared as page numbers so nothing here can wrap.
        uint64_t first_page = segment.virtual_address / kPageSize;
        uint64_t last_byte = segment.virtual_address + (segment.memory_size - 1);
        if (last_byte < segment.virtual_address) return "vaddr + memsz wraps";
        if (last_byte / kPageSize >= kUserLimit / kPageSize) return "past user limit";
        for (uint32_t other = 0; other < index; ++other) {
            const exo::ElfSegment& earlier = image.segments[other];
            uint64_t earlier_first = earlier.virtual_address / kPageSize;
            uint64_t earlier_last = (earlier.virtual_address + earlier.memory_size - 1) / kPageSize;
            if (first_page <= earlier_last && earlier_first <= last_byte / kPageSize) {
                return "segments share a page";
            }
        }
        if (segment.executable && image.entry >= segment.virtual_address &&
            image.entry - segment.virtual_address < segment.memory_size) {
            entry_found = true;
        }
    }
    return entry_found ? nullptr : "entry outside every executable segment";
}

} // namespace

TEST(ElfLoaderHostile, MutationSweep) {
    const std::vector<std::byte> valid = build(valid_spec());
    std::vector<Field> fields{{4, 1},  {5, 1},  {6, 1},  {16, 2}, {18, 2},
                              {20, 4}, {24, 8}, {32, 8}, {54, 2}, {56, 2}};
    for (uint64_t header = 0; header < 4; ++header) {
        uint64_t at = kHeaderSize + header * kPhdrSize;
        for (Field field : std::initializer_list<Field>{
                 {0, 4}, {4, 4}, {8, 8}, {16, 8}, {32, 8}, {40, 8}, {48, 8}}) {
            fields.push_back({at + field.offset, field.width});
        }
    }
    const uint64_t mutable_bytes = kHeaderSize + 4 * kPhdrSize;

    XorShift64 random{0x9e37'79b9'7f4a'7c15};
    std::array<uint32_t, 32> outcomes{};
    for (uint32_t iteration = 0; iteration < 20000; ++iteration) {
        std::vector<std::byte> bytes = valid;
        for (uint64_t mutation = 1 + random.below(3); mutation > 0; --mutation) {
            switch (random.below(8)) {
            case 0:
            case 1:
                bytes[random.below(mutable_bytes)] ^= std::byte{1} << random.below(8);
                break;
            case 2:
                bytes[random.below(mutable_bytes)] = static_cast<std::byte>(random.next());
                break;
            case 7: { // duplicate one program header over another
                uint64_t from = kHeaderSize + random.below(4) * kPhdrSize;
                uint64_t to = kHeaderSize + random.below(4) * kPhdrSize;
                std::copy_n(valid.begin() + from, kPhdrSize, bytes.begin() + to);
                break;
            }
            default: {
                Field field = fields[random.below(fields.size())];
                uint64_t value = kInteresting[random.below(kInteresting.size())];
                put(bytes, field.offset, value + random.below(3) - 1, field.width);
            }
            }
        }
        if (random.below(32) == 0) bytes.resize(random.below(bytes.size()));

        ElfImage out = sentinel();
        ElfError error = exo::parse_elf(bytes, kUserLimit, out);
        outcomes[static_cast<size_t>(error) % outcomes.size()]++;
        const char* violation = nullptr;
        if (error == ElfError::None) {
            violation = violated_invariant(bytes, out);
        } else if (!same(out, sentinel())) {
            violation = "refused image wrote the output";
        }
        if (violation != nullptr) {
            FAIL(StringFromFormat("iteration %u (%s): %s", iteration, exo::to_string(error),
                                  violation)
                     .asCharString());
        }
    }
    // The sweep only means something if it reaches both sides and many different checks.
    uint32_t distinct = 0;
    for (uint32_t count : outcomes) {
        distinct += count > 0 ? 1 : 0;
    }
    CHECK(outcomes[static_cast<size_t>(ElfError::None)] > 1000);
    CHECK(distinct >= 16);
}

// Regression (found by fuzz_elf_loader): a PT_LOAD with no permissions would have been mapped
// as a level-0 entry with R=W=X=0, which Sv39 reads as a pointer to another table.
TEST(ElfLoaderHostile, SegmentWithoutPermissionIsRefused) {
    ElfSpec spec = valid_spec();
    spec.headers[1].flags = 0;
    check_refused(spec, ElfError::SegmentWithoutPermission);
}
