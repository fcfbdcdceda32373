// ModelRun (memory_model.h): the frame operations (FrameAlloc named, run and any, FrameFree,
// PageTableDonate, FrameSetEssential, pins), each against the kernel and the model.
#include "memory_model.h"

namespace memory_model {

void ModelRun::allocate_named(EnvironmentSlot slot) {
    uint64_t pfn = random_.percent(65)
                       ? random_.between(machine_.first_usable(), machine_.end_pfn() - 1)
                       : pick_frame(slot);
    operation_ = "FrameAlloc " + hex(pfn) + " by slot " + std::to_string(slot);
    Error expected = !in_ram(pfn)   ? Error::OutOfRange
                     : is_free(pfn) ? Error::Ok
                                    : Error::FrameNotFree;
    exo::SyscallResult result = call(slot, abi::Syscall::FrameAlloc, pfn);
    expect_error(expected, result.error());
    if (expected != Error::Ok) return;
    expect(result.value() == pfn, "FrameAlloc of a named frame answers its number");
    owned_[pfn] = ModelFrame{slot};
}

void ModelRun::allocate_run(EnvironmentSlot slot) {
    uint64_t length = random_.between(2, 8);
    uint64_t start = random_.between(machine_.first_usable(), machine_.end_pfn() - length);
    operation_ = "FrameAlloc run of " + std::to_string(length) + " by slot " + std::to_string(slot);
    for (uint64_t first = start; first + length <= machine_.end_pfn(); ++first) {
        bool all_free = true;
        for (uint64_t i = 0; i < length && all_free; ++i)
            all_free = is_free(first + i);
        if (!all_free) continue;
        for (uint64_t i = 0; i < length; ++i) {
            expect_error(Error::Ok, call(slot, abi::Syscall::FrameAlloc, first + i).error());
            owned_[first + i] = ModelFrame{slot};
        }
        return;
    }
    ++totals_.skipped;
}

void ModelRun::allocate_any(EnvironmentSlot slot) {
    operation_ = "FrameAlloc any by slot " + std::to_string(slot);
    uint64_t free_before = free_frame_count();
    if (free_before == 0) {
        // The refusal asks the largest holder for frames back: the model does not follow that.
        ++totals_.skipped;
        return;
    }
    exo::SyscallResult result = call(slot, abi::Syscall::FrameAlloc, abi::kAnyFrame);
    expect_error(Error::Ok, result.error());
    std::optional<uint64_t> pfn = result.value();
    expect(is_free(*pfn), [&] {
        return std::string("allocate_any handed out a frame that was not free: " + hex(*pfn));
    });
    owned_[*pfn] = ModelFrame{slot};
    ++totals_.succeeded;
}

// FrameFree, through the kernel's handler.
void ModelRun::free_frame(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    operation_ = "FrameFree " + hex(pfn) + " by slot " + std::to_string(slot);
    Error expected = freeable_error(pfn, slot);
    Error actual = call(slot, abi::Syscall::FrameFree, pfn).error();
    expect_error(expected, actual);
    if (actual != Error::Ok) return;
    if (owned_[pfn].essential) --environments_[slot].essential;
    for (auto it = grants_.begin(); it != grants_.end();) {
        it = it->first.first == pfn ? grants_.erase(it) : std::next(it);
    }
    owned_.erase(pfn);
    if (environments_[slot].remaining > 0) --environments_[slot].remaining;
}

void ModelRun::donate(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    bool granted = granted_to_anyone(pfn);
    if (granted && !known_bugs_) {
        ++totals_.skipped; // the regression paths run in the test below
        return;
    }
    operation_ = "PageTableDonate " + hex(pfn) + " by slot " + std::to_string(slot);
    ModelEnvironment& environment = environments_[slot];
    Error expected = freeable_error(pfn, slot);
    if (expected == Error::Ok && frame(pfn)->essential) expected = Error::FrameInUse;
    if (expected == Error::Ok && granted) {
        expected = Error::FrameInUse; // what a fix would say: a granted frame is bound
        tolerant_ = true;
    }
    if (expected == Error::Ok && environment.reserve == exo::kTableReserveCapacity)
        expected = Error::TooMany;
    expect_error(expected, call(slot, abi::Syscall::PageTableDonate, pfn).error());
    if (expected != Error::Ok) return;
    owned_[pfn].bound = true;
    ++environment.reserve;
}

// FrameSetEssential: the owner's choice, checked by the syscall, read by repossession.
void ModelRun::set_essential(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    const ModelFrame* entry = frame(pfn);
    if (entry == nullptr || entry->owner != slot) {
        ++totals_.skipped;
        return;
    }
    operation_ = "FrameSetEssential " + hex(pfn);
    bool on = !entry->essential;
    uint32_t& count = environments_[slot].essential;
    Error expected = on && count == exo::kMaxEssentialFrames ? Error::TooMany : Error::Ok;
    expect_error(expected, call(slot, abi::Syscall::FrameSetEssential, pfn, on).error());
    if (expected != Error::Ok) return;
    owned_[pfn].essential = on;
    count = on ? count + 1 : count - 1;
}

void ModelRun::pin(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    operation_ = "pin " + hex(pfn);
    const ModelFrame* entry = frame(pfn);
    Error expected = entry == nullptr                            ? Error::NotOwner
                     : entry->pins == exo::FrameTable::kMaxCount ? Error::TooMany
                                                                 : Error::Ok;
    expect_error(expected, machine_.state.frames.pin(pfn));
    if (expected == Error::Ok) ++owned_[pfn].pins;
}

void ModelRun::unpin(EnvironmentSlot slot) {
    uint64_t pfn = pick_frame(slot);
    operation_ = "unpin " + hex(pfn);
    const ModelFrame* entry = frame(pfn);
    Error expected = entry == nullptr || entry->pins == 0 ? Error::InvalidArgument : Error::Ok;
    expect_error(expected, machine_.state.frames.unpin(pfn));
    if (expected != Error::Ok) return;
    --owned_[pfn].pins;
    // An ended environment's frame whose last DMA finished: the disk layer frees it then.
    if (owned_[pfn].owner == exo::kNoEnvironment && owned_[pfn].pins == 0) {
        machine_.state.frames.release(pfn);
        owned_.erase(pfn);
    }
}

} // namespace memory_model
