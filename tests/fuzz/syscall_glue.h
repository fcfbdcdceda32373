// The register layer of kernel/syscalls_*.cpp for the memory and environment calls, over a
// KernelState, for fuzz_syscall_decode. The real handlers reach the running kernel's singletons
// (current environment, timer, scheduler, console) and cannot link on the host, so this layer
// calls what they call: the shared work of FrameFree, FrameSetEssential, Grant, GrantRevoke and
// the pressure victim (kernel/memory_calls.h), EnvSetEntry (set_entry), and the same checked
// operations for the rest; keep those in step when a handler changes.
// After a call that succeeded it also checks what the call promised (the entry a Map wrote, a
// zeroed frame, nothing left of a destroyed environment).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "environment_lifecycle.h"
#include "frame_zeroing.h"
#include "fuzz_support.h"
#include "memory_calls.h"
#include "revocation.h"
#include "user_copy.h"

namespace exo::fuzz {

using Arguments = std::array<uint64_t, 6>;

struct Outcome {
    abi::Error error = abi::Error::Ok;
    uint64_t value = 0;
    bool shutdown = false;  // the first environment ended: the machine is off
    bool skipped = false;   // a call the glue does not perform (time slices, devices, lines)
};

inline EnvironmentSlot slot_of(const Environment& environment) {
    return EnvironmentTable::slot_of(environment.id);
}

// abi::permission bits of a PTE.
inline uint64_t permissions_of(uint64_t raw) {
    namespace pte = sv39::pte;
    return ((raw & pte::kRead) ? abi::permission::kRead : 0) |
           ((raw & pte::kWrite) ? abi::permission::kWrite : 0) |
           ((raw & pte::kExecute) ? abi::permission::kExecute : 0);
}

class SyscallGlue {
public:
    // As in syscalls_memory.cpp: under pressure the largest other holder is asked for 16 frames.
    static constexpr uint64_t kPressureRequest = 16;
    static constexpr uint64_t kPressureDeadline = 200000;

    // `images` stand for the board's embedded images (EnvCreate's a0); `now` is the timer.
    SyscallGlue(Machine& machine, std::span<const std::vector<std::byte>> images,
                const uint64_t& now)
        : machine_(machine), state_(machine.state), images_(images), now_(now) {}

    // An id that named an environment before it ended (0 until one has).
    EnvironmentId ended_id(unsigned n) const { return ended_[n % ended_.size()]; }

    Outcome dispatch(Environment& caller, abi::Syscall number, const Arguments& a) {
        using abi::Syscall;
        MemorySystem memory = state_.memory();
        switch (number) {
        case Syscall::Null: return {};
        case Syscall::ConsoleWrite: return console_write(caller, a[0], a[1]);
        case Syscall::Exit: return end(caller);
        case Syscall::Yield:
            if (a[0] != 0 && state_.environments.find(a[0]) == nullptr)
                return {abi::Error::NoSuchEnvironment};
            return {};
        case Syscall::EnvCreate: return environment_create(caller, a[0], a[1], a[2]);
        case Syscall::EnvDestroy: {
            Environment* target = state_.environments.find(a[0]);
            if (target == nullptr) return {abi::Error::NoSuchEnvironment};
            if (target != &caller && target->parent != caller.id) return {abi::Error::NotPermitted};
            return end(*target);
        }
        case Syscall::EnvSetEntry: return {set_entry(caller, a[0], a[1], a[2])};
        case Syscall::UpcallReturn:
            check(!caller.in_upcall, "no upcall is ever delivered here");
            return {abi::Error::NotInUpcall};
        case Syscall::FrameAlloc: return frame_alloc(caller, a[0]);
        case Syscall::FrameFree: return {memory_calls::free_frame(state_, caller, a[0])};
        case Syscall::FrameQuery: return {abi::Error::Ok, state_.frames.query(a[0])};
        case Syscall::FrameSetEssential:
            return {memory_calls::set_essential(state_, caller, a[0], a[1])};
        case Syscall::PageTableDonate:
            return {address_space::donate_table_frame(memory, caller.space, a[0])};
        case Syscall::Map: return map(caller, a[0], a[1], a[2], a[3]);
        case Syscall::Unmap: return unmap(caller, a[0], a[1]);
        case Syscall::Protect: return protect(caller, a[0], a[1], a[2]);
        case Syscall::PteRead:
            return {abi::Error::Ok, address_space::read_entry(memory, caller.space, a[0])};
        case Syscall::Grant: return {memory_calls::grant(state_, caller, a[0], a[1], a[2])};
        case Syscall::GrantRevoke: return grant_revoke(caller, a[0], a[1]);
        case Syscall::Audit: return {abi::Error::Ok, machine_.audit_problems()};
        default: return {abi::Error::Ok, 0, false, true};
        }
    }

private:
    // syscalls.cpp console_write, without the console.
    Outcome console_write(Environment& caller, uint64_t address, uint64_t length) {
        if (length > abi::kConsoleWriteMax) return {abi::Error::InvalidArgument};
        char buffer[256];
        uint64_t written = 0;
        while (written < length) {
            uint64_t chunk = std::min<uint64_t>(length - written, sizeof(buffer));
            if (abi::Error error = copy_from_user(state_, caller, address + written, buffer, chunk);
                error != abi::Error::Ok) {
                return {error};
            }
            written += chunk;
        }
        return {abi::Error::Ok, written};
    }

    // syscalls.cpp end_environment: the first environment's end shuts the machine down.
    Outcome end(Environment& environment) {
        EnvironmentSlot gone = slot_of(environment);
        EnvironmentId id = environment.id;
        destroy_environment(state_, environment);
        ended_[ended_count_++ % ended_.size()] = id;
        if (gone == 0) return {abi::Error::Ok, 0, true};
        check(state_.environments.find(id) == nullptr, "destroyed environment still found", id);
        for (const FrameEntry& frame : machine_.entries()) {
            check(!(frame.state == abi::FrameState::Owned && frame.owner == gone),
                  "destroyed environment's frame kept", id);
        }
        state_.grants.for_each([&](const Grant& grant) {
            check(grant.owner != gone && grant.grantee != gone, "grant outlived its environment",
                  grant.pfn);
        });
        return {};
    }

    // syscalls_environment.cpp environment_create, over this harness's images.
    Outcome environment_create(Environment& caller, uint64_t image_index, uint64_t list,
                               uint64_t count) {
        if (image_index >= images_.size()) return {abi::Error::InvalidArgument};
        if (count > abi::kMaxCreateFrames) return {abi::Error::InvalidArgument};
        ElfImage elf;
        if (parse_elf(images_[image_index], abi::kSharedInfoAddress, elf) != ElfError::None) {
            return {abi::Error::InvalidArgument};
        }
        uint64_t needed = frames_needed(elf);
        if (count < needed) return {abi::Error::NoMemory, needed};
        std::array<uint64_t, abi::kMaxCreateFrames> donated{};
        if (abi::Error error =
                copy_from_user(state_, caller, list, donated.data(), count * sizeof(uint64_t));
            error != abi::Error::Ok) {
            return {error};
        }
        std::span<const uint64_t> frames{donated.data(), count};
        if (abi::Error error = check_donated_frames(state_, slot_of(caller), frames);
            error != abi::Error::Ok) {
            return {error};
        }
        Environment* child = nullptr;
        if (abi::Error error = create_environment(state_, caller.id, elf, images_[image_index],
                                                  frames, "child", child);
            error != abi::Error::Ok) {
            return {error, needed};
        }
        return {abi::Error::Ok, child->id};
    }

    // syscalls_memory.cpp frame_alloc, with ask_for_frames_back.
    Outcome frame_alloc(Environment& caller, uint64_t pfn) {
        if (pfn != abi::kAnyFrame) {
            abi::Error error =
                frame_zeroing::allocate(state_.frames, *state_.physical, pfn, slot_of(caller));
            if (error == abi::Error::Ok) check_zeroed(pfn);
            return {error, pfn};
        }
        if (std::optional<uint64_t> any =
                frame_zeroing::allocate_any(state_.frames, *state_.physical, slot_of(caller))) {
            check_zeroed(*any);
            return {abi::Error::Ok, *any};
        }
        Environment* victim = memory_calls::pressure_victim(state_, caller);
        if (victim != nullptr)
            request_revocation(state_, *victim, kPressureRequest, now_ + kPressureDeadline);
        return {abi::Error::NoMemory};
    }

    Outcome map(Environment& caller, uint64_t address, uint64_t first_pfn, uint64_t count,
                uint64_t permissions) {
        MemorySystem memory = state_.memory();
        abi::Error error =
            address_space::map(memory, caller.space, address, first_pfn, count, permissions);
        for (uint64_t i = 0; error == abi::Error::Ok && i < count; ++i) {
            uint64_t raw = address_space::read_entry(memory, caller.space, address + i * kPage);
            // kPteOwnFrame marks a binding of the caller's own frame (address_space.h).
            check((raw & ~kPteOwnFrame) ==
                      sv39::Entry::leaf(first_pfn + i, address_space::user_pte_flags(permissions))
                          .raw,
                  "mapped entry differs from the request", address + i * kPage);
        }
        return {error};
    }

    Outcome unmap(Environment& caller, uint64_t address, uint64_t count) {
        MemorySystem memory = state_.memory();
        abi::Error error = address_space::unmap(memory, caller.space, address, count);
        for (uint64_t i = 0; error == abi::Error::Ok && i < count; ++i) {
            uint64_t raw = address_space::read_entry(memory, caller.space, address + i * kPage);
            check(!(raw & (sv39::pte::kValid | kPteNoAccess)), "unmapped page still bound",
                  address + i * kPage);
        }
        return {error};
    }

    Outcome protect(Environment& caller, uint64_t address, uint64_t count, uint64_t permissions) {
        MemorySystem memory = state_.memory();
        abi::Error error =
            address_space::protect(memory, caller.space, address, count, permissions);
        for (uint64_t i = 0; error == abi::Error::Ok && i < count; ++i) {
            sv39::Entry entry{address_space::read_entry(memory, caller.space, address + i * kPage)};
            bool right = permissions == 0
                             ? !entry.valid() && (entry.raw & kPteNoAccess)
                             : entry.valid() && permissions_of(entry.raw) == permissions;
            check(right, "protected entry differs from the request", address + i * kPage);
        }
        return {error};
    }

    Outcome grant_revoke(Environment& caller, uint64_t pfn, uint64_t grantee_id) {
        uint64_t removed = 0;
        abi::Error error = memory_calls::revoke_grant(state_, caller, pfn, grantee_id, removed);
        if (error == abi::Error::Ok) {
            for_each_binding(machine_, state_.environments.find(grantee_id)->space,
                             [&](uint64_t address, sv39::Entry entry) {
                                 check(entry.pfn() != pfn,
                                       "revoked frame still mapped by the grantee", address);
                             });
        }
        return {error, removed};
    }

    void check_zeroed(uint64_t pfn) {
        const std::byte* bytes = machine_.frame(pfn);
        for (uint64_t i = 0; i < kPage; ++i)
            check(bytes[i] == std::byte{0}, "allocated frame not zeroed", pfn);
    }

    Machine& machine_;
    KernelState& state_;
    std::span<const std::vector<std::byte>> images_;
    const uint64_t& now_;
    std::array<EnvironmentId, 4> ended_{};
    size_t ended_count_ = 0;
};

}  // namespace exo::fuzz
