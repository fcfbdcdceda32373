// Shared by the libFuzzer targets: a checked failure that libFuzzer records as a crash, a reader
// that turns the fuzzer's bytes into choices, a fake machine (RAM, TLB log, KernelState) and a
// tiny RISC-V ELF64 image. No CppUTest here: a failed check must end the process with a trap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include "tests/common/tiny_elf.h"

#include <abi/shared_info.h>
#include <abi/syscall.h>

#include "arch/riscv64/sv39.h"
#include "boot/elf_loader.h"
#include "kernel_state.h"
#include "memory/audit.h"

namespace exo::fuzz {

// A violated invariant: say which, then trap so libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* what, uint64_t detail = 0) {
    std::fprintf(stderr, "fuzz check failed: %s (0x%llx)\n", what,
                 static_cast<unsigned long long>(detail));
    __builtin_trap();
}

inline void check(bool condition, const char* what, uint64_t detail = 0) {
    if (!condition) fail(what, detail);
}

// The fuzzer's bytes as a stream of choices; past the end every read is 0 and done() is true.
class Input {
public:
    explicit Input(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    bool done() const { return at_ >= bytes_.size(); }
    uint8_t byte() { return done() ? 0 : bytes_[at_++]; }
    uint16_t u16() { return static_cast<uint16_t>(byte() | byte() << 8); }
    uint64_t u64() {
        uint64_t value = 0;
        for (unsigned i = 0; i < 8; ++i) value |= uint64_t{byte()} << (8 * i);
        return value;
    }

private:
    std::span<const uint8_t> bytes_;
    size_t at_ = 0;
};

inline constexpr uint64_t kPage = sv39::kPageSize;

// RAM as frames in a vector, a TLB that logs every flush, and a KernelState wired to both.
class Machine final : public PhysicalMemory, public TlbControl {
public:
    static constexpr uint64_t kFirstPfn = 0x80000;
    static constexpr uint64_t kKernelFrames = 4;
    static constexpr uint64_t kReservedFrames = 2;
    static constexpr uint64_t kDeviceFrames = 1;
    static constexpr uint8_t kGarbage = 0xa5;  // RAM is not zero at boot: loaders must zero it

    explicit Machine(uint64_t frame_count)
        : ram_(frame_count * kPage, std::byte{kGarbage}), entries_(frame_count),
          free_index_(frame_count * FrameTable::kFreeIndexWordsPerFrame), scratch_(frame_count) {
        // Room for any one step's flushes up front: a log that grew during one input and was
        // kept for the next would look like a leak to libFuzzer, which then runs the input again.
        page_flushes.reserve(4096);
        space_flushes.reserve(4096);
        state.physical = this;
        state.tlb = this;
        // A kernel upper half like the real one (global, supervisor-only gigapages), so a
        // user-half operation that strays into it shows up in the audit or the checks.
        for (unsigned i = 256; i < 260; ++i) {
            kernel_root[i] = sv39::Entry::leaf(uint64_t{i} << 18, sv39::pte::kRead |
                                                                      sv39::pte::kWrite |
                                                                      sv39::pte::kGlobal);
        }
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
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    uint64_t first_usable() const {
        return kFirstPfn + kKernelFrames + kReservedFrames + kDeviceFrames;
    }
    uint64_t end_pfn() const { return kFirstPfn + entries_.size(); }
    std::span<const FrameEntry> entries() const { return entries_; }

    std::byte* frame(uint64_t pfn) override {
        if (pfn < kFirstPfn || pfn - kFirstPfn >= entries_.size()) {
            ++bad_frame_accesses;  // the kernel reached outside RAM
            return junk_.data();
        }
        return ram_.data() + (pfn - kFirstPfn) * kPage;
    }
    void flush_page(uint64_t virtual_address, uint16_t asid) override {
        page_flushes.push_back({virtual_address, asid});
    }
    void flush_address_space(uint16_t asid) override { space_flushes.push_back(asid); }
    bool flushed(uint64_t virtual_address, uint16_t asid) const {
        if (std::find(space_flushes.begin(), space_flushes.end(), asid) != space_flushes.end())
            return true;
        return std::find(page_flushes.begin(), page_flushes.end(),
                         PageFlush{virtual_address, asid}) != page_flushes.end();
    }

    // Runs the kernel's audit; prints every problem it reports and returns how many.
    uint64_t audit_problems() {
        AuditReport report =
            audit(state, std::span<uint16_t>(scratch_), [](const char* what, uint64_t pfn) {
                std::fprintf(stderr, "audit: %s (pfn 0x%llx)\n", what,
                             static_cast<unsigned long long>(pfn));
            });
        return report.problems;
    }

    // Keeps the current state (RAM, frame table, environments) so restore() can return to it:
    // copying a booted machine back is far cheaper than booting one for every input.
    void save() {
        saved_ram_ = ram_;
        saved_entries_ = entries_;
        saved_free_index_ = free_index_;
        saved_state_ = std::make_unique<KernelState>(state);
    }
    void restore() {
        std::copy(saved_ram_.begin(), saved_ram_.end(), ram_.begin());
        std::copy(saved_entries_.begin(), saved_entries_.end(), entries_.begin());
        std::copy(saved_free_index_.begin(), saved_free_index_.end(), free_index_.begin());
        state = *saved_state_;  // its pointers and spans still name this machine's storage
        page_flushes.clear();
        space_flushes.clear();
        bad_frame_accesses = 0;
    }

    struct PageFlush {
        uint64_t virtual_address;
        uint16_t asid;
        bool operator==(const PageFlush&) const = default;
    };

    KernelState state;
    std::array<sv39::Entry, sv39::kEntriesPerTable> kernel_root{};
    std::vector<PageFlush> page_flushes;
    std::vector<uint16_t> space_flushes;
    uint64_t bad_frame_accesses = 0;

private:
    std::vector<std::byte> ram_;
    std::vector<FrameEntry> entries_;
    std::vector<uint32_t> free_index_;
    std::vector<uint16_t> scratch_;
    std::array<std::byte, kPage> junk_{};
    std::vector<std::byte> saved_ram_;
    std::vector<FrameEntry> saved_entries_;
    std::vector<uint32_t> saved_free_index_;
    std::unique_ptr<KernelState> saved_state_;
};

// Calls visit(virtual_address, entry) for every bound leaf (valid, or protected to no access)
// of an address space's user half: the bindings as the hardware would see them.
template <typename Visit>
void for_each_binding(Machine& machine, const AddressSpace& space, Visit&& visit) {
    auto table = [&](uint64_t pfn) {
        return reinterpret_cast<const sv39::Entry*>(machine.frame(pfn));
    };
    const sv39::Entry* root = table(space.root_pfn);
    for (uint64_t i2 = 0; i2 < sv39::kEntriesPerTable / 2; ++i2) {
        if (!root[i2].is_table()) continue;
        const sv39::Entry* middle = table(root[i2].pfn());
        for (uint64_t i1 = 0; i1 < sv39::kEntriesPerTable; ++i1) {
            if (!middle[i1].is_table()) continue;
            const sv39::Entry* last = table(middle[i1].pfn());
            for (uint64_t i0 = 0; i0 < sv39::kEntriesPerTable; ++i0) {
                if (last[i0].raw & (sv39::pte::kValid | kPteNoAccess)) {
                    visit((i2 << 30) | (i1 << 21) | (i0 << 12), last[i0]);
                }
            }
        }
    }
}

// ---- A tiny static RISC-V ELF64 executable, built in memory (tests/common/tiny_elf.h) ----

using testing::build_elf;
using testing::TinySegment;

// Text: one RX page at 0x10000. Data: RW from 0x21800, 0x100 file bytes then bss to 0x23800.
inline std::vector<std::byte> tiny_elf() {
    const TinySegment segments[] = {{4 | 1, 0x1000, 0x10000, kPage, kPage},
                                    {4 | 2, 0x2800, 0x21800, 0x100, 0x2000}};
    return build_elf(0x10000, segments);
}

}  // namespace exo::fuzz
