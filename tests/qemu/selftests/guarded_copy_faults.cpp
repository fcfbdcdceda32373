// Self-test: the user-copy routine's fault recovery. Each copy below faults on purpose (a load
// from an unmapped guard page, a store into read-only kernel data, a load from firmware memory
// that the PMP closes to S-mode) and must come back as a failed copy with the kernel running on,
// not as a panic. No user page can make these faults once user_copy.cpp's checks pass; calling
// the routine directly is how to reach the recovery path at all. Each copy runs as if inside a
// syscall from U-mode (sepc the user's return address, SPP clear, SPIE set): the fault's trap
// must leave those as they were, or the syscall's sret would land in the kernel's code.
#include "arch/riscv64/csr.h"
#include "arch/riscv64/guarded_copy.h"
#include "arch/riscv64/memory_layout.h"
#include "boot/selftest.h"
#include "drivers/console.h"

extern "C" char __boot_stack_guard[], __text_end[];

namespace exo {
namespace {

// The bottom of RAM on both emulated boards: OpenSBI's own region, which it closes to S-mode
// with a PMP entry (an access fault, where the other two are page faults).
constexpr uint64_t kFirmwareBase = 0x80000000;

int recovered = 0;

// What a syscall from U-mode returns through: the user's pc, SPP = U, SPIE = interrupts on.
constexpr uint64_t kUserReturnPc = 0x10004;
constexpr uint64_t kReturnBits =
    riscv::sstatus::kSpp | riscv::sstatus::kSpie | riscv::sstatus::kSie;

void expect_fault(const char* what, void* destination, const void* source, size_t size) {
    uint64_t sstatus_before = riscv::read<riscv::Csr::sstatus>();
    uint64_t sepc_before = riscv::read<riscv::Csr::sepc>();
    riscv::write<riscv::Csr::sepc>(kUserReturnPc);
    riscv::write<riscv::Csr::sstatus>((sstatus_before & ~kReturnBits) | riscv::sstatus::kSpie);
    bool copied = riscv::guarded_copy(destination, source, size);
    uint64_t sepc = riscv::read<riscv::Csr::sepc>();
    uint64_t bits = riscv::read<riscv::Csr::sstatus>() & kReturnBits;
    riscv::write<riscv::Csr::sstatus>(sstatus_before);
    riscv::write<riscv::Csr::sepc>(sepc_before);
    bool kept = sepc == kUserReturnPc && bits == riscv::sstatus::kSpie;
    kprintf("selftest: guarded copy %s: %s, %s\n", what,
            copied ? "COPIED, which is wrong" : "fault recovered",
            kept ? "return state kept" : "return state LOST");
    if (!kept) kprintf("selftest: sepc %lx, sstatus bits %lx\n", sepc, bits);
    recovered += !copied && kept;
}

} // namespace

void run_kernel_selftests() {
    uint64_t buffer[4] = {};
    expect_fault("from the stack guard page", buffer, __boot_stack_guard, sizeof(buffer));
    // __text_end is the first byte of rodata: mapped read-only.
    expect_fault("into read-only data", __text_end, buffer, sizeof(buffer));
    // One byte in, so the byte loop does the faulting load.
    expect_fault("from firmware memory", buffer,
                 reinterpret_cast<const void*>(layout::direct_map(kFirmwareBase) + 1), 1);
    char text[] = "ok";
    char copy[sizeof(text)] = {};
    bool copied = riscv::guarded_copy(copy, text, sizeof(text));
    kprintf("selftest: guarded copy: %d of 3 faults recovered, an ordinary copy %s\n", recovered,
            copied && copy[0] == 'o' && copy[1] == 'k' ? "still works" : "FAILED");
}

} // namespace exo
