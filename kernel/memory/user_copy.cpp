// copy_from_user and copy_to_user (see user_copy.h).
#include "memory/user_copy.h"

#include <abi/shared_info.h>

#include "arch/riscv64/guarded_copy.h"

namespace exo {

namespace {

namespace pte = sv39::pte;

#ifdef EXO_HOST
// Host builds copy out of fake RAM, where nothing can fault.
bool guarded_copy(void* destination, const void* source, size_t size) {
    auto* to = static_cast<std::byte*>(destination);
    const auto* from = static_cast<const std::byte*>(source);
    for (size_t i = 0; i < size; ++i) to[i] = from[i];
    return true;
}
#else
using riscv::guarded_copy;
#endif

bool in_user_half(uint64_t address, size_t size) {
    return address < abi::kUserTop && size <= abi::kUserTop - address;
}

uint64_t bytes_left_in_page(uint64_t address, size_t size) {
    uint64_t left = sv39::kPageSize - (address & (sv39::kPageSize - 1));
    return left < size ? left : size;
}

}  // namespace

std::optional<uint64_t> user_page_frame(MemorySystem& memory, const AddressSpace& space,
                                        uint64_t virtual_address, UserAccess access) {
    if (virtual_address >= abi::kUserTop) return std::nullopt;
    sv39::Entry entry{address_space::read_entry(memory, space, virtual_address)};
    uint64_t needed = pte::kValid | pte::kUser | pte::kRead |
                      (access == UserAccess::Write ? pte::kWrite : 0);
    if ((entry.raw & needed) != needed) return std::nullopt;
    // The page table says the environment may touch it; the frame table must say it is RAM the
    // environment may touch. A device window has no entry (a byte load from it can fault, or
    // pop a FIFO), nor does anything else outside RAM.
    uint64_t pfn = entry.pfn();
    const FrameEntry* frame = memory.frames.find(pfn);
    if (frame == nullptr || frame->state != abi::FrameState::Owned) return std::nullopt;
    if (frame->owner == space.slot) {
        // Its own frame: ordinary, or the shared or trap page the kernel mapped for it. Page-table
        // nodes and donated table frames are never mapped for users; refuse them all the same.
        if (frame->flags & (frame_flag::kPageTable | frame_flag::kTableReserve)) {
            return std::nullopt;
        }
        return pfn;
    }
    // Another's frame: only through a grant from its current owner with this permission.
    const Grant* grant = memory.grants.find(pfn, space.slot);
    uint64_t permission =
        access == UserAccess::Write ? abi::permission::kWrite : abi::permission::kRead;
    if (grant == nullptr || grant->owner != frame->owner || !(grant->permissions & permission) ||
        (frame->flags & frame_flag::kKernelBound)) {
        return std::nullopt;
    }
    return pfn;
}

abi::Error copy_from_user(KernelState& state, const Environment& environment, uint64_t source,
                          void* destination, size_t size) {
    if (!in_user_half(source, size)) return abi::Error::BadAddress;
    MemorySystem memory = state.memory();
    auto* out = static_cast<std::byte*>(destination);
    while (size > 0) {
        std::optional<uint64_t> pfn =
            user_page_frame(memory, environment.space, source, UserAccess::Read);
        if (!pfn) return abi::Error::BadAddress;
        uint64_t chunk = bytes_left_in_page(source, size);
        const std::byte* from = state.physical->frame(*pfn) + (source & (sv39::kPageSize - 1));
        if (!guarded_copy(out, from, chunk)) return abi::Error::BadAddress;
        out += chunk;
        source += chunk;
        size -= chunk;
    }
    return abi::Error::Ok;
}

abi::Error copy_to_user(KernelState& state, const Environment& environment, uint64_t destination,
                        const void* source, size_t size) {
    if (!in_user_half(destination, size)) return abi::Error::BadAddress;
    MemorySystem memory = state.memory();
    // Decode, then perform: every page first, so a refusal leaves user memory as it was.
    for (uint64_t at = destination, left = size; left > 0;) {
        if (!user_page_frame(memory, environment.space, at, UserAccess::Write)) {
            return abi::Error::BadAddress;
        }
        uint64_t chunk = bytes_left_in_page(at, left);
        at += chunk;
        left -= chunk;
    }
    const auto* in = static_cast<const std::byte*>(source);
    while (size > 0) {
        uint64_t pfn = *user_page_frame(memory, environment.space, destination, UserAccess::Write);
        uint64_t chunk = bytes_left_in_page(destination, size);
        std::byte* to = state.physical->frame(pfn) + (destination & (sv39::kPageSize - 1));
        if (!guarded_copy(to, in, chunk)) return abi::Error::BadAddress;
        in += chunk;
        destination += chunk;
        size -= chunk;
    }
    return abi::Error::Ok;
}

}  // namespace exo
