// Host tests for kernel/elf_loader on valid images; elf_loader_hostile_test.cpp has one mutation
// per refusal and a mutation sweep.
#include "elf_images.h"

using namespace elf_loader_test;

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
