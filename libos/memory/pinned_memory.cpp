// Pre-allocated, essential memory (see pinned_memory.h).
#include <exos/console.h>
#include <exos/pinned_memory.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

namespace exos {
namespace {

PinnedMemory* active = nullptr;

ExceptionOutcome on_exception(const volatile abi::TrapState& trap) {
    printf("pinned: fault at pc %lx (address %lx, cause %lu): this policy never pages\n", trap.pc,
           trap.address, trap.cause);
    return ExceptionOutcome::fatal(95);
}

void on_revocation(uint64_t frames, uint64_t) { active->give_back(frames); }

}  // namespace

abi::Error PinnedMemory::start(FramePool& pool, uint64_t base, uint64_t pages, uint64_t spare) {
    active = this;
    for (uint64_t i = 0; i < pages; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return abi::Error::NoMemory;
        abi::Error error = map(base + i * 4096, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
        while (error == abi::Error::NoMemory) {
            std::optional<uint64_t> table = pool.take();
            if (!table) return abi::Error::NoMemory;
            if (abi::Error donated = page_table_donate(*table); donated != abi::Error::Ok) return donated;
            error = map(base + i * 4096, *frame, 1, abi::permission::kRead | abi::permission::kWrite);
        }
        if (error != abi::Error::Ok) return error;
        if (abi::Error marked = frame_set_essential(*frame, true); marked != abi::Error::Ok) return marked;
    }
    for (uint64_t i = 0; i < spare; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return abi::Error::NoMemory;
        spare_.add(*frame);
    }
    set_exception_handler(on_exception);
    set_revocation_handler(on_revocation);
    return abi::Error::Ok;
}

void PinnedMemory::give_back(uint64_t frames) { given_back_ += spare_.release(frames); }

}  // namespace exos
