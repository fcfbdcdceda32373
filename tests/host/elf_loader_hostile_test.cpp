// Host tests for kernel/elf_loader on hostile images: one mutation per refusal, every
// truncation, and a seeded sweep of field mutations that must never yield an unsafe image.
#include "elf_images.h"

using namespace elf_loader_test;

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
