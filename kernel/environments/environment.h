// Environments: protection domains, each with its own Sv39 user half, upcall entry points and a
// shared info page. Ids carry a generation, so the id of a destroyed environment never names
// the next one to use its slot.
#pragma once

#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <abi/trap_page.h>
#include <array>
#include <cstddef>
#include <cstdint>

#include "arch/riscv64/fpu.h"
#include "arch/riscv64/trap_frame.h"
#include "memory/address_space.h"

namespace exo {

// 63, not 64: the trap vector's directory has 64 words indexed by an id's low six bits, and
// index 0 belongs to no environment (see "The gate" below), so every slot has an index of 1..63.
inline constexpr size_t kMaxEnvironments = 63;
inline constexpr uint32_t kMaxEssentialFrames = 32;

using EnvironmentId = uint64_t;  // (generation << 16) | (slot + 1); 0 is never an id

struct UpcallEntry {
    uint64_t pc = 0;  // 0 = not registered
    uint64_t sp = 0;
};

// A register context: an environment has two, the main one and the one its upcalls and call
// entries run on, so entering an entry never copies (or overwrites) the state it interrupted.
// The main context's frame is SharedInfo::preempted, in the environment's own read-only shared
// page: its library OS reads what the kernel saved without the kernel copying it anywhere.
struct Context {
    riscv::TrapFrame* frame = nullptr;
    riscv::FpState fp;     // valid when fp_saved: this context has used the FPU
    bool fp_saved = false;
};

// The gate (see Environment::gate): what a protected control transfer finds.
//
// The trap vector's fast Call compares the caller's a0 with the gate of the environment the
// directory lists at index (a0 & 63), and enters it on equality. The gate holds the id while the
// environment accepts a call, and otherwise one of the states below. No caller-chosen value
// can equal a state that is not an id, by construction rather than by a second comparison:
// - every non-id state is a multiple of 64 (0, kServingNobody, a caller's address: Environment
//   records are 64-byte aligned), so only an a0 with low bits 0 could equal one;
// - such an a0 selects index 0, and index 0 never lists an environment (ids end in slot + 1,
//   which is 1..63): its word is 1, which no a0 selecting index 0 can equal;
// - kDead is never seen through the directory: a released environment's index lists a word
//   that no id selecting it can equal.
// So the fast path and EnvironmentTable::find accept exactly the live, well-formed ids of
// accepting environments, and nothing else (tests/host/transfer_test.cpp tries every state).
namespace gate {
// A released environment's gate: no id is 1 (the generation, in bits 16 and up, is never 0).
inline constexpr uint64_t kDead = 1;
// Serving a Send, or a call whose caller has gone: there is nobody to reply to.
inline constexpr uint64_t kServingNobody = uint64_t{1} << 62;
inline constexpr uint64_t kTopBit = uint64_t{1} << 63;
// Every gate state that is not an id is a multiple of this (kDead aside, which the directory
// never shows).
inline constexpr uint64_t kNonIdAlignment = 64;
// Serving: bit 63 (a caller pointer: the trap vector may reply) or bit 62 set (only the
// kernel's C++ may reply: the caller pointer with bit 63 cleared, or nobody).
inline bool serving(uint64_t value) { return (value >> 62) != 0; }
// Environments live in the kernel's upper half, where bits 63 and 62 of an address are set
// (and no id has them): the address is the gate as it is. Host builds keep environments in
// lower-half memory and set the two bits to make the same gate.
inline uint64_t of(const void* environment) {
    return reinterpret_cast<uint64_t>(environment) | kTopBit | kServingNobody;
}
inline void* address(uint64_t value) {
#ifdef EXO_HOST
    return reinterpret_cast<void*>(value & ~(kTopBit | kServingNobody));
#else
    return reinterpret_cast<void*>(value | kTopBit);
#endif
}
}  // namespace gate

// Where the kernel saves an environment's main context: SharedInfo::preempted, which has the
// frame's layout (x0's slot holds the kernel's sstatus; the ABI leaves registers[0] unused).
static_assert(sizeof(riscv::TrapFrame) == sizeof(abi::TrapState));
static_assert(offsetof(riscv::TrapFrame, scause) == offsetof(abi::TrapState, cause));
static_assert(offsetof(riscv::TrapFrame, stval) == offsetof(abi::TrapState, address));
static_assert(offsetof(riscv::TrapFrame, sepc) == offsetof(abi::TrapState, pc));
static_assert(offsetof(riscv::TrapFrame, x) == offsetof(abi::TrapState, registers));
inline riscv::TrapFrame* main_context_frame(abi::SharedInfo& info) {
    return reinterpret_cast<riscv::TrapFrame*>(&info.preempted);
}

struct alignas(gate::kNonIdAlignment) Environment {
    // ---- Read and written by the trap vector's fast paths (offsets generated: asm_offsets.cpp)
    // ---- The gate a fast Call must match: == id while this environment accepts calls (not
    // running, not waiting, no entry in progress); 0 while it does not; a caller (see gate::) while
    // it serves a call. Kept at offset 0: the trap vector's directory of environments points unused
    // slots at words that no id can match.
    uint64_t gate = 0;
    uint64_t satp = 0;                        // its address space, ASID included
    uint64_t trap_page = 0;                   // kernel address of its abi::TrapPage
    // Where the trap vector looks for the exception handler: the trap page, or (on hardware
    // that leaves accessed/dirty bits to software) a page that is always busy, so every
    // exception goes through the kernel, which settles those faults first.
    uint64_t exception_page = 0;
    riscv::TrapFrame* save_area = nullptr;    // where a trap saves its registers
    uint64_t resume_pc = 0;  // while our Call is outstanding: the ecall's pc (else 0)
    uint64_t resume_sp = 0;  // and our sp
    EnvironmentId id = 0;
    abi::SharedInfo* shared_info = nullptr;   // its shared info page, in the kernel's direct map
    std::array<UpcallEntry, static_cast<size_t>(abi::Entry::Count)> entries{};
    bool revocation_upcall_pending = false;  // (the vector reads these two as one halfword)
    bool event_upcall_pending = false;
    bool in_upcall = false;  // an upcall (not a call entry) runs on the upcall context
    Context main;    // the environment's own thread of control (frame: in its shared info page)
    Context upcall;  // upcalls and call entries (frame: upcall_frame)
    // ---- The kernel's C++ only ----
    riscv::TrapFrame upcall_frame{};
    EnvironmentId parent = 0;
    bool live = false;
    uint32_t essential_frames = 0;
    uint64_t revocation_remaining = 0;  // frames still owed to an outstanding request
    uint64_t revocation_deadline = 0;
    AddressSpace space;
    uint64_t shared_info_pfn = 0;
    uint64_t trap_page_pfn = 0;
    char name[24] = {};
    // Events (cpu/events.h): the bits posted since its last EventWait returned, and while it
    // sleeps in EventWait the bits and the deadline (time ticks, 0: none) that wake it.
    uint64_t posted_events = 0;
    uint64_t wait_events = 0;
    uint64_t wait_deadline = 0;

    abi::TrapPage& trap() const { return *reinterpret_cast<abi::TrapPage*>(trap_page); }
    bool serving() const { return gate::serving(gate); }
    bool waiting() const { return resume_pc != 0; }
    // In EventWait: its main context stays stopped, its slots go to others, until a wake.
    bool sleeping() const { return wait_events != 0; }
    // The caller this environment replies to, while serving one.
    Environment* caller() const {
        if (!serving() || gate == gate::kServingNobody) return nullptr;
        return static_cast<Environment*>(gate::address(gate));
    }
    // The context that runs when this environment runs.
    Context& active() { return serving() || in_upcall ? upcall : main; }
    riscv::TrapFrame& frame() { return *active().frame; }
};

class EnvironmentTable {
public:
    // A free slot, with a fresh id (generation bumped), marked live; nullptr when full.
    Environment* allocate();
    // The live environment `id` names, or nullptr for stale, forged and zero ids.
    Environment* find(EnvironmentId id);
    Environment* at_slot(EnvironmentSlot slot) {
        return slot < kMaxEnvironments && slots_[slot].live ? &slots_[slot] : nullptr;
    }
    void release(Environment& environment);
    size_t live_count() const;

    // The trap vector's directory: 64 words indexed by (id & 63), each the address of a live
    // environment or of a word no id selecting that index can equal. Kept up to date from here.
    // (An id's low bits are its slot + 1, so every slot has its own index, and index 0 has none.)
    static constexpr size_t kDirectorySize = 64;
    static constexpr uint64_t kDirectoryMask = kDirectorySize - 1;
    static size_t directory_index(size_t slot) { return (slot + 1) & kDirectoryMask; }
    void attach_directory(uint64_t* directory);

    static EnvironmentSlot slot_of(EnvironmentId id) {
        return static_cast<EnvironmentSlot>((id & 0xffff) - 1);
    }

    // Visits live environments only (the scheduler's tick and every transfer's slow path walk
    // them): a bit per slot, lowest first, so two live environments cost two visits, not 64.
    template <typename Visit>
    void for_each_live(Visit&& visit) {
        for (uint64_t mask = live_mask_; mask != 0; mask &= mask - 1) {
            visit(slots_[lowest_bit_index(mask)]);
        }
    }

private:
    std::array<Environment, kMaxEnvironments> slots_{};
    // The index of the lowest set bit, without a libgcc call (no Zbb here): a de Bruijn
    // sequence maps each isolated bit to a distinct top-six-bit pattern.
    static constexpr uint64_t kDeBruijn = 0x03f79d71b4cb0a89;
    static constexpr std::array<uint8_t, 64> kBitOfPattern = [] {
        std::array<uint8_t, 64> result{};
        for (size_t bit = 0; bit < 64; ++bit)
            result[((uint64_t{1} << bit) * kDeBruijn) >> 58] = static_cast<uint8_t>(bit);
        return result;
    }();
    static size_t lowest_bit_index(uint64_t mask) {
        return kBitOfPattern[((mask & -mask) * kDeBruijn) >> 58];
    }

    std::array<uint32_t, kMaxEnvironments> generations_{};
    uint64_t* directory_ = nullptr;
    uint64_t live_mask_ = 0;  // bit n: slot n is live
};

static_assert(offsetof(Environment, gate) == 0,
              "the directory's never-matching words stand in for it");
static_assert(EnvironmentTable::kDirectorySize == kMaxEnvironments + 1,
              "an index per slot, and index 0 for no environment");
static_assert(kMaxEnvironments <= 64, "the live mask has a bit per slot");
static_assert(alignof(Environment) % gate::kNonIdAlignment == 0 &&
                  sizeof(Environment) % gate::kNonIdAlignment == 0,
              "a caller's address, as a gate, is a multiple of 64");
static_assert(gate::kServingNobody % gate::kNonIdAlignment == 0 &&
                  (gate::kTopBit | gate::kServingNobody) % gate::kNonIdAlignment == 0,
              "every non-id gate state selects directory index 0");

}  // namespace exo
