// Pre-allocated, essential memory (see pinned_memory.h).
#include <exos/console.h>
#include <exos/pinned_memory.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

namespace exos {

abi::Error PinnedMemory::start(FramePool& pool, uint64_t base, uint64_t pages, uint64_t spare) {
    base_ = base;
    pages_ = pages;
    for (uint64_t i = 0; i < pages; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return abi::Error::NoMemory;
        abi::Error error =
            map(base + i * 4096, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
        while (error == abi::Error::NoMemory) {
            std::optional<uint64_t> table = pool.take();
            if (!table) return abi::Error::NoMemory;
            if (abi::Error donated = page_table_donate(*table); donated != abi::Error::Ok)
                return donated;
            error =
                map(base + i * 4096, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
        }
        if (error != abi::Error::Ok) return error;
        if (abi::Error marked = frame_set_essential(*frame, true); marked != abi::Error::Ok)
            return marked;
    }
    for (uint64_t i = 0; i < spare; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return abi::Error::NoMemory;
        spare_.add(*frame);
    }
    return add_memory_policy(*this);
}

bool PinnedMemory::claims(const volatile abi::TrapState& trap) const {
    return fault_in(trap, base_, pages_);
}

ExceptionOutcome PinnedMemory::handle_fault(const volatile abi::TrapState& trap) {
    printf("pinned: %s at pc %lx, address %lx: this policy never pages\n",
           exception_name(trap.cause), trap.pc, trap.address);
    return ExceptionOutcome::fatal(95);
}

uint64_t PinnedMemory::give_back(uint64_t frames) {
    uint64_t freed = spare_.release(frames);
    given_back_ = given_back_ + freed;
    return freed;
}

}  // namespace exos
