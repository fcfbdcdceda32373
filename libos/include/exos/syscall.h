// The library OS's view of the kernel: one inline function per syscall, over the register
// convention in <abi/syscall.h>.
#pragma once

#include <abi/info.h>
#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>

namespace exos {

struct SyscallReturn {
    abi::Error error;
    uint64_t value;
};

// The raw trap: a7 = number, a0..a5 = arguments; a0..a5 come back (a0 = error, a1 = value,
// and for a protected control transfer a1..a5 = the callee's results). Like a call to a C
// function, it clobbers the caller-saved registers (ra, t0-t6, a6, a7).
struct TrapRegisters {
    uint64_t a[6];
};

inline TrapRegisters trap(uint64_t number, uint64_t arg0, uint64_t arg1, uint64_t arg2,
                          uint64_t arg3, uint64_t arg4, uint64_t arg5) {
    register uint64_t a0 asm("a0") = arg0;
    register uint64_t a1 asm("a1") = arg1;
    register uint64_t a2 asm("a2") = arg2;
    register uint64_t a3 asm("a3") = arg3;
    register uint64_t a4 asm("a4") = arg4;
    register uint64_t a5 asm("a5") = arg5;
    register uint64_t a7 asm("a7") = number;
    asm volatile("ecall"
                 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a7)
                 :
                 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6", "memory");
    return {{a0, a1, a2, a3, a4, a5}};
}

inline SyscallReturn syscall(uint64_t number, uint64_t arg0 = 0, uint64_t arg1 = 0,
                             uint64_t arg2 = 0, uint64_t arg3 = 0, uint64_t arg4 = 0,
                             uint64_t arg5 = 0) {
    TrapRegisters registers = trap(number, arg0, arg1, arg2, arg3, arg4, arg5);
    return {static_cast<abi::Error>(registers.a[0]), registers.a[1]};
}

inline SyscallReturn syscall(abi::Syscall number, uint64_t arg0 = 0, uint64_t arg1 = 0,
                             uint64_t arg2 = 0, uint64_t arg3 = 0, uint64_t arg4 = 0,
                             uint64_t arg5 = 0) {
    return syscall(static_cast<uint64_t>(number), arg0, arg1, arg2, arg3, arg4, arg5);
}

inline abi::Error null_syscall() { return syscall(abi::Syscall::Null).error; }

inline SyscallReturn console_write(const void* text, size_t length) {
    return syscall(abi::Syscall::ConsoleWrite, reinterpret_cast<uint64_t>(text), length);
}

[[noreturn]] inline void exit(int status) {
    syscall(abi::Syscall::Exit, static_cast<uint64_t>(status));
    __builtin_unreachable();
}

inline abi::Error yield(uint64_t environment = 0) {
    return syscall(abi::Syscall::Yield, environment).error;
}

// Environments.
inline SyscallReturn environment_create(uint64_t image, const uint64_t* frames, uint64_t count) {
    return syscall(abi::Syscall::EnvCreate, image, reinterpret_cast<uint64_t>(frames), count);
}
inline abi::Error environment_destroy(uint64_t id) {
    return syscall(abi::Syscall::EnvDestroy, id).error;
}
inline abi::Error set_entry(abi::Entry entry, uint64_t pc, uint64_t sp) {
    return syscall(abi::Syscall::EnvSetEntry, static_cast<uint64_t>(entry), pc, sp).error;
}
// Ends an upcall (revocation, event, slice end) or a call entry that has nobody to reply to.
// (Exception handlers resume without the kernel: see upcalls.h.)
[[noreturn]] inline void upcall_resume() {
    syscall(abi::Syscall::UpcallReturn, 0);
    __builtin_trap();  // only reached outside an upcall: a library OS bug
}
[[noreturn]] inline void upcall_resume_at(uint64_t pc) {
    syscall(abi::Syscall::UpcallReturn, 1, pc);
    __builtin_trap();
}

// Frames and mappings.
inline SyscallReturn frame_alloc(uint64_t pfn = abi::kAnyFrame) {
    return syscall(abi::Syscall::FrameAlloc, pfn);
}
inline abi::Error frame_free(uint64_t pfn) { return syscall(abi::Syscall::FrameFree, pfn).error; }
inline uint64_t frame_query(uint64_t pfn) { return syscall(abi::Syscall::FrameQuery, pfn).value; }
inline abi::Error frame_set_essential(uint64_t pfn, bool essential) {
    return syscall(abi::Syscall::FrameSetEssential, pfn, essential).error;
}
inline abi::Error page_table_donate(uint64_t pfn) {
    return syscall(abi::Syscall::PageTableDonate, pfn).error;
}
inline abi::Error map(uint64_t va, uint64_t pfn, uint64_t count, uint64_t permissions) {
    return syscall(abi::Syscall::Map, va, pfn, count, permissions).error;
}
inline abi::Error unmap(uint64_t va, uint64_t count = 1) {
    return syscall(abi::Syscall::Unmap, va, count).error;
}
inline abi::Error protect(uint64_t va, uint64_t count, uint64_t permissions) {
    return syscall(abi::Syscall::Protect, va, count, permissions).error;
}
inline uint64_t pte_read(uint64_t va) { return syscall(abi::Syscall::PteRead, va).value; }
inline abi::Error grant(uint64_t pfn, uint64_t grantee, uint64_t permissions) {
    return syscall(abi::Syscall::Grant, pfn, grantee, permissions).error;
}
inline SyscallReturn grant_revoke(uint64_t pfn, uint64_t grantee) {
    return syscall(abi::Syscall::GrantRevoke, pfn, grantee);
}
// Number of inconsistencies the kernel finds in its own tables (0 = every frame accounted for).
inline uint64_t audit() { return syscall(abi::Syscall::Audit).value; }

// Slots of the slice vector (docs/cpu.md).
inline abi::Error slice_reserve(uint64_t slot) {
    return syscall(abi::Syscall::SliceReserve, slot).error;
}
inline abi::Error slice_release(uint64_t slot) {
    return syscall(abi::Syscall::SliceRelease, slot).error;
}
// The owner's id (0: free); slot ~0 answers the number of slots.
inline SyscallReturn slice_read(uint64_t slot) { return syscall(abi::Syscall::SliceRead, slot); }
inline abi::Error slice_set_background(uint64_t environment) {
    return syscall(abi::Syscall::SliceSetBackground, environment).error;
}

// The console's input (the first environment's): up to `length` bytes, 0 when none wait.
inline SyscallReturn console_read(void* buffer, size_t length) {
    return syscall(abi::Syscall::ConsoleRead, reinterpret_cast<uint64_t>(buffer), length);
}
// Sleeps until one of `events` (abi::event::kWaitable) is posted, or `deadline` (time ticks;
// 0: none) passes: the value is the bits posted since the last EventWait (0 for the deadline).
inline SyscallReturn event_wait(uint64_t events, uint64_t deadline = 0) {
    return syscall(abi::Syscall::EventWait, events, deadline);
}
// A child from an ELF of `length` bytes in our frames first_pfn, first_pfn + 1, ...: the
// frames it needs from `frames` (with NoMemory: the count needed; with InvalidArgument: the
// kernel's ELF check that failed), named by up to 15 bytes of `name`.
inline SyscallReturn environment_create_elf(uint64_t first_pfn, uint64_t length,
                                            const uint64_t* frames, uint64_t count,
                                            const char (&name)[abi::kEnvironmentNameBytes]) {
    return syscall(abi::Syscall::EnvCreateElf, first_pfn, length,
                   reinterpret_cast<uint64_t>(frames), count, reinterpret_cast<uint64_t>(name));
}
// The kernel's public record for `topic` and `index` (abi/info.h).
template <typename Record>
inline abi::Error kernel_info(abi::InfoTopic topic, uint64_t index, Record& record) {
    return syscall(abi::Syscall::KernelInfo, static_cast<uint64_t>(topic), index,
                   reinterpret_cast<uint64_t>(&record)).error;
}

}  // namespace exos
