// The slice vector: the CPU as a round of numbered time slots that environments reserve by
// position (Xok's "linear vector of time slices"). The kernel keeps owners and penalties; it
// holds no priorities. Logic only: the scheduler drives it, host tests drive it directly.
#pragma once

#include <abi/syscall.h>
#include <array>
#include <cstdint>

#include "memory/frame_table.h"

namespace exo {

class SliceVector {
public:
    static constexpr uint32_t kMaxSlots = 64;

    void init(uint32_t slots);
    uint32_t count() const { return count_; }
    EnvironmentSlot owner(uint32_t slot) const {
        return slot < count_ ? owners_[slot] : kNoEnvironment;
    }

    abi::Error reserve(uint32_t slot, EnvironmentSlot environment);
    abi::Error release(uint32_t slot, EnvironmentSlot environment);
    void release_all(EnvironmentSlot environment);
    uint32_t owned_by(EnvironmentSlot environment) const;

    // An overrun grace costs the owner its next slot.
    void penalize(EnvironmentSlot environment);
    // Whether the owner forfeits this slot (consuming one penalty if so).
    bool forfeits(EnvironmentSlot environment);
    uint32_t penalties(EnvironmentSlot environment) const;
    bool any_penalties() const { return outstanding_ != 0; }

private:
    std::array<EnvironmentSlot, kMaxSlots> owners_{};
    std::array<uint16_t, 64> penalties_{};  // per environment slot
    uint32_t count_ = 0;
    uint32_t outstanding_ = 0;  // penalties not yet served, over all environments
};

}  // namespace exo
