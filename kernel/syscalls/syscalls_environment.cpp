// Environment syscalls: create, destroy, entry points, upcall return.
#include <abi/shared_info.h>

#include "boot/elf_loader.h"
#include "cpu/scheduler.h"
#include "environments/environment_lifecycle.h"
#include "environments/transfer.h"
#include "environments/upcall.h"
#include "memory/address_space.h"
#include "memory/user_copy.h"
#include "syscalls/syscall_handlers.h"

namespace exo::syscall {

using riscv::reg::a0;
using riscv::reg::a1;
using riscv::reg::a2;

namespace {
// One hart, and syscalls do not nest: a static buffer holds the frame list being checked.
uint64_t donated[abi::kMaxCreateFrames];
}  // namespace

SyscallResult environment_create(SyscallContext& context, const Arguments& arguments) {
    uint64_t image_index = arguments[0];
    uint64_t list = arguments[1];
    uint64_t count = arguments[2];
    KernelState& state = context.state;
    std::span<const EmbeddedImage> images = state.images;
    if (image_index >= images.size()) return abi::Error::InvalidArgument;
    if (count > abi::kMaxCreateFrames) return abi::Error::InvalidArgument;
    ElfImage elf;
    if (parse_elf(images[image_index].bytes(), abi::kSharedInfoAddress, elf) != ElfError::None) {
        return abi::Error::InvalidArgument;
    }
    uint64_t needed = frames_needed(elf);
    if (count < needed) return SyscallResult::fail(abi::Error::NoMemory, needed);
    TRY(copy_from_user(state, context.caller, list, donated, count * sizeof(uint64_t)));
    std::span<const uint64_t> frames{donated, count};
    TRY(check_donated_frames(state, EnvironmentTable::slot_of(context.caller.id), frames));
    Environment* child = nullptr;
    if (abi::Error error = create_environment(state, context.caller.id, elf,
                                              images[image_index].bytes(), frames,
                                              images[image_index].name, child);
        error != abi::Error::Ok) {
        return SyscallResult::fail(error, needed);
    }
    environment_created();
    return SyscallResult::ok(child->id);
}

namespace {

// The name a program from memory is known by (console messages, KernelInfo): up to 15 bytes of
// the caller's 16, printable ASCII only (the kernel prints it), "program" when empty.
abi::Error copy_name(SyscallContext& context, uint64_t address, char (&name)[16]) {
    const char kDefault[] = "program";
    for (size_t i = 0; i < sizeof(kDefault); ++i) name[i] = kDefault[i];
    if (address == 0) return abi::Error::Ok;
    char given[abi::kEnvironmentNameBytes];
    if (abi::Error error =
            copy_from_user(context.state, context.caller, address, given, sizeof(given));
        error != abi::Error::Ok) {
        return error;
    }
    if (given[0] == '\0') return abi::Error::Ok;
    size_t length = 0;
    for (; length + 1 < sizeof(name) && given[length] != '\0'; ++length) {
        char c = given[length];
        name[length] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    name[length] = '\0';
    return abi::Error::Ok;
}

}  // namespace

// A program the caller loaded into its own frames (from a disk, say): the ELF is checked by the
// same loader as the embedded images, read where it lies, and never changes while it is read
// (the frames are the caller's plain RAM with no DMA in flight; the hart runs nobody else).
SyscallResult environment_create_elf(SyscallContext& context, const Arguments& arguments) {
    uint64_t first = arguments[0];
    uint64_t length = arguments[1];
    uint64_t list = arguments[2];
    uint64_t count = arguments[3];
    KernelState& state = context.state;
    EnvironmentSlot slot = EnvironmentTable::slot_of(context.caller.id);
    if (length == 0 || length > abi::kMaxElfFrames * kPageSize) return abi::Error::InvalidArgument;
    if (count > abi::kMaxCreateFrames) return abi::Error::InvalidArgument;
    uint64_t pages = (length + kPageSize - 1) / kPageSize;
    const std::byte* start = nullptr;
    for (uint64_t i = 0; i < pages; ++i) {
        const FrameEntry* frame = state.frames.find(first + i);
        if (frame == nullptr || !frame_word::owned_plain(frame_word::load(*frame), slot))
            return abi::Error::NotOwner;
        if (frame->pin_count != 0) return abi::Error::FrameInUse;  // a device may write it
        const std::byte* bytes = state.physical->frame(first + i);
        if (i == 0) start = bytes;
        if (bytes != start + i * kPageSize) return abi::Error::InvalidArgument;
    }
    std::span<const std::byte> image{start, length};
    ElfImage elf;
    if (ElfError error = parse_elf(image, abi::kSharedInfoAddress, elf); error != ElfError::None)
        return SyscallResult::fail(abi::Error::InvalidArgument, static_cast<uint64_t>(error));
    uint64_t needed = frames_needed(elf);
    if (count < needed) return SyscallResult::fail(abi::Error::NoMemory, needed);
    TRY(copy_from_user(state, context.caller, list, donated, count * sizeof(uint64_t)));
    std::span<const uint64_t> frames{donated, count};
    TRY(check_donated_frames(state, slot, frames));
    // The loader zeroes and fills the donated frames while it reads the ELF: none may be one.
    for (uint64_t pfn : frames) {
        if (pfn - first < pages) return abi::Error::InvalidArgument;
    }
    char name[16];
    TRY(copy_name(context, arguments[4], name));
    Environment* child = nullptr;
    if (abi::Error error =
            create_environment(state, context.caller.id, elf, image, frames, name, child);
        error != abi::Error::Ok) {
        return SyscallResult::fail(error, needed);
    }
    environment_created();
    return SyscallResult::ok(child->id);
}

SyscallResult environment_destroy(SyscallContext& context, riscv::TrapFrame& frame) {
    Environment& caller = context.caller;
    Environment* target = context.state.environments.find(frame.x[a0]);
    if (target == nullptr) return abi::Error::NoSuchEnvironment;
    if (target != &caller && target->parent != caller.id) return abi::Error::NotPermitted;
    if (target == &caller) {
        end_environment(context.state, caller, 0, abi::EndReason::Destroyed);
        run_next_after_exit();
    }
    context.console.print("exo: environment '%s' destroyed by its parent\n", target->name);
    end_environment(context.state, *target, 0, abi::EndReason::Destroyed);
    return SyscallResult::ok();
}

SyscallResult environment_set_entry(SyscallContext& context, const Arguments& arguments) {
    TRY(change_entry(context.caller, arguments[0], arguments[1], arguments[2]));
    return SyscallResult::ok();
}

SyscallResult upcall_return(SyscallContext& context, riscv::TrapFrame& frame) {
    Environment& caller = context.caller;
    uint64_t mode = frame.x[a0];
    uint64_t pc = frame.x[a1];
    abi::TrapPage& page = caller.trap();
    bool event = !caller.in_upcall && !caller.serving() && page.event_busy != 0;
    if (!caller.in_upcall && !caller.serving() && !event) return abi::Error::NotInUpcall;
    if (mode > 1) return abi::Error::InvalidArgument;
    if (mode == 1 && (pc < abi::kUserMinimum || pc >= abi::kUserTop || (pc & 1))) {
        return abi::Error::OutOfRange;
    }
    if (event) {
        // An event the device-interrupt path entered (what upcall_return_entry does, when it
        // leaves the work to us): back to the interrupted pc, sp, a0 and a7.
        frame.pc() = mode == 1 ? pc : page.event_pc;
        frame.x[riscv::reg::sp] = page.event_sp;
        frame.x[a0] = page.event_a0;
        frame.x[riscv::reg::a7] = page.event_a7;
        frame.x[riscv::reg::ra] = page.event_ra;
        frame.x[riscv::reg::t0] = page.event_t0;
        frame.x[riscv::reg::t1] = page.event_t1;
        page.event_busy = 0;
        deliver_pending_upcalls(caller);
        transfer::on_enter(caller);
        return SyscallResult::registers_set();
    }
    bool call_entry = caller.serving();
    TRY(transfer::end_upcall(caller));
    // A call entry ran on registers another environment handed over, floating point included:
    // the main context gets its own back. (An upcall shares the FPU with its own environment.)
    if (call_entry) end_entry_fpu(caller);
    if (mode == 1) caller.main.frame->pc() = pc;
    deliver_pending_upcalls(caller);
    transfer::on_enter(caller);
    return SyscallResult::registers_set();
}

}  // namespace exo::syscall
