// The hart page's layout (see asm_constants.h): what the trap vector reads with `offset(zero)`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "asm_constants.h"
#include "trap_frame.h"

namespace riscv {

inline constexpr uint64_t kHartPageAddress = HART_PAGE_ADDRESS;

struct HartPage {
    uint8_t unused[2048];
    uint64_t syscall_table[HART_SYSCALL_TABLE_SLOTS];
    uint64_t directory[HART_DIRECTORY_SLOTS];  // see EnvironmentTable::attach_directory
    alignas(8) uint8_t scheduler[4096 - 2048 - 8 * HART_SYSCALL_TABLE_SLOTS - 8 * HART_DIRECTORY_SLOTS - 64 - 8 * 16];  // kernel/slice_clock.h
    uint64_t irq_slots[16];   // the device-interrupt path's saved registers (trap_entry.S)
    uint64_t saved_t1;
    uint64_t interrupted_sp;
    uint64_t hart_id;
    uint64_t emergency_stack_top;
    uint64_t stack_bottom;
    uint64_t kernel_stack_top;
    uint64_t saved_t0;
    void* current_environment;  // exo::Environment: arch code does not know the type
};

static_assert(sizeof(HartPage) == 4096);
static_assert(offsetof(HartPage, syscall_table) == 4096 + HART_SYSCALL_TABLE);
static_assert(offsetof(HartPage, current_environment) == 4096 + HART_CURRENT_ENV);
static_assert(offsetof(HartPage, directory) == 4096 + HART_DIRECTORY);
static_assert(offsetof(HartPage, scheduler) == 4096 + HART_CLOCK);
static_assert(offsetof(HartPage, saved_t1) == 4096 + HART_SAVED_T1);
static_assert(offsetof(HartPage, irq_slots) == 4096 + HART_IRQ_SLOTS);
static_assert(offsetof(HartPage, saved_t0) == 4096 + HART_SAVED_T0);
static_assert(offsetof(HartPage, kernel_stack_top) == 4096 + HART_KERNEL_STACK_TOP);
static_assert(offsetof(HartPage, stack_bottom) == 4096 + HART_STACK_BOTTOM);
static_assert(offsetof(HartPage, emergency_stack_top) == 4096 + HART_EMERGENCY_STACK_TOP);
static_assert(offsetof(HartPage, hart_id) == 4096 + HART_ID);
static_assert(offsetof(HartPage, interrupted_sp) == 4096 + HART_INTERRUPTED_SP);

#ifdef EXO_HOST
HartPage& hart_page();  // a host test's (tests/host/fake_hart.cpp)
#else
inline HartPage& hart_page() {
    // A fixed kernel address mapped at boot (kernel_memory.cpp), the same in every address space.
    return *reinterpret_cast<HartPage*>(kHartPageAddress);
}
#endif

}  // namespace riscv
