// A fake machine for the ownership-logic suites: RAM as 4 KiB frames in a vector, a TLB that
// records every flush, a KernelState wired to both, and a tiny RISC-V ELF64 image to load.
// Include it after the test's own STL headers: it ends by including CppUTest, whose operator new
// macros break any STL header included after them.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tests/common/tiny_elf.h"

#include <abi/shared_info.h>
#include <abi/syscall.h>

#include "arch/riscv64/sv39.h"
#include "boot/elf_loader.h"
#include "environments/environment_lifecycle.h"
#include "kernel_state.h"
#include "memory/audit.h"

#include <CppUTest/TestHarness.h>

// CHECK_EQUAL prints error names instead of "<no string>".
inline SimpleString StringFrom(abi::Error error) {
    return SimpleString(abi::to_string(error));
}

namespace exo::test {

inline constexpr uint64_t kPage = sv39::kPageSize;

class FakeMachine final : public PhysicalMemory, public TlbControl {
  public:
    static constexpr uint64_t kFirstPfn = 0x80000;
    static constexpr uint64_t kDefaultFrames = 512;
    // Like a real board: the kernel image at the bottom of RAM, then a firmware hole, then a
    // frame the board calls a device window.
    static constexpr uint64_t kKernelFrames = 6;
    static constexpr uint64_t kReservedFrames = 2;
    static constexpr uint64_t kDeviceFrames = 1;
    static constexpr uint8_t kGarbage = 0xa5; // RAM is not zero at boot: loaders must zero it

    explicit FakeMachine(uint64_t frame_count = kDefaultFrames)
        : ram_(frame_count * kPage, std::byte{kGarbage}), entries_(frame_count),
          free_index_(frame_count * FrameTable::kFreeIndexWordsPerFrame), scratch_(frame_count) {
        state.physical = this;
        state.tlb = this;
        state.kernel_root = kernel_root.data();
        state.frames.init(entries_, free_index_, kFirstPfn);
        uint64_t pfn = kFirstPfn;
        for (uint64_t i = 0; i < kKernelFrames; ++i)
            state.frames.set_system_state(pfn++, abi::FrameState::Kernel);
        for (uint64_t i = 0; i < kReservedFrames; ++i)
            state.frames.set_system_state(pfn++, abi::FrameState::Reserved);
        for (uint64_t i = 0; i < kDeviceFrames; ++i)
            state.frames.set_system_state(pfn++, abi::FrameState::Device);
    }
    FakeMachine(const FakeMachine&) = delete;
    FakeMachine& operator=(const FakeMachine&) = delete;

    uint64_t first_usable() const {
        return kFirstPfn + kKernelFrames + kReservedFrames + kDeviceFrames;
    }
    uint64_t end_pfn() const { return kFirstPfn + entries_.size(); }
    uint64_t kernel_pfn() const { return kFirstPfn; }
    uint64_t reserved_pfn() const { return kFirstPfn + kKernelFrames; }
    uint64_t device_pfn() const { return kFirstPfn + kKernelFrames + kReservedFrames; }

    std::byte* frame(uint64_t pfn) override {
        if (pfn < kFirstPfn || pfn - kFirstPfn >= entries_.size()) {
            ++bad_frame_accesses; // the kernel reached outside RAM: a bug the teardown reports
            return junk_.data();
        }
        return ram_.data() + (pfn - kFirstPfn) * kPage;
    }
    template <typename T>
    T* frame_as(uint64_t pfn) {
        return reinterpret_cast<T*>(frame(pfn));
    }
    void flush_page(uint64_t virtual_address, uint16_t asid) override {
        page_flushes.emplace_back(virtual_address, asid);
    }
    void flush_address_space(uint16_t asid) override { space_flushes.push_back(asid); }
    void clear_flushes() {
        page_flushes.clear();
        space_flushes.clear();
    }

    MemorySystem memory() { return state.memory(); }
    FrameEntry& entry(uint64_t pfn) { return *state.frames.find(pfn); }
    uint16_t map_count(uint64_t pfn) { return state.frames.find(pfn)->map_count; }
    uint64_t free_count() const { return state.frames.count(abi::FrameState::Free); }

    // "" when the audit finds nothing, otherwise one line per problem.
    std::string audit_problems() {
        std::string text;
        last_audit =
            audit(state, std::span<uint16_t>(scratch_), [&](const char* what, uint64_t pfn) {
                text += what;
                text += " (pfn 0x";
                static const char kHex[] = "0123456789abcdef";
                std::string digits;
                do {
                    digits.insert(digits.begin(), kHex[pfn & 15]);
                    pfn >>= 4;
                } while (pfn != 0);
                text += digits + ")\n";
            });
        if (last_audit.problems != 0 && text.empty()) text = "problems counted but not reported\n";
        return text;
    }

    // An environment with an empty address space (root from its own frame) and `table_frames`
    // donated page-table frames: what the address-space tests need without an ELF image.
    Environment& make_environment(unsigned table_frames) {
        Environment* environment = state.environments.allocate();
        CHECK(environment != nullptr);
        EnvironmentSlot slot = EnvironmentTable::slot_of(environment->id);
        std::optional<uint64_t> root = state.frames.allocate_any(slot);
        CHECK(root.has_value());
        MemorySystem memory = state.memory();
        address_space::create(memory, environment->space, *root, slot,
                              static_cast<uint16_t>(slot + 1), state.kernel_root);
        for (unsigned i = 0; i < table_frames; ++i)
            donate(*environment);
        return *environment;
    }
    static EnvironmentSlot slot(const Environment& environment) {
        return EnvironmentTable::slot_of(environment.id);
    }
    uint64_t allocate(const Environment& environment) {
        std::optional<uint64_t> pfn = state.frames.allocate_any(slot(environment));
        CHECK(pfn.has_value());
        return *pfn;
    }
    // `count` physically consecutive frames for `environment` (the batch tests need runs).
    uint64_t allocate_run(const Environment& environment, uint64_t count) {
        for (uint64_t first = first_usable(); first + count <= end_pfn(); ++first) {
            bool all_free = true;
            for (uint64_t i = 0; i < count && all_free; ++i) {
                all_free = state.frames.find(first + i)->state == abi::FrameState::Free;
            }
            if (!all_free) continue;
            for (uint64_t i = 0; i < count; ++i) {
                CHECK_EQUAL(abi::Error::Ok, state.frames.allocate(first + i, slot(environment)));
            }
            return first;
        }
        FAIL("no run of free frames left");
        return 0;
    }
    uint64_t donate(Environment& environment) {
        uint64_t pfn = allocate(environment);
        MemorySystem memory = state.memory();
        CHECK_EQUAL(abi::Error::Ok,
                    address_space::donate_table_frame(memory, environment.space, pfn));
        return pfn;
    }
    // `count` free frames for a creation at boot, or owned by `parent` when it is given.
    std::vector<uint64_t> frames_for(uint64_t count, const Environment* parent = nullptr) {
        std::vector<uint64_t> frames;
        for (uint64_t i = 0; i < count; ++i) {
            if (parent != nullptr) {
                frames.push_back(allocate(*parent));
            } else {
                for (uint64_t pfn = first_usable(); pfn < end_pfn(); ++pfn) {
                    if (state.frames.find(pfn)->state != abi::FrameState::Free) continue;
                    if (std::find(frames.begin(), frames.end(), pfn) != frames.end()) continue;
                    frames.push_back(pfn);
                    break;
                }
            }
        }
        CHECK_EQUAL(count, frames.size());
        return frames;
    }
    uint64_t read_entry(const Environment& environment, uint64_t virtual_address) {
        MemorySystem memory = state.memory();
        return address_space::read_entry(memory, environment.space, virtual_address);
    }
    abi::SharedInfo& shared_info(const Environment& environment) {
        return *frame_as<abi::SharedInfo>(environment.shared_info_pfn);
    }

    // Everything an operation could change, to show that a refused one changed nothing.
    struct Snapshot {
        std::vector<FrameEntry> entries;
        std::vector<std::byte> ram;
        std::vector<AddressSpace> spaces; // one per slot, empty for slots not live
        size_t grants = 0;
        size_t page_flushes = 0;
        size_t space_flushes = 0;
    };
    Snapshot snapshot() {
        Snapshot snap{entries_,
                      ram_,
                      std::vector<AddressSpace>(kMaxEnvironments),
                      state.grants.count(),
                      page_flushes.size(),
                      space_flushes.size()};
        for (EnvironmentSlot slot = 0; slot < kMaxEnvironments; ++slot) {
            if (Environment* environment = state.environments.at_slot(slot))
                snap.spaces[slot] = environment->space;
        }
        return snap;
    }
    // "" when nothing differs from `before`, otherwise what changed first.
    std::string changes_since(const Snapshot& before) {
        Snapshot now = snapshot();
        for (size_t i = 0; i < entries_.size(); ++i) {
            const FrameEntry& was = before.entries[i];
            const FrameEntry& is = now.entries[i];
            if (was.state != is.state || was.flags != is.flags || was.owner != is.owner ||
                was.map_count != is.map_count || was.pin_count != is.pin_count) {
                return "frame entry " + std::to_string(i) + " changed";
            }
        }
        if (before.ram != now.ram) {
            size_t i = 0;
            while (before.ram[i] == now.ram[i])
                ++i;
            return "RAM of frame " + std::to_string(i / kPage) + " changed";
        }
        for (size_t slot = 0; slot < kMaxEnvironments; ++slot) {
            const AddressSpace& was = before.spaces[slot];
            const AddressSpace& is = now.spaces[slot];
            if (was.root_pfn != is.root_pfn || was.table_reserve_count != is.table_reserve_count ||
                was.table_reserve != is.table_reserve) {
                return "address space of slot " + std::to_string(slot) + " changed";
            }
        }
        if (before.grants != now.grants) return "grant count changed";
        if (before.page_flushes != now.page_flushes || before.space_flushes != now.space_flushes) {
            return "TLB flushed";
        }
        return "";
    }

    KernelState state;
    std::array<sv39::Entry, sv39::kEntriesPerTable> kernel_root{};
    std::vector<std::pair<uint64_t, uint16_t>> page_flushes; // (virtual address, asid)
    std::vector<uint16_t> space_flushes;                     // asids flushed whole
    uint64_t bad_frame_accesses = 0;
    AuditReport last_audit;

  private:
    std::vector<std::byte> ram_;
    std::vector<FrameEntry> entries_;
    std::vector<uint32_t> free_index_;
    std::vector<uint16_t> scratch_;
    std::array<std::byte, kPage> junk_{};
};

// ---- A tiny static RISC-V ELF64 executable, built in memory (tests/common/tiny_elf.h) ----

using testing::build_elf;
using testing::TinySegment;

// Text: one RX page at 0x10000. Data: RW from 0x21800, 0x100 file bytes then bss to 0x23800,
// so three pages, the first of which is only partly file-backed.
inline constexpr uint64_t kTextAddress = 0x10000;
inline constexpr uint64_t kTextOffset = 0x1000;
inline constexpr uint64_t kDataAddress = 0x21800;
inline constexpr uint64_t kDataOffset = 0x2800;
inline constexpr uint64_t kDataFileSize = 0x100;
inline constexpr uint64_t kDataMemorySize = 0x2000;
inline constexpr uint64_t kImagePages = 4;
// Root + shared page + 4 tables (GiB 0 and 255, one 2 MiB table each) + 4 image + 4 stack.
inline constexpr uint64_t kTinyFramesNeeded = 3 + 4 + kImagePages + abi::kInitialStackPages;

inline std::vector<std::byte> tiny_elf_bytes() {
    return build_elf(kTextAddress,
                     {{4 | 1, kTextOffset, kTextAddress, kPage, kPage},
                      {4 | 2, kDataOffset, kDataAddress, kDataFileSize, kDataMemorySize}});
}

inline ElfImage parse_tiny(const std::vector<std::byte>& bytes) {
    ElfImage image;
    ElfError error = parse_elf(bytes, abi::kSharedInfoAddress, image);
    CHECK_EQUAL_TEXT(static_cast<int>(ElfError::None), static_cast<int>(error), to_string(error));
    return image;
}

} // namespace exo::test
