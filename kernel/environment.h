// Environments: protection domains, each with its own Sv39 user half, upcall entry points and a
// shared info page. Ids carry a generation, so the id of a destroyed environment never names
// the next one to use its slot.
#pragma once

#include <abi/syscall.h>
#include <array>
#include <cstddef>
#include <cstdint>

#include "address_space.h"
#include "arch/riscv64/fpu.h"
#include "arch/riscv64/trap_frame.h"

namespace exo {

inline constexpr size_t kMaxEnvironments = 64;
inline constexpr uint32_t kMaxEssentialFrames = 32;

using EnvironmentId = uint64_t;  // (generation << 16) | (slot + 1); 0 is never an id

struct UpcallEntry {
    uint64_t pc = 0;  // 0 = not registered
    uint64_t sp = 0;
};

struct Environment {
    riscv::TrapFrame frame;        // trap_entry saves the registers here while the kernel runs
    riscv::TrapFrame interrupted;  // the state an upcall interrupted, restored by UpcallReturn
    riscv::FpState fp;             // valid when fp_saved: this environment has used the FPU
    bool fp_saved = false;
    EnvironmentId id = 0;
    EnvironmentId parent = 0;
    bool live = false;
    bool in_upcall = false;
    bool revocation_upcall_pending = false;
    bool event_upcall_pending = false;
    // Protected control transfer: whom we must reply to (while serving a Call), and whom we
    // wait for (while our Call is outstanding: we do not run until the reply).
    EnvironmentId reply_to = 0;
    EnvironmentId waiting_for = 0;
    uint32_t essential_frames = 0;
    uint64_t revocation_remaining = 0;  // frames still owed to an outstanding request
    uint64_t revocation_deadline = 0;
    AddressSpace space;
    uint64_t shared_info_pfn = 0;
    std::array<UpcallEntry, static_cast<size_t>(abi::Entry::Count)> entries{};
    char name[24] = {};
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

    static EnvironmentSlot slot_of(EnvironmentId id) {
        return static_cast<EnvironmentSlot>((id & 0xffff) - 1);
    }

    template <typename Visit>
    void for_each_live(Visit&& visit) {
        for (Environment& environment : slots_) {
            if (environment.live) visit(environment);
        }
    }

private:
    std::array<Environment, kMaxEnvironments> slots_{};
    std::array<uint32_t, kMaxEnvironments> generations_{};
};

}  // namespace exo
