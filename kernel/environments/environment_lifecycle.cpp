// Environment creation and destruction (see environment_lifecycle.h).
#include "environments/environment_lifecycle.h"

#include <abi/shared_info.h>
#include <abi/trap_page.h>

#include "arch/riscv64/csr.h"

namespace exo {

using abi::Error;
namespace pte = sv39::pte;

namespace {

constexpr uint64_t kPage = sv39::kPageSize;
constexpr uint64_t kStackBottom = abi::kInitialStackTop - abi::kInitialStackPages * kPage;

// Distinct values seen so far, in a small fixed set (images have a handful of segments).
struct DistinctSet {
    uint64_t values[64];
    size_t count = 0;
    bool overflow = false;
    void add(uint64_t value) {
        for (size_t i = 0; i < count; ++i) {
            if (values[i] == value) return;
        }
        if (count == 64) {
            overflow = true;
            return;
        }
        values[count++] = value;
    }
};

template <typename Visit>
void for_each_image_page(const ElfImage& elf, Visit&& visit) {
    for (uint32_t s = 0; s < elf.segment_count; ++s) {
        const ElfSegment& segment = elf.segments[s];
        uint64_t end = segment.virtual_address + segment.memory_size;
        for (uint64_t page = segment.virtual_address & ~(kPage - 1); page < end; page += kPage) {
            visit(page, segment);
        }
    }
}

uint64_t table_count(const ElfImage& elf) {
    DistinctSet gigabytes, megabytes;
    auto add = [&](uint64_t va) {
        gigabytes.add(va >> 30);
        megabytes.add(va >> 21);
    };
    for_each_image_page(elf, [&](uint64_t page, const ElfSegment&) { add(page); });
    for (uint64_t page = kStackBottom; page < abi::kInitialStackTop; page += kPage) add(page);
    add(abi::kSharedInfoAddress);
    add(abi::kTrapPageAddress);
    if (gigabytes.overflow || megabytes.overflow) return ~uint64_t{0} / 2;
    return gigabytes.count + megabytes.count;
}

uint64_t pte_flags(const ElfSegment& segment) {
    // Sv39 reserves write without read, so a writable segment is readable too.
    return pte::kUser | pte::kAccessed | pte::kDirty |
           (segment.readable || segment.writable ? pte::kRead : 0) |
           (segment.writable ? pte::kWrite : 0) | (segment.executable ? pte::kExecute : 0);
}

}  // namespace

uint64_t frames_needed(const ElfImage& elf) {
    uint64_t pages = 0;
    for_each_image_page(elf, [&](uint64_t, const ElfSegment&) { ++pages; });
    // The root table, the shared info page and the trap page, then tables, image and stack.
    return 3 + table_count(elf) + pages + abi::kInitialStackPages;
}

Error check_donated_frames(KernelState& state, EnvironmentSlot parent,
                           std::span<const uint64_t> frames) {
    Error result = Error::Ok;
    size_t marked = 0;
    for (; marked < frames.size(); ++marked) {
        uint64_t pfn = frames[marked];
        result = state.frames.check_freeable(pfn, parent);
        if (result == Error::Ok && (state.frames.find(pfn)->flags & frame_flag::kMark)) {
            result = Error::InvalidArgument;  // listed twice
        }
        // Essential frames stay; granted ones would keep their grant into the child's hands.
        if (result == Error::Ok && ((state.frames.find(pfn)->flags & frame_flag::kEssential) ||
                                    state.grants.any_for(pfn))) {
            result = Error::FrameInUse;
        }
        if (result != Error::Ok) break;
        state.frames.find(pfn)->flags |= frame_flag::kMark;
    }
    for (size_t i = 0; i < marked; ++i) state.frames.find(frames[i])->flags &= ~frame_flag::kMark;
    return result;
}

Error create_environment(KernelState& state, EnvironmentId parent, const ElfImage& elf,
                         std::span<const std::byte> image, std::span<const uint64_t> frames,
                         const char* name, Environment*& created) {
    uint64_t needed = frames_needed(elf);
    if (frames.size() < needed) return Error::NoMemory;
    if (frames.size() - needed > abi::kInitialFrameSlots) return Error::InvalidArgument;
    uint64_t tables = table_count(elf);
    if (tables > kTableReserveCapacity) return Error::InvalidArgument;
    Environment* environment = state.environments.allocate();
    if (environment == nullptr) return Error::TooMany;

    // Perform. The frames are the new environment's from here on.
    EnvironmentSlot slot = EnvironmentTable::slot_of(environment->id);
    for (uint64_t pfn : frames) {
        FrameEntry* frame = state.frames.find(pfn);
        if (frame->state == abi::FrameState::Free) (void)state.frames.allocate(pfn, slot);
        frame->owner = slot;
        frame->flags = 0;
    }
    MemorySystem memory = state.memory();
    size_t next = 0;
    uint64_t root = frames[next++];
    address_space::create(memory, environment->space, root, slot, static_cast<uint16_t>(slot + 1),
                          state.kernel_root);
    for (uint64_t i = 0; i < tables; ++i) {
        (void)address_space::donate_table_frame(memory, environment->space, frames[next++]);
    }

    environment->shared_info_pfn = frames[next++];
    state.zero_frame(environment->shared_info_pfn);
    auto* info =
        reinterpret_cast<abi::SharedInfo*>(state.physical->frame(environment->shared_info_pfn));
    environment->shared_info = info;
    environment->main.frame = main_context_frame(*info);
    info->preempted_valid = 1;  // the main context is always there (SharedInfo version 3)
    info->version = abi::kSharedInfoVersion;
    info->size = sizeof(abi::SharedInfo);
    info->environment_id = environment->id;
    info->parent_id = parent;
    info->timebase_hz = state.timebase_hz;
    info->slot_ticks = state.slot_ticks;
    info->slots_per_round = state.slices.count();
    for (uint32_t i = 0; i < state.interrupts.device_count() && i < abi::kMaxExportedDevices; ++i) {
        const ExportedDevice& device = state.interrupts.device(i);
        info->devices[info->device_count++] = {device.window.base, device.window.size, device.line,
                                               device.kind};
    }
    (void)address_space::map_for_kernel(memory, environment->space, abi::kSharedInfoAddress,
                                        environment->shared_info_pfn,
                                        pte::kUser | pte::kRead | pte::kAccessed);
    state.frames.find(environment->shared_info_pfn)->flags |= frame_flag::kSharedInfo;

    environment->trap_page_pfn = frames[next++];
    state.zero_frame(environment->trap_page_pfn);
    auto* trap =
        reinterpret_cast<abi::TrapPage*>(state.physical->frame(environment->trap_page_pfn));
    trap->busy = 1;  // no exception handler yet
    environment->trap_page = reinterpret_cast<uint64_t>(trap);
    environment->exception_page = state.exception_page_override ? state.exception_page_override
                                                                : environment->trap_page;
    (void)address_space::map_for_kernel(
        memory, environment->space, abi::kTrapPageAddress, environment->trap_page_pfn,
        pte::kUser | pte::kRead | pte::kWrite | pte::kAccessed | pte::kDirty);
    state.frames.find(environment->trap_page_pfn)->flags |= frame_flag::kSharedInfo;

    for_each_image_page(elf, [&](uint64_t page, const ElfSegment& segment) {
        uint64_t pfn = frames[next++];
        state.zero_frame(pfn);
        std::byte* bytes = state.physical->frame(pfn);
        uint64_t file_end = segment.virtual_address + segment.file_size;
        uint64_t copy_start = page < segment.virtual_address ? segment.virtual_address : page;
        uint64_t copy_end = page + kPage < file_end ? page + kPage : file_end;
        const std::byte* source =
            image.data() + segment.file_offset + (copy_start - segment.virtual_address);
        for (uint64_t at = copy_start; at < copy_end; ++at) bytes[at - page] = *source++;
        (void)address_space::map_for_kernel(memory, environment->space, page, pfn,
                                            pte_flags(segment));
    });
    for (uint64_t page = kStackBottom; page < abi::kInitialStackTop; page += kPage) {
        uint64_t pfn = frames[next++];
        state.zero_frame(pfn);
        (void)address_space::map_for_kernel(
            memory, environment->space, page, pfn,
            pte::kUser | pte::kRead | pte::kWrite | pte::kAccessed | pte::kDirty);
    }
    for (; next < frames.size(); ++next) {
        info->initial_frames[info->initial_frame_count++] = frames[next];
    }

    environment->parent = parent;
    for (size_t i = 0; name[i] != '\0' && i + 1 < sizeof(environment->name); ++i) {
        environment->name[i] = name[i];
    }
    environment->satp = sv39::make_satp(root, environment->space.asid);
    environment->save_area = environment->main.frame;
    riscv::TrapFrame& frame = *environment->main.frame;
    frame.pc() = elf.entry;
    frame.x[riscv::reg::sp] = abi::kInitialStackTop;
    frame.x[riscv::reg::a0] = environment->id;
    frame.x[riscv::reg::a1] = abi::kSharedInfoAddress;
    // sret drops to U-mode (SPP = 0) with interrupts on (SPIE = 1) and the FPU usable.
    frame.sstatus() = riscv::sstatus::kSpie | riscv::sstatus::kFsInitial;
    created = environment;
    return Error::Ok;
}

abi::Error set_entry(Environment& environment, uint64_t kind, uint64_t pc, uint64_t sp) {
    if (kind >= static_cast<uint64_t>(abi::Entry::Count)) return Error::InvalidArgument;
    if (pc != 0 && (!address_space::in_user_range(pc & ~uint64_t{0xfff}, 1) || (pc & 1) ||
                    sp < abi::kUserMinimum || sp > abi::kUserTop || (sp & 15))) {
        return Error::OutOfRange;
    }
    if (kind == static_cast<uint64_t>(abi::Entry::Exception)) {
        // A handler that replaces another keeps the busy word as it is (it may be running).
        abi::TrapPage& page = environment.trap();
        if (pc == 0) {
            page.busy = 1;
        } else if (page.handler_pc == 0) {
            page.busy = 0;
        }
        page.handler_pc = pc;
        page.handler_sp = pc ? sp : 0;
        return Error::Ok;
    }
    environment.entries[kind] = {pc, pc ? sp : 0};
    return Error::Ok;
}

void destroy_environment(KernelState& state, Environment& environment) {
    MemorySystem memory = state.memory();
    EnvironmentSlot slot = EnvironmentTable::slot_of(environment.id);
    // Its frames leave every grantee's address space; grants to it simply end.
    state.grants.remove_if([&](const Grant& grant) {
        if (grant.owner == slot) {
            if (Environment* grantee = state.environments.at_slot(grant.grantee)) {
                address_space::unmap_frame(memory, grantee->space, grant.pfn);
            }
            return true;
        }
        return grant.grantee == slot;
    });
    address_space::tear_down(memory, environment.space);
    for (uint64_t i = 0; i < state.frames.frame_count(); ++i) {
        uint64_t pfn = state.frames.first_pfn() + i;
        const FrameEntry* frame = state.frames.find(pfn);
        if (frame->state == abi::FrameState::Owned && frame->owner == slot) {
            // A frame the disk may still write stays out of use until the device is done with
            // it (disk/disk.h frees it then): orphaned, never handed to anyone meanwhile.
            if (frame->pin_count != 0) {
                state.frames.orphan(pfn);
            } else {
                state.frames.release(pfn);
            }
        }
    }
    state.environments.release(environment);
}

}  // namespace exo
