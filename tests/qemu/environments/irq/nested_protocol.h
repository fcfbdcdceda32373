// The mailbox words irq_nested_init.cpp and irq_nested_owner.cpp agree on.
#pragma once

#include <cstdint>

namespace nested {

// Written by the parent.
inline constexpr int kSlots = 0;          // the owner's slot mask
inline constexpr int kCallAfterYield = 1; // 1 + the error of a Call made after the owner yielded
inline constexpr int kCallsDone = 2;      // the Calls after slot ends are done
// Written by the owner.
inline constexpr int kStage = 3;
inline constexpr int kEnteredDirectly = 4;   // the first event came through the trap page
inline constexpr int kSecondPublished = 5;   // interrupts the kernel published inside it
inline constexpr int kRegistersChanged = 6;  // of the 31, in the interrupted main context
inline constexpr int kFirstChanged = 7;      // 1 + the lowest one changed (0: none)
inline constexpr int kHandled = 8;
inline constexpr int kNested = 9;  // the second event started before the first ended

inline constexpr uint64_t kStageYielded = 1, kStageSpinning = 2;

}  // namespace nested
