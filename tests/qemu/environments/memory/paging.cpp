// Demand paging with a library OS pager, then protection changes, dirty bits and Appel-Li style
// user-level fault handling with a handler of this environment's own.
#include <exos/console.h>
#include <exos/demand_pager.h>
#include <exos/frame_pool.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../check.h"

namespace {

using abi::Error;
constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
constexpr uint64_t kPagedBase = 0x40000000;
constexpr uint64_t kProtectBase = 0x50000000;
constexpr uint64_t kPage = 4096;

exos::FramePool pool;
exos::DemandPager pager;

volatile uint64_t* word(uint64_t base, uint64_t page) {
    return reinterpret_cast<volatile uint64_t*>(base + page * kPage);
}

uint64_t pattern(uint64_t page) { return 0x9e3779b97f4a7c15ull * (page + 1); }

void demand_paging() {
    EXPECT(pager.start(pool, kPagedBase, 1024, 64) == Error::Ok);
    for (uint64_t page = 0; page < 48; ++page) *word(kPagedBase, page) = pattern(page);
    uint64_t sum = 0;
    for (uint64_t page = 0; page < 48; ++page) sum += *word(kPagedBase, page) == pattern(page);
    EXPECT(sum == 48);
    EXPECT(pager.faults() == 48);
    EXPECT(pager.evictions() == 0);
    // 32 more pages with 64 resident at most: the 16 oldest go, and come back empty.
    for (uint64_t page = 48; page < 80; ++page) *word(kPagedBase, page) = pattern(page);
    EXPECT(pager.evictions() == 16);
    EXPECT(pager.resident() == 64);
    uint64_t kept = 0;
    for (uint64_t page = 16; page < 80; ++page) kept += *word(kPagedBase, page) == pattern(page);
    EXPECT(kept == 64);
    EXPECT(pager.faults() == 80);
    EXPECT(*word(kPagedBase, 0) == 0);  // evicted: refetched as a fresh zero page
    EXPECT(pager.faults() == 81);
    exos::printf("paging: %lu faults, %lu evictions, %lu resident\n", pager.faults(),
                 pager.evictions(), pager.resident());
    EXPECT_AUDIT_CLEAN("demand paging");
}

// Appel-Li: the handler makes the faulting page accessible and the access retries.
volatile uint64_t protection_faults = 0;  // written by the handler
exos::ExceptionOutcome unprotect_on_fault(const volatile abi::TrapState& trap) {
    uint64_t page = trap.address & ~(kPage - 1);
    if (trap.address - kProtectBase >= 100 * kPage) return exos::ExceptionOutcome::fatal(80);
    protection_faults = protection_faults + 1;
    if (exos::protect(page, 1, RW) != Error::Ok) return exos::ExceptionOutcome::fatal(81);
    return exos::ExceptionOutcome::retry();
}

void protection() {
    uint64_t first = 0;
    for (uint64_t i = 0; i < 100; ++i) {
        std::optional<uint64_t> frame = pool.take();
        EXPECT(frame.has_value());
        abi::Error error = exos::map(kProtectBase + i * kPage, *frame, 1, RW);
        if (error == Error::NoMemory) {
            EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
            error = exos::map(kProtectBase + i * kPage, *frame, 1, RW);
        }
        EXPECT(error == Error::Ok);
        if (i == 0) first = *frame;
    }
    // Dirty and accessed bits, read from the page table as Xok exported it.
    uint64_t entry = exos::pte_read(kProtectBase);
    EXPECT((entry >> 10) == first);
    EXPECT((entry & (1 << 7)) == 0);  // not dirty yet
    *word(kProtectBase, 0) = 1;
    EXPECT((exos::pte_read(kProtectBase) & (1 << 7)) != 0);
    EXPECT((exos::pte_read(kProtectBase + kPage) & (1 << 7)) == 0);

    exos::set_exception_handler(unprotect_on_fault);
    EXPECT(exos::protect(kProtectBase, 100, abi::permission::kRead) == Error::Ok);
    EXPECT(*word(kProtectBase, 0) == 1);  // reads still work
    EXPECT(protection_faults == 0);
    *word(kProtectBase, 50) = 2;  // one write fault, unprotected by the handler
    EXPECT(protection_faults == 1);
    EXPECT(*word(kProtectBase, 50) == 2);
    EXPECT(exos::protect(kProtectBase, 100, RW) == Error::Ok);
    *word(kProtectBase, 51) = 3;
    EXPECT(protection_faults == 1);

    // No access at all: the binding stays (the entry keeps its frame), every touch faults once.
    EXPECT(exos::protect(kProtectBase, 100, 0) == Error::Ok);
    uint64_t protected_entry = exos::pte_read(kProtectBase);
    EXPECT(protected_entry != 0 && (protected_entry & 1) == 0 && (protected_entry >> 10) == first);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < 100; ++i) sum += *word(kProtectBase, (i * 37) % 100);
    EXPECT(protection_faults == 101);
    EXPECT(sum == 1 + 2 + 3);
    // Refused protections: unmapped pages, reserved permissions, the kernel half.
    EXPECT(exos::protect(kProtectBase + 100 * kPage, 1, RW) == Error::NotMapped);
    EXPECT(exos::protect(kProtectBase, 100, abi::permission::kWrite) == Error::BadPermission);
    EXPECT(exos::protect(0xffffffc080000000, 1, RW) == Error::OutOfRange);
    EXPECT(exos::protect(kProtectBase + 1, 1, RW) == Error::Misaligned);
    exos::printf("paging: %lu protection faults handled in the library OS\n", protection_faults);
    EXPECT_AUDIT_CLEAN("protection");
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    demand_paging();
    protection();
    exos::printf("paging: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
