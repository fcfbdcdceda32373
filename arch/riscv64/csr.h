// Supervisor CSR numbers and bit layouts (Privileged spec 12), with the accessors that need asm.
#pragma once

#include <cstdint>

namespace riscv {

enum class Csr : uint16_t {
    sstatus = 0x100,
    sie = 0x104,
    stvec = 0x105,
    scounteren = 0x106,
    sscratch = 0x140,
    sepc = 0x141,
    scause = 0x142,
    stval = 0x143,
    sip = 0x144,
    stimecmp = 0x14d,  // Sstc
    satp = 0x180,
    time = 0xc01,
    instret = 0xc02,
};

namespace sstatus {
inline constexpr uint64_t kSie = 1ull << 1;    // S-mode interrupts enabled
inline constexpr uint64_t kSpie = 1ull << 5;   // SIE before the trap; sret copies it back
inline constexpr uint64_t kSpp = 1ull << 8;    // previous privilege: 1 = S, 0 = U
inline constexpr uint64_t kFsInitial = 1ull << 13;
inline constexpr uint64_t kFsClean = 2ull << 13;  // the registers match what was saved
inline constexpr uint64_t kFsMask = 3ull << 13;
inline constexpr uint64_t kSum = 1ull << 18;   // S-mode may touch U pages
inline constexpr uint64_t kMxr = 1ull << 19;
}  // namespace sstatus

namespace interrupt {
inline constexpr uint64_t kSoftware = 1;
inline constexpr uint64_t kTimer = 5;
inline constexpr uint64_t kExternal = 9;
inline constexpr uint64_t bit(uint64_t cause) { return 1ull << cause; }
}  // namespace interrupt

// scause: the top bit says interrupt; the rest is the code (Privileged spec 12.1.8, table 22).
inline constexpr uint64_t kCauseInterruptBit = 1ull << 63;
enum class Exception : uint64_t {
    InstructionMisaligned = 0,
    InstructionAccessFault = 1,
    IllegalInstruction = 2,
    Breakpoint = 3,
    LoadMisaligned = 4,
    LoadAccessFault = 5,
    StoreMisaligned = 6,
    StoreAccessFault = 7,
    EcallFromUser = 8,
    EcallFromSupervisor = 9,
    InstructionPageFault = 12,
    LoadPageFault = 13,
    StorePageFault = 15,
};

const char* describe_cause(uint64_t scause);

#ifndef EXO_HOST
// The CSR number must be an immediate, hence the template (one asm per access, nothing else).
template <Csr csr>
inline uint64_t read() {
    uint64_t value;
    asm volatile("csrr %0, %1" : "=r"(value) : "i"(static_cast<uint16_t>(csr)));
    return value;
}
template <Csr csr>
inline void write(uint64_t value) {
    asm volatile("csrw %0, %1" ::"i"(static_cast<uint16_t>(csr)), "r"(value) : "memory");
}
template <Csr csr>
inline void set_bits(uint64_t bits) {
    asm volatile("csrs %0, %1" ::"i"(static_cast<uint16_t>(csr)), "r"(bits) : "memory");
}
template <Csr csr>
inline void clear_bits(uint64_t bits) {
    asm volatile("csrc %0, %1" ::"i"(static_cast<uint16_t>(csr)), "r"(bits) : "memory");
}

inline uint64_t read_instret() {
    uint64_t value;
    asm volatile("rdinstret %0" : "=r"(value));
    return value;
}

// The whole TLB, or one page of one address space (Privileged spec 4.2.1).
inline void flush_tlb_all() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
inline void flush_tlb_page(uint64_t virtual_address, uint64_t asid) {
    asm volatile("sfence.vma %0, %1" ::"r"(virtual_address), "r"(asid) : "memory");
}
// One page of the kernel's global mappings, in every address space: with rs2 = x0, because an
// ASID operand leaves global entries alone (Privileged spec 4.2.1).
inline void flush_tlb_kernel_page(uint64_t virtual_address) {
    asm volatile("sfence.vma %0, zero" ::"r"(virtual_address) : "memory");
}
// Instruction fetches after it see this hart's stores before it (Zifencei, unprivileged spec 3).
inline void fence_instructions() { asm volatile("fence.i" ::: "memory"); }
inline void wait_for_interrupt() { asm volatile("wfi"); }
#else
// Host builds: the CSRs, the TLB and wfi are a fake's (tests/host/fake_hardware.cpp), so the
// scheduler, the trap decisions and the interrupt path run in host tests.
uint64_t host_csr_read(Csr csr);
void host_csr_write(Csr csr, uint64_t value);
template <Csr csr>
inline uint64_t read() {
    return host_csr_read(csr);
}
template <Csr csr>
inline void write(uint64_t value) {
    host_csr_write(csr, value);
}
template <Csr csr>
inline void set_bits(uint64_t bits) {
    host_csr_write(csr, host_csr_read(csr) | bits);
}
template <Csr csr>
inline void clear_bits(uint64_t bits) {
    host_csr_write(csr, host_csr_read(csr) & ~bits);
}
uint64_t read_instret();
void flush_tlb_all();
void flush_tlb_page(uint64_t virtual_address, uint64_t asid);
void wait_for_interrupt();
#endif

}  // namespace riscv
