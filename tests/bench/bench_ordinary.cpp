// Rows for costs the headline rows leave out (issue 17): the same operations as ordinary use
// pays for them. The headline row and its ordinary twin are printed side by side; each is
// defined, with its start and end points, in docs/benchmarks.md ("Costs as ordinary use pays
// them").
#include <exos/frame_pool.h>
#include <exos/pipe.h>
#include <exos/syscall.h>
#include <exos/transfer.h>
#include <exos/upcalls.h>

#include "measure.h"

namespace bench {

namespace {

using abi::Error;
constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kCycleVa = 0x20000000;      // frame_alloc_map_unmap_free's page
constexpr uint64_t kScattered = 0x40000000;    // 64 MiB of address space for scattered pages
constexpr uint64_t kScatteredPages = 64 * 1024 * 1024 / kPage;
constexpr uint64_t kGrants = 16;

// The headline cycle, on the page at `va`.
void cycle(uint64_t va) {
    uint64_t frame = exos::frame_alloc().value;
    (void)exos::map(va, frame, 1, RW);
    (void)exos::unmap(va, 1);
    (void)exos::frame_free(frame);
}

// A different page of the 64 MiB each time, in an order no cache can follow (a fixed LCG).
uint64_t scattered_va(int i) {
    uint64_t x = static_cast<uint64_t>(i) * 6364136223846793005ull + 1442695040888963407ull;
    return kScattered + ((x >> 33) % kScatteredPages) * kPage;
}

}  // namespace

// frame_cycle_zeroing, frame_cycle_scattered: after frames_and_mappings, no idle time given.
void ordinary_frame_rows() {
    // Zeroing at allocation: the frame freed by the last cycle is asked for again by number,
    // so the kernel must zero it on the spot (no frame it hands out is one idle time zeroed).
    uint64_t frame = exos::frame_alloc().value;
    (void)exos::frame_free(frame);
    report("frame_cycle_zeroing", measure([](int) {}, [&](int) {
        (void)exos::frame_alloc(frame);
        (void)exos::map(kCycleVa, frame, 1, RW);
        (void)exos::unmap(kCycleVa, 1);
        (void)exos::frame_free(frame);
    }));

    // Scattered pages: every page table the 64 MiB needs made first (outside the window, with
    // frames donated as the kernel asks), then each cycle maps a page at a random address.
    uint64_t probe = exos::frame_alloc().value;
    for (uint64_t region = 0; region < 64 * 1024 * 1024; region += 2 * 1024 * 1024) {
        Error error = exos::map(kScattered + region, probe, 1, RW);
        while (error == Error::NoMemory) {
            check(exos::page_table_donate(exos::frame_alloc().value) == Error::Ok,
                  "page-table frames for 64 MiB");
            error = exos::map(kScattered + region, probe, 1, RW);
        }
        check(error == Error::Ok, "a page in every 2 MiB of the 64");
        (void)exos::unmap(kScattered + region, 1);
    }
    (void)exos::frame_free(probe);
    // The tables may have used the reserve later rows count on (a mailbox's table): refill it.
    for (int i = 0; i < 4; ++i) (void)exos::page_table_donate(exos::frame_alloc().value);
    report("frame_cycle_scattered", measure([](int) {}, [](int i) { cycle(scattered_va(i)); }));
}

// frame_free_with_grants: while `grantee` (the bench's peer) holds 16 grants of frames that
// have nothing to do with the cycle.
void ordinary_grant_rows(exos::FramePool& pool, uint64_t grantee) {
    uint64_t granted[kGrants] = {};
    for (uint64_t i = 0; i < kGrants; ++i) {
        granted[i] = pool.take().value_or(0);
        check(exos::grant(granted[i], grantee, abi::permission::kRead) == Error::Ok,
              "16 unrelated grants");
    }
    report("frame_free_with_grants", measure([](int) {}, [](int) { cycle(kCycleVa); }));
    for (uint64_t pfn : granted) {
        check(exos::grant_revoke(pfn, grantee).error == Error::Ok, "grants revoked");
        pool.add(pfn);
    }
}

namespace {

// The library OS's own calls, out of line as a program's are: the call, the wrapper's register
// set-up and saves, and the return are in the window.
[[gnu::noinline]] void null_through_wrapper() { (void)exos::syscall(abi::Syscall::Null); }

[[gnu::noinline]] uint64_t lrpc_through_wrapper(uint64_t peer, uint64_t argument) {
    return exos::call(peer, 1, argument, 1).value[0];
}

[[gnu::noinline]] uint8_t pipe_through_wrapper(exos::Pipe& out, exos::Pipe& in, uint8_t byte) {
    uint8_t back = 0;
    out.write(&byte, 1);
    in.read(&back, 1);
    return back;
}

}  // namespace

// trap_libos's handler: the library OS's general C++ exception handler (exos/upcalls.h), doing
// what the trap row's assembly handler does: unprotect the faulting page, retry the store.
exos::ExceptionOutcome unprotect_and_retry(const volatile abi::TrapState& trap) {
    (void)exos::protect(trap.address & ~(kPage - 1), 1, RW);
    return exos::ExceptionOutcome::retry();
}

// trap_libos: the trap row's fault on `page`, taken by the library OS's runtime entry and its
// dispatcher instead of a hand-written entry. The caller re-registers its own entry afterwards.
void ordinary_trap_row(uint64_t page) {
    exos::set_exception_handler(unprotect_and_retry);
    report("trap_libos",
           measure([page](int) { (void)exos::protect(page, 1, abi::permission::kRead); },
                   [page](int) { *reinterpret_cast<volatile uint64_t*>(page) = 1; }));
    exos::set_exception_handler(nullptr);
}

void ordinary_syscall_rows() {
    report("null_syscall_libos", measure([](int) {}, [](int) { null_through_wrapper(); }));
}

// lrpc_call, pipe_call: the peer's entries and pipes as lrpc_roundtrip and pipe_roundtrip use
// them, through out-of-line functions.
void ordinary_ipc_rows(uint64_t peer, exos::Pipe& to_peer, exos::Pipe& from_peer) {
    uint64_t wrong = 0;
    report("lrpc_call", measure([](int) {}, [&](int i) {
        uint64_t argument = static_cast<uint64_t>(i);
        wrong += lrpc_through_wrapper(peer, argument) != argument + 1;
    }));
    check(wrong == 0, "lrpc answers");
    uint64_t misses = 0;
    report("pipe_call", measure([](int) {}, [&](int i) {
        uint8_t byte = static_cast<uint8_t>(i);
        misses += pipe_through_wrapper(to_peer, from_peer, byte) != byte;
    }));
    check(misses == 0, "pipe bytes echoed");
}

}  // namespace bench
