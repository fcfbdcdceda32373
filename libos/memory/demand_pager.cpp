// Demand paging with FIFO eviction (see demand_pager.h).
#include <exos/demand_pager.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

namespace exos {
namespace {

constexpr uint64_t kLoadPageFault = 13;
constexpr uint64_t kStorePageFault = 15;

}  // namespace

abi::Error DemandPager::start(FramePool& pool, uint64_t base, uint64_t pages,
                              uint64_t resident_limit) {
    pool_ = &pool;
    base_ = base;
    pages_ = pages;
    limit_ = resident_limit < kMaxResident ? resident_limit : kMaxResident;
    return add_memory_policy(*this);
}

bool DemandPager::claims(const volatile abi::TrapState& trap) const {
    return (trap.cause == kLoadPageFault || trap.cause == kStorePageFault) &&
           contains(trap.address);
}

bool DemandPager::evict_oldest() {
    if (resident_count_ == 0) return false;
    uint64_t va = resident_[head_];
    head_ = (head_ + 1) % kMaxResident;
    resident_count_ = resident_count_ - 1;
    uint64_t pfn = pte_read(va) >> 10 & ((1ull << 44) - 1);
    if (unmap(va) != abi::Error::Ok) return false;
    pool_->add(pfn);
    evictions_ = evictions_ + 1;
    return true;
}

ExceptionOutcome DemandPager::handle_fault(const volatile abi::TrapState& trap) {
    uint64_t address = trap.address;  // claims() vouched for it: a page fault in the region
    faults_ = faults_ + 1;
    if (resident_count_ == limit_) evict_oldest();
    std::optional<uint64_t> frame = pool_->take();
    if (!frame && evict_oldest()) frame = pool_->take();
    if (!frame) return ExceptionOutcome::fatal(91);
    uint64_t page = address & ~uint64_t{4095};
    abi::Error error = map(page, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
    // The walk needs page-table nodes (at most two below the root): donate and try again.
    for (int tables = 0; error == abi::Error::NoMemory && tables < 2; ++tables) {
        std::optional<uint64_t> table = pool_->take();
        if (!table || page_table_donate(*table) != abi::Error::Ok)
            return ExceptionOutcome::fatal(92);
        error = map(page, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
    }
    if (error != abi::Error::Ok) return ExceptionOutcome::fatal(93);
    // A frame reused after an eviction still holds the old page: the region promises zeroes.
    auto* words = reinterpret_cast<volatile uint64_t*>(page);
    for (uint64_t i = 0; i < 4096 / sizeof(uint64_t); ++i) words[i] = 0;
    resident_[(head_ + resident_count_) % kMaxResident] = page;
    resident_count_ = resident_count_ + 1;
    return ExceptionOutcome::retry();
}

uint64_t DemandPager::give_back(uint64_t frames) {
    uint64_t freed = pool_->release(frames);
    while (freed < frames && evict_oldest()) freed += pool_->release(1);
    given_back_ = given_back_ + freed;
    return freed;
}

}  // namespace exos
