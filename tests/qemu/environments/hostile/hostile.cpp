// The hostile environment: a seeded fuzzer of the syscall interface. It makes HOSTILE_CALLS
// syscalls with random numbers and arguments biased toward edge values (zero, all ones, kernel,
// firmware and device addresses, misaligned pointers, huge counts, other environments' ids and
// frames, stale ids, and the kernel's own encodings: gate markers, addresses of its records),
// every register checked after each call, interleaved with loads, stores and jumps to random
// addresses, which its own exception handler absorbs. The seed and the count are printed so a
// failure replays.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../attack/gate_protocol.h"
#include "../attack/registers.h"
#include "../memory/mailbox.h"

#ifndef HOSTILE_SEED
#define HOSTILE_SEED 0x5eed0f4057113ull
#endif
#ifndef HOSTILE_CALLS
#define HOSTILE_CALLS 200000
#endif

namespace {

uint64_t rng = HOSTILE_SEED;
uint64_t next() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
uint64_t below(uint64_t n) { return next() % n; }

uint64_t my_frames[256];
uint64_t my_frame_count = 0;
uint64_t foreign_frames[64];  // frames other environments own, found with FrameQuery
uint64_t foreign_count = 0;
uint64_t stale_id = 0;

// Addresses no environment may touch or name, and a few of its own.
uint64_t edge_address() {
    static const uint64_t kEdges[] = {
        0, ~uint64_t{0}, 0xffffffff80200000, 0xffffffc080000000, 0xffffffc080200000,
        0xfffffffffffff000, 0xfffffffffffff800, 0x80000000, 0x80200000, 0x10000000, 0x0c000000,
        0x02000000, 0x100000, 1ull << 38, (1ull << 38) - 4096, 0x3ffffe0000, 0x3ffffe0008,
        0x3fffffb000, 0x3ffffff000, 0x10000, 0x10001, 0xfff, 0x8000000000000000,
        0x7ffffffffffff000, 0x20000000, 0x20000001, 0x40000000,
    };
    uint64_t choice = below(sizeof(kEdges) / sizeof(kEdges[0]) + 3);
    if (choice < sizeof(kEdges) / sizeof(kEdges[0])) return kEdges[choice];
    if (choice == sizeof(kEdges) / sizeof(kEdges[0])) return next();
    return (next() & ((1ull << 38) - 1)) |
           (below(2) ? 0 : below(4096)); // user half, maybe misaligned
}

uint64_t edge_count() {
    static const uint64_t kCounts[] = {0,   1,  2, 100, 4096, 4097, 1ull << 32, ~uint64_t{0},
                                       511, 512};
    return below(3) == 0 ? next() : kCounts[below(sizeof(kCounts) / sizeof(kCounts[0]))];
}

uint64_t some_frame() {
    switch (below(6)) {
    case 0: return my_frame_count ? my_frames[below(my_frame_count)] : 0x80300;
    case 1: return foreign_count ? foreign_frames[below(foreign_count)] : 0x80400;
    case 2: return 0x80000 + below(0x200);        // firmware and kernel image
    case 3: return 0x10000 + below(0x100);        // devices
    case 4: return abi::kAnyFrame;
    default: return next() >> below(64);
    }
}

// The kernel's own encodings, which a fuzzer drawing plain random numbers never hits: every
// state a gate or the trap vector's directory can hold (0, the dead and serving markers), the
// addresses of the kernel's records (environment records are 64-byte aligned inside its image,
// seen from the image and from the direct map; the hart page), and ids in every form.
uint64_t kernel_encoding() {
    switch (below(6)) {
    case 0: return gate::kMarkers[below(sizeof(gate::kMarkers) / sizeof(gate::kMarkers[0]))];
    case 1: return gate::kKernelImage + (below(gate::kScanBytes) & ~uint64_t{63});
    case 2: return gate::kKernelImage + (below(gate::kScanBytes) & ~uint64_t{7});
    case 3: return gate::kKernelDirectMap + (below(gate::kScanBytes) & ~uint64_t{63});
    case 4: return gate::kHartPage + (below(4096) & ~uint64_t{7});
    default: return (below(4) << 16) | below(128) | (below(2) ? uint64_t{1} << 63 : 0);
    }
}

uint64_t some_id() {
    switch (below(6)) {
    case 0: return stale_id;
    case 1: return exos::shared_info().parent_id;
    case 2: return (below(4) << 16) | (1 + below(66));  // guessed: live ones, stale ones, forged
    case 3: return 0;
    case 4: return kernel_encoding();
    default: return next();
    }
}

uint64_t some_argument() {
    switch (below(6)) {
    case 0: return edge_address();
    case 1: return edge_count();
    case 2: return some_frame();
    case 3: return some_id();
    case 4: return below(16);
    default: return next();
    }
}

// The handler skips whatever faulted. A wild jump (jalr ra, target) faults on the fetch at the
// target: resuming at ra continues right after the jump.
volatile uint64_t faults = 0;
exos::ExceptionOutcome on_fault(const volatile abi::TrapState& trap) {
    faults = faults + 1;
    bool fetch = trap.cause == 12 || trap.cause == 1 || trap.cause == 0;
    if (fetch) return exos::ExceptionOutcome::resume_at(trap.registers[1]);
    return exos::ExceptionOutcome::resume_at(trap.pc + exos::instruction_length(trap.pc));
}

void learn_foreign_frames() {
    uint64_t my_slot = (exos::shared_info().environment_id & 0xffff) - 1;
    for (uint64_t pfn = 0x80000; pfn < 0x88000 && foreign_count < 64; ++pfn) {
        uint64_t info = exos::frame_query(pfn);
        if (abi::frame_info_state(info) == abi::FrameState::Owned &&
            abi::frame_info_owner_slot(info) != my_slot) {
            foreign_frames[foreign_count++] = pfn;
        }
    }
}

void memory_chaos() {
    volatile uint64_t* address = reinterpret_cast<volatile uint64_t*>(edge_address());
    switch (below(3)) {
    case 0: (void)*address; break;
    case 1: {
        // Our own image and stack are ours to wreck, which proves nothing about the kernel.
        uint64_t target = reinterpret_cast<uint64_t>(address);
        bool own = (target >= 0x10000 && target < 0x100000) ||
                   (target >= abi::kInitialStackTop - 0x8000 && target < abi::kInitialStackTop) ||
                   (target >= 0x7f000000 && target < 0x7f001000);
        if (!own) *address = next();
        break;
    }
    default: {
        // A jump to a random address that is not our own code (that would run our code at a
        // random place, which tests nothing about the kernel).
        uint64_t target = edge_address();
        if (target >= 0x10000 && target < 0x100000) target = 0xffffffff80200000;
        asm volatile("jalr ra, 0(%0)" ::"r"(target) : "ra", "memory");
        break;
    }
    }
}

// Ranges of its own that the fuzzer leaves alone: unmapping its own stack or code attacks
// nothing but itself.
bool touches_self(uint64_t va, uint64_t count) {
    uint64_t end = count > (1ull << 26) ? ~uint64_t{0} : va + count * 4096;
    auto overlaps = [&](uint64_t low, uint64_t high) { return va < high && end > low; };
    return overlaps(0x10000, 0x100000) ||
           overlaps(abi::kInitialStackTop - 0x8000, abi::kInitialStackTop) ||
           overlaps(mailbox::kAddress, mailbox::kAddress + 4096);
}

uint64_t calls = 0;
uint64_t errors_seen[32] = {};
uint64_t register_leaks = 0;

void one_call() {
    uint64_t pick = below(8);
    uint64_t number = pick == 0 ? next() >> below(64)
                      : pick == 1
                          ? abi::kTransferBase + below(abi::kTransferEnd - abi::kTransferBase + 1)
                          : below(static_cast<uint64_t>(abi::Syscall::Count) + 2);
    // Calls that would end this environment, replace all its registers or put it to sleep
    // until an event it may never get are left out (that attacks only itself), and so is the
    // audit (a diagnostic that scans every frame).
    if (number == static_cast<uint64_t>(abi::Syscall::Exit) ||
        number == static_cast<uint64_t>(abi::Syscall::ResumeContext) ||
        number == static_cast<uint64_t>(abi::Syscall::EventWait) ||
        number == static_cast<uint64_t>(abi::Syscall::Audit)) {
        return;
    }
    uint64_t a[6];
    for (uint64_t& value : a) value = some_argument();
    if (number == static_cast<uint64_t>(abi::Syscall::ConsoleWrite))
        a[0] = edge_address() | 0xffffffc000000000;
    if (number == static_cast<uint64_t>(abi::Syscall::EnvDestroy) &&
        a[0] == exos::shared_info().environment_id) {
        return;
    }
    if (number == static_cast<uint64_t>(abi::Syscall::Yield) && below(4) != 0) a[0] = 0;
    if ((number == static_cast<uint64_t>(abi::Syscall::Unmap) ||
         number == static_cast<uint64_t>(abi::Syscall::Protect)) &&
        touches_self(a[0], a[1])) {
        return;
    }
    // Every register patterned, every register checked afterwards: no kernel address or satp,
    // and after anything but an answered Call nothing but zero or what we left (registers.h).
    uint64_t before[32], after[32];
    attack::prepare(before, number, a[0], a[1], a[2]);
    for (int n = 0; n < 6; ++n) before[attack::kA0 + n] = a[n];
    for (int n = 0; n < 32; ++n) after[n] = before[n];
    attack::attack_ecall(after);
    exos::SyscallReturn result = {static_cast<abi::Error>(after[attack::kA0]), after[attack::kA1]};
    bool answered_call = number >= abi::kCall && number < abi::kCall + abi::kCallEntries &&
                         result.error == abi::Error::Ok;
    uint64_t leaked = answered_call ? attack::leaks_after_reply(after)
                                    : attack::leaks_after_syscall(before, after);
    if (leaked != 0 && register_leaks == 0) {
        exos::printf("CHECK FAILED: hostile: syscall %lu left kernel values in %lu registers\n",
                     number, leaked);
    }
    register_leaks += leaked;
    ++calls;
    uint64_t error = static_cast<uint64_t>(result.error);
    ++errors_seen[error < 31 ? error : 31];
    // A random EnvSetEntry may have replaced our own handler: put it back.
    if (number == static_cast<uint64_t>(abi::Syscall::EnvSetEntry))
        exos::set_exception_handler(on_fault);
    if (number == static_cast<uint64_t>(abi::Syscall::FrameAlloc) &&
        result.error == abi::Error::Ok) {
        if (my_frame_count == 256) {
            for (uint64_t i = 0; i < 128; ++i) (void)exos::frame_free(my_frames[--my_frame_count]);
        }
        my_frames[my_frame_count++] = result.value;
    }
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    exos::set_exception_handler(on_fault);
    learn_foreign_frames();
    // A stale id: a child that existed and is gone (created from our own frames, destroyed).
    stale_id = (uint64_t{7} << 16) | 60;
    exos::printf("hostile: seed %lx, %d calls, %lu foreign frames known\n",
                static_cast<unsigned long>(HOSTILE_SEED), HOSTILE_CALLS, foreign_count);
    while (calls < HOSTILE_CALLS) {
        if (below(16) == 0) {
            memory_chaos();
        } else {
            one_call();
        }
        if (calls % 20000 == 0 && calls != 0) (void)exos::yield(exos::shared_info().parent_id);
    }
    exos::printf("hostile: %lu hostile syscalls, %lu faults absorbed; errors: ok %lu, unknown %lu, "
                "bad address %lu, not owner %lu, out of range %lu, no such environment %lu\n",
                calls, faults, errors_seen[0], errors_seen[1], errors_seen[3], errors_seen[8],
                errors_seen[13], errors_seen[7]);
    exos::printf("hostile: %lu registers with kernel values after %lu calls\n", register_leaks,
                 calls);
    mailbox::at().state = mailbox::kDone;
    for (;;) (void)exos::yield(exos::shared_info().parent_id);
}
