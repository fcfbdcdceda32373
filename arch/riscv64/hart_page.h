// The hart page: this hart's kernel data at the very top of the address space, so the trap vector
// reaches it as `offset(zero)` (a 12-bit signed offset from address 0) without first freeing a
// register. Every address space maps it (it is in the kernel half). This struct is the layout's
// one definition: the vector's offsets are generated from it (asm_offsets.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "trap_frame.h"

namespace riscv {

inline constexpr uint64_t kHartPageAddress = 0xfffffffffffff000;

// The syscall table's slots: a7 >> kSyscallTableShift is 0 exactly for the table's numbers, so
// one shift tells a table call from a transfer (trap_entry.S).
inline constexpr uint64_t kSyscallTableShift = 6;
inline constexpr uint64_t kSyscallTableSlots = uint64_t{1} << kSyscallTableShift;
// The transfers' directory of environments, one word per id & 63
// (kernel/environments/environment.h).
inline constexpr uint64_t kDirectorySlots = 64;

// The device-interrupt path's save slots for the registers a C call may clobber (t0 waits in
// saved_t0), in the order the vector stores them.
namespace irq_slot {
enum : size_t { ra, t1, t2, t3, t4, t5, t6, a0, a1, a2, a3, a4, a5, a6, a7, count };
}  // namespace irq_slot

struct HartPage {
    uint8_t unused[2048];
    uint64_t syscall_table[kSyscallTableSlots];  // handler addresses, indexed by syscall number
    uint64_t directory[kDirectorySlots];         // see EnvironmentTable::attach_directory
    alignas(8) uint8_t scheduler[4096 - 2048 - 8 * kSyscallTableSlots - 8 * kDirectorySlots - 64 -
                                 8 * 16]; // kernel/cpu/slice_clock.h
    uint64_t irq_slots[16];      // the device-interrupt path's registers, by irq_slot
    uint64_t saved_t1;           // t1 while the exception path frees it
    uint64_t interrupted_sp;     // a kernel trap's sp, while it picks a stack
    uint64_t hart_id;
    uint64_t emergency_stack_top;  // where a kernel stack overflow is reported from
    uint64_t stack_bottom;         // lowest usable byte; below is the guard page
    uint64_t kernel_stack_top;
    uint64_t saved_t0;             // t0 while the vector frees it
    void* current_environment;     // exo::Environment: arch code does not know the type
};

static_assert(sizeof(HartPage) == 4096);
static_assert(irq_slot::count <= sizeof(HartPage::irq_slots) / sizeof(uint64_t));
// The vector reaches every field as `offset(zero)`: a 12-bit signed offset from the page's end.
static_assert(offsetof(HartPage, syscall_table) >= 4096 - 2048, "in reach of a 12-bit offset");

#ifndef EXO_HOST
inline HartPage& hart_page() {
    // A fixed kernel address mapped at boot (kernel_memory.cpp), the same in every address space.
    return *reinterpret_cast<HartPage*>(kHartPageAddress);
}
#else
HartPage& hart_page();  // host builds: a fake's (tests/host/fake_hardware.cpp)
#endif

}  // namespace riscv
