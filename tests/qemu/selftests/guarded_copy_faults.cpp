// Self-test: the user-copy routine's fault recovery. Each copy below faults on purpose (a load
// from an unmapped guard page, a store into read-only kernel data, a load from firmware memory
// that the PMP closes to S-mode) and must come back as a failed copy with the kernel running on,
// not as a panic. No user page can make these faults once user_copy.cpp's checks pass; calling
// the routine directly is how to reach the recovery path at all.
#include "arch/riscv64/guarded_copy.h"
#include "arch/riscv64/memory_layout.h"
#include "console.h"
#include "selftest.h"

extern "C" char __boot_stack_guard[], __text_end[];

namespace exo {
namespace {

// The bottom of RAM on both emulated boards: OpenSBI's own region, which it closes to S-mode
// with a PMP entry (an access fault, where the other two are page faults).
constexpr uint64_t kFirmwareBase = 0x80000000;

int recovered = 0;

void expect_fault(const char* what, void* destination, const void* source, size_t size) {
    bool copied = riscv::guarded_copy(destination, source, size);
    kprintf("selftest: guarded copy %s: %s\n", what, copied ? "COPIED, which is wrong" : "fault recovered");
    recovered += !copied;
}

}  // namespace

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

}  // namespace exo
