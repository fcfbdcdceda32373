// libFuzzer target: arbitrary bytes as an environment image. A refused image must leave the
// output untouched; an accepted one must keep every promise parse_elf makes, and, when it is
// small, load through create_environment into exactly the bytes and permissions it asked for.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "boot/elf_loader.h"
#include "environments/environment_lifecycle.h"
#include "fuzz_support.h"

namespace {

using exo::ElfError;
using exo::ElfImage;
using exo::ElfSegment;
using exo::fuzz::check;
using exo::fuzz::kPage;
namespace pte = sv39::pte;

// What the EnvCreate syscall passes: user images end below the shared info page.
constexpr uint64_t kUserLimit = abi::kSharedInfoAddress;
// Loading is checked only for images this small, so one input stays well under a millisecond.
constexpr uint64_t kMaxLoadedPages = 64;

uint64_t first_page(const ElfSegment& segment) { return segment.virtual_address & ~(kPage - 1); }
uint64_t end_page(const ElfSegment& segment) {
    return (segment.virtual_address + segment.memory_size + kPage - 1) & ~(kPage - 1);
}

void check_image(const ElfImage& image, std::span<const std::byte> bytes) {
    check(image.segment_count >= 1 && image.segment_count <= exo::kMaxSegments, "segment count",
          image.segment_count);
    bool entry_ok = false;
    for (uint32_t i = 0; i < image.segment_count; ++i) {
        const ElfSegment& segment = image.segments[i];
        check(segment.memory_size != 0, "empty segment kept", i);
        check(segment.file_size <= segment.memory_size, "file bytes beyond memory size", i);
        check(segment.file_offset <= bytes.size() &&
                  segment.file_size <= bytes.size() - segment.file_offset,
              "segment file bytes outside the image", i);
        check(segment.virtual_address >= exo::kUserMinimum, "segment below the user minimum",
              segment.virtual_address);
        check(segment.virtual_address + segment.memory_size > segment.virtual_address,
              "segment wraps", segment.virtual_address);
        check(end_page(segment) > first_page(segment) && end_page(segment) <= kUserLimit,
              "segment pages past the user limit", segment.virtual_address);
        check(((segment.virtual_address ^ segment.file_offset) & (kPage - 1)) == 0,
              "segment offset and address not congruent", i);
        check(!(segment.writable && segment.executable), "segment both writable and executable", i);
        for (uint32_t j = 0; j < i; ++j) {
            const ElfSegment& other = image.segments[j];
            check(end_page(segment) <= first_page(other) || end_page(other) <= first_page(segment),
                  "two segments share a page", segment.virtual_address);
        }
        entry_ok = entry_ok || (segment.executable && image.entry >= segment.virtual_address &&
                                image.entry - segment.virtual_address < segment.memory_size);
    }
    check(entry_ok, "entry outside every executable segment", image.entry);
}

// The byte an accepted image promises at `address` (0 for bss and the rest of each page).
std::byte expected_byte(const ElfImage& image, std::span<const std::byte> bytes, uint64_t address) {
    for (uint32_t i = 0; i < image.segment_count; ++i) {
        const ElfSegment& segment = image.segments[i];
        if (address >= segment.virtual_address &&
            address - segment.virtual_address < segment.file_size) {
            return bytes[segment.file_offset + (address - segment.virtual_address)];
        }
    }
    return std::byte{0};
}

void load_and_check(const ElfImage& image, std::span<const std::byte> bytes) {
    uint64_t pages = 0;
    for (uint32_t i = 0; i < image.segment_count; ++i) {
        pages += (end_page(image.segments[i]) - first_page(image.segments[i])) / kPage;
    }
    if (pages > kMaxLoadedPages) return;
    uint64_t needed = exo::frames_needed(image);
    auto machine = std::make_unique<exo::fuzz::Machine>(needed + 16);
    exo::KernelState& state = machine->state;
    std::vector<uint64_t> frames;
    for (uint64_t i = 0; i < needed; ++i) frames.push_back(machine->first_usable() + i);
    exo::Environment* created = nullptr;
    abi::Error error = exo::create_environment(state, 0, image, bytes, frames, "fuzz", created);
    if (error != abi::Error::Ok) {
        // The only refusal for a valid image with enough frames: more tables than a reserve holds.
        check(error == abi::Error::InvalidArgument, "create refused a valid image",
              static_cast<uint64_t>(error));
        check(state.environments.live_count() == 0, "refused create left an environment");
        check(machine->audit_problems() == 0, "audit after a refused create");
        return;
    }
    check(machine->audit_problems() == 0, "audit after create");
    check(machine->bad_frame_accesses == 0, "create reached outside RAM");

    exo::MemorySystem memory = state.memory();
    for (uint32_t i = 0; i < image.segment_count; ++i) {
        const ElfSegment& segment = image.segments[i];
        for (uint64_t page = first_page(segment); page < end_page(segment); page += kPage) {
            sv39::Entry entry{exo::address_space::read_entry(memory, created->space, page)};
            check(entry.valid() && (entry.raw & pte::kUser), "image page not mapped", page);
            // Sv39 reserves W without R (Privileged spec 4.3.1), and no R/W/X at level 0 is a
            // malformed pointer: either way the page faults instead of holding the segment.
            check(sv39::is_valid_leaf_permission(entry.raw),
                  "image page with a reserved permission encoding", page);
            check(((entry.raw & pte::kWrite) != 0) == segment.writable,
                  "image page write permission", page);
            check(((entry.raw & pte::kExecute) != 0) == segment.executable,
                  "image page execute permission", page);
            const std::byte* frame = machine->frame(entry.pfn());
            for (uint64_t offset = 0; offset < kPage; ++offset) {
                check(frame[offset] == expected_byte(image, bytes, page + offset),
                      "loaded byte differs", page + offset);
            }
        }
    }
    check(created->main.frame->pc() == image.entry, "environment does not start at the entry",
          image.entry);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(data), size};
    ElfImage image;
    std::memset(&image, 0x5a, sizeof(image));
    ElfImage untouched = image;
    ElfError error = exo::parse_elf(bytes, kUserLimit, image);
    if (error != ElfError::None) {
        check(std::memcmp(&image, &untouched, sizeof(image)) == 0,
              "refused image changed the output", static_cast<uint64_t>(error));
        return 0;
    }
    check_image(image, bytes);
    load_and_check(image, bytes);
    return 0;
}
