// Per-hart kernel state reached through tp (in the kernel) or sscratch (while U-mode runs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "asm_constants.h"
#include "trap_frame.h"

namespace riscv {

struct HartContext {
    TrapFrame* user_frame;  // where trap_entry saves the running environment's registers
    uint64_t kernel_stack_top;
    uint64_t scratch;       // one register's worth of room while trap_entry frees a register
    uint64_t stack_bottom;  // lowest usable byte of the kernel stack; below is the guard page
    uint64_t emergency_stack_top;  // where a kernel stack overflow is reported from
    uint64_t hart_id;
};

static_assert(offsetof(HartContext, user_frame) == HART_USER_FRAME);
static_assert(offsetof(HartContext, kernel_stack_top) == HART_KERNEL_STACK_TOP);
static_assert(offsetof(HartContext, scratch) == HART_SCRATCH);
static_assert(offsetof(HartContext, stack_bottom) == HART_STACK_BOTTOM);
static_assert(offsetof(HartContext, emergency_stack_top) == HART_EMERGENCY_STACK_TOP);

}  // namespace riscv
