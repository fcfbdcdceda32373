// PLIC register layout (PLIC spec 1.0.0, chapter 3 "Memory Map").
#include "plic.h"

namespace riscv {
namespace {
constexpr uintptr_t kPriorityBase = 0x0;
constexpr uintptr_t kEnableBase = 0x2000;
constexpr uintptr_t kEnableStride = 0x80;
constexpr uintptr_t kContextBase = 0x200000;
constexpr uintptr_t kContextStride = 0x1000;
constexpr uintptr_t kThreshold = 0x0;
constexpr uintptr_t kClaimComplete = 0x4;
}  // namespace

void Plic::set_priority(uint32_t line, uint32_t priority) const {
    registers_.write32(kPriorityBase + 4 * line, priority);
}

void Plic::set_enabled(uint32_t line, bool enabled) const {
    uintptr_t word = kEnableBase + kEnableStride * context_ + 4 * (line / 32);
    uint32_t bits = registers_.read32(word);
    uint32_t bit = 1u << (line % 32);
    registers_.write32(word, enabled ? bits | bit : bits & ~bit);
}

void Plic::set_threshold(uint32_t threshold) const {
    registers_.write32(kContextBase + kContextStride * context_ + kThreshold, threshold);
}

uint32_t Plic::claim() const {
    return registers_.read32(kContextBase + kContextStride * context_ + kClaimComplete);
}

void Plic::complete(uint32_t line) const {
    registers_.write32(kContextBase + kContextStride * context_ + kClaimComplete, line);
}

}  // namespace riscv
