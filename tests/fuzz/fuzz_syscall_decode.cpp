// libFuzzer target: the input is a sequence of system calls (raw number through decode_syscall,
// caller, arguments) from three environments over fake memory, each performed through the same
// checked operations the handlers in kernel/syscalls_*.cpp call, plus the kernel's own events
// (timer deadlines, DMA pins, access faults, revocation). After every step: the kernel's audit,
// and the promises the audit cannot see (no page-table frame reachable from user space, mappings
// within their grants, stale translations flushed, a refused call changes nothing).
//
// The handlers themselves are not linked: they reach the running kernel's singletons (current
// environment, timer, scheduler). The glue below mirrors them line for line; keep it in step.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "environment_lifecycle.h"
#include "fuzz_support.h"
#include "revocation.h"
#include "syscall_decode.h"
#include "user_copy.h"

namespace {

using abi::Error;
using abi::Syscall;
using exo::Environment;
using exo::EnvironmentId;
using exo::EnvironmentSlot;
using exo::EnvironmentTable;
using exo::FrameEntry;
using exo::KernelState;
using exo::MemorySystem;
using exo::fuzz::check;
using exo::fuzz::fail;
using exo::fuzz::Input;
using exo::fuzz::kPage;
using exo::fuzz::Machine;
namespace address_space = exo::address_space;
namespace frame_flag = exo::frame_flag;
namespace permission = abi::permission;
namespace pte = sv39::pte;

constexpr uint64_t kFrames = 128;
constexpr unsigned kMaxOperations = 64;
constexpr uint64_t kStackBottom = abi::kInitialStackTop - abi::kInitialStackPages * kPage;
constexpr uint64_t kFirstExtraFrames = 48;  // the first environment's spare frames
constexpr uint64_t kChildExtraFrames = 6;
// As in syscalls_memory.cpp: under pressure the largest other holder is asked for 16 frames.
constexpr uint64_t kPressureRequest = 16;
constexpr uint64_t kPressureDeadline = 200000;
// Raw numbers come from operation % kNumbers: every call, and a few past the last.
constexpr uint64_t kNumbers = static_cast<uint64_t>(Syscall::Count) + 4;

using Arguments = std::array<uint64_t, 6>;

struct Outcome {
    Error error = Error::Ok;
    uint64_t value = 0;
    bool shutdown = false;  // the first environment ended: the machine is off
    bool skipped = false;   // a call the harness does not perform
};

EnvironmentSlot slot(const Environment& environment) { return EnvironmentTable::slot_of(environment.id); }

// One bound leaf of one environment, for before/after comparisons.
struct Binding {
    EnvironmentSlot slot;
    uint16_t asid;
    uint64_t virtual_address;
    uint64_t raw;
};

uint64_t abi_permissions(uint64_t raw) {
    return ((raw & pte::kRead) ? permission::kRead : 0) | ((raw & pte::kWrite) ? permission::kWrite : 0) |
           ((raw & pte::kExecute) ? permission::kExecute : 0);
}

// Everything a refused call must leave as it was.
struct Snapshot {
    std::vector<FrameEntry> frames;
    std::vector<exo::Grant> grants;
    struct Slot {
        EnvironmentId id;
        uint32_t essential_frames;
        uint64_t revocation_remaining, revocation_deadline;
        uint32_t table_reserve_count;
        std::array<exo::UpcallEntry, static_cast<size_t>(abi::Entry::Count)> entries;
    };
    std::vector<Slot> slots;
    std::vector<Binding> bindings;
};

class Harness {
public:
    Harness(Input& input, Machine& machine) : input_(input), machine_(&machine), state_(machine.state) {
        images_[0] = exo::fuzz::tiny_elf();
        // Text and read-only data in the first gigabyte, data alone in the second: more tables.
        const exo::fuzz::TinySegment second[] = {{4 | 1, 0x1000, 0x10000, 0x1800, 0x1800},
                                                 {4, 0x3000, 0x13000, 0x200, 0x200},
                                                 {4 | 2, 0x4000, 0x4000'0000, 0x80, 0x3000}};
        images_[1] = exo::fuzz::build_elf(0x10010, second);
        for (size_t i = 0; i < images_.size(); ++i) {
            exo::ElfImage elf;
            check(exo::parse_elf(images_[i], abi::kSharedInfoAddress, elf) == exo::ElfError::None, "image", i);
            needed_[i] = exo::frames_needed(elf);
        }
    }

    // The first environment from free frames (as boot does), then two children it creates
    // through the EnvCreate path from its own spare frames.
    void boot() {
        exo::ElfImage elf;
        (void)exo::parse_elf(images_[0], abi::kSharedInfoAddress, elf);
        std::vector<uint64_t> frames;
        for (uint64_t i = 0; i < needed_[0] + kFirstExtraFrames; ++i) {
            frames.push_back(machine_->first_usable() + i);
        }
        Environment* first = nullptr;
        check(exo::create_environment(state_, 0, elf, images_[0], frames, "first", first) == Error::Ok,
              "boot create");
        for (uint64_t image = 0; image < images_.size(); ++image) {
            uint64_t count = needed_[image] + kChildExtraFrames;
            std::vector<uint64_t> list = spare_frames(*first, 0);
            list.resize(count);
            Outcome outcome = perform(*first, Syscall::EnvCreate, {image, store_list(*first, list), count});
            check(outcome.error == Error::Ok, "boot child create", static_cast<uint64_t>(outcome.error));
        }
    }

    // Picks up a machine restored to the booted state: the bindings the first step starts from.
    void resume() { bindings_ = bindings(); }

    // One operation from the input; false once the machine is off or nobody is left to call.
    bool step() {
        uint8_t operation = input_.byte();
        Environment* caller = live(input_.byte());
        if (caller == nullptr) return false;
        if (operation < 0xe0) return !call(*caller, operation % kNumbers).shutdown;
        // The kernel's own events, checked like calls: audit, invariants, stale translations.
        machine_->page_flushes.clear();
        machine_->space_flushes.clear();
        switch (operation & 7) {
        case 0: {  // the timer: deadlines pass, the abort protocol takes what is still owed
            now_ += (uint64_t{input_.byte()} + 1) * 10000;
            exo::enforce_revocation_deadlines(state_, now_);
            state_.environments.for_each_live([&](Environment& environment) {
                check(environment.revocation_remaining == 0 || environment.revocation_deadline > now_,
                      "a passed deadline left frames owed", environment.id);
            });
            break;
        }
        case 1: (void)state_.frames.pin(argument(*caller)); break;  // a driver's DMA
        case 2: (void)state_.frames.unpin(argument(*caller)); break;
        case 3: {  // a page fault the hardware raised
            uint64_t address = argument(*caller);
            auto access = static_cast<address_space::Access>(input_.byte() % 3);
            MemorySystem memory = state_.memory();
            if (address_space::settle_access(memory, caller->space, address, access)) {
                sv39::Entry entry{address_space::read_entry(memory, caller->space, address & ~(kPage - 1))};
                uint64_t needed = access == address_space::Access::Fetch  ? pte::kExecute
                                  : access == address_space::Access::Load ? pte::kRead
                                                                          : pte::kWrite;
                check(entry.valid() && (entry.raw & needed) && (entry.raw & pte::kAccessed),
                      "settled a fault the binding does not allow", address);
            }
            break;
        }
        case 4: {  // memory pressure: the kernel asks the caller for frames back
            uint64_t count = input_.byte() % 32;
            uint64_t deadline = now_ + uint64_t{input_.byte()} * 1000;
            exo::request_revocation(state_, *caller, count, deadline);
            break;
        }
        case 5: {
            uint64_t count = input_.byte() % 32;
            check(exo::repossess(state_, *caller, count) <= count, "repossessed more than asked");
            break;
        }
        case 6: return !call(*caller, input_.u64()).shutdown;  // any a7 value
        default: {  // the same call several times over: exhausts frames, grants, reserves
            unsigned times = input_.byte() % 16 + 2;
            uint64_t number = input_.byte() % kNumbers;
            EnvironmentId id = caller->id;
            Arguments arguments = read_arguments(*caller, number);
            for (unsigned i = 0; i < times; ++i) {
                Environment* again = state_.environments.find(id);
                if (again == nullptr) break;
                if (perform_raw(*again, number, arguments).shutdown) return false;
            }
            return true;
        }
        }
        check_after(nullptr, 0);
        return true;
    }

private:
    // ---- choosing arguments ----

    Environment* live(uint8_t choice) {
        std::vector<Environment*> all;
        state_.environments.for_each_live([&](Environment& environment) { all.push_back(&environment); });
        return all.empty() ? nullptr : all[choice % all.size()];
    }

    // The n-th frame (cyclically) owned by `owner`, or by anyone else when `others` is set.
    uint64_t frame_of(EnvironmentSlot owner, bool others, unsigned n) {
        std::vector<uint64_t> found;
        for (uint64_t pfn = Machine::kFirstPfn; pfn < machine_->end_pfn(); ++pfn) {
            const FrameEntry& frame = *state_.frames.find(pfn);
            if (frame.state == abi::FrameState::Owned && (frame.owner == owner) != others) found.push_back(pfn);
        }
        return found.empty() ? Machine::kFirstPfn : found[n % found.size()];
    }

    // Frames `owner` holds and could donate (owned, unbound), from the start-th on, cyclically.
    std::vector<uint64_t> spare_frames(const Environment& owner, unsigned start) {
        std::vector<uint64_t> found;
        for (uint64_t pfn = Machine::kFirstPfn; pfn < machine_->end_pfn(); ++pfn) {
            if (state_.frames.check_freeable(pfn, slot(owner)) == Error::Ok) found.push_back(pfn);
        }
        if (!found.empty()) std::rotate(found.begin(), found.begin() + start % found.size(), found.end());
        return found;
    }

    EnvironmentId environment_id(unsigned choice) {
        switch (choice % 8) {
        case 4:
        case 5: return stale_ids_[choice % stale_ids_.size()];
        case 6: return 0;
        case 7: {
            Environment* environment = live(static_cast<uint8_t>(choice >> 3));
            return environment ? environment->id + (uint64_t{1} << 16) : 1;  // right slot, next generation
        }
        default: {
            Environment* environment = live(static_cast<uint8_t>(choice));
            return environment ? environment->id : 0;
        }
        }
    }

    uint64_t user_address(unsigned choice, uint8_t page) {
        static constexpr uint64_t kRegions[] = {
            0x10000,                              // the image's text
            0x20000,                              // the image's data and bss
            0x4000'0000,                          // an empty gigabyte (the second image's data)
            0x1fe000,                             // across a 2 MiB boundary
            0x3fff'e000,                          // across a 1 GiB boundary
            abi::kSharedInfoAddress - 8 * kPage,  // up to the shared page
            kStackBottom - 4 * kPage,             // the stack and below it
            abi::kUserTop - 8 * kPage,            // the end of the user half
        };
        uint64_t address = kRegions[choice % 8] + uint64_t{page} % 16 * kPage;
        return choice & 8 ? address + 8 : address;  // misaligned
    }

    uint64_t argument(const Environment& caller) {
        uint8_t selector = input_.byte();
        unsigned low = selector & 31;
        switch (selector >> 5) {
        case 0: return low;  // counts, kinds, permissions
        case 1: return Machine::kFirstPfn + input_.byte();  // any frame, and past the end of RAM
        case 2: return frame_of(slot(caller), false, low);   // one of the caller's own
        case 3: return user_address(low, input_.byte());
        case 4: return environment_id(low);
        case 5: return input_.u64();
        case 6: {
            static constexpr uint64_t kSpecial[] = {
                0, 1, abi::kAnyFrame, abi::kUserTop, abi::kUserTop - kPage, abi::kSharedInfoAddress,
                abi::kMaxBatchPages, abi::kMaxBatchPages + 1, abi::kMaxCreateFrames + 1, uint64_t{1} << 63,
                abi::kConsoleWriteMax, abi::kConsoleWriteMax + 1, permission::kAll, permission::kWrite,
                permission::kRead | permission::kWrite, permission::kRead | permission::kExecute};
            return kSpecial[low % 16];
        }
        default: return frame_of(slot(caller), true, low);  // someone else's
        }
    }

    static unsigned argument_count(uint64_t number) {
        // Null .. Audit; calls past Audit are not modelled here and take no arguments.
        static constexpr unsigned kCounts[] = {0, 2, 1, 1, 3, 1, 3, 2, 1, 1, 1, 2, 1, 4, 2, 3, 1, 3, 2, 0};
        return number < std::size(kCounts) ? kCounts[number] : 0;
    }

    Arguments read_arguments(Environment& caller, uint64_t number) {
        Arguments arguments{};
        if (number == static_cast<uint64_t>(Syscall::EnvCreate)) return create_arguments(caller);
        for (unsigned i = 0; i < argument_count(number); ++i) arguments[i] = argument(caller);
        return arguments;
    }

    // EnvCreate reads its frame list from user memory: the caller "stores" one on its stack
    // first, built from its spare frames, sometimes with a duplicate or a hostile entry.
    Arguments create_arguments(Environment& caller) {
        uint64_t image = argument(caller);
        uint8_t mode = input_.byte();
        if ((mode & 3) == 3) return {image, argument(caller), argument(caller)};
        std::vector<uint64_t> list = spare_frames(caller, input_.byte());
        uint64_t wanted = needed_[image < needed_.size() ? image : 0] + input_.byte() % 12 - 2;
        list.resize(std::min<uint64_t>(wanted, list.size()));
        if (!list.empty() && (mode & 3) == 1) list[input_.byte() % list.size()] = list[0];
        if (!list.empty() && (mode & 3) == 2) list[input_.byte() % list.size()] = argument(caller);
        return {image, store_list(caller, list), list.size()};
    }

    // Writes the list where the caller's stack is mapped writable; returns its user address.
    uint64_t store_list(Environment& caller, std::span<const uint64_t> list) {
        MemorySystem memory = state_.memory();
        for (uint64_t i = 0; i < list.size(); ++i) {
            uint64_t address = kStackBottom + i * sizeof(uint64_t);
            sv39::Entry entry{address_space::read_entry(memory, caller.space, address & ~(kPage - 1))};
            if (!entry.valid() || !(entry.raw & pte::kWrite)) break;  // the caller unmapped its stack
            std::byte* bytes = machine_->frame(entry.pfn()) + (address & (kPage - 1));
            for (unsigned b = 0; b < 8; ++b) bytes[b] = static_cast<std::byte>(list[i] >> (8 * b));
        }
        return kStackBottom;
    }

    // ---- the calls ----

    Outcome call(Environment& caller, uint64_t number) {
        return perform_raw(caller, number, read_arguments(caller, number));
    }

    Outcome perform(Environment& caller, Syscall number, Arguments arguments) {
        return perform_raw(caller, static_cast<uint64_t>(number), arguments);
    }

    // Decodes, performs, then checks what the call promised.
    Outcome perform_raw(Environment& caller, uint64_t number, const Arguments& arguments) {
        Snapshot before = snapshot();
        machine_->page_flushes.clear();
        machine_->space_flushes.clear();
        std::optional<Syscall> decoded = exo::decode_syscall(number);
        check(decoded.has_value() == (number < static_cast<uint64_t>(Syscall::Count)), "decode", number);
        EnvironmentSlot caller_slot = slot(caller);
        Outcome outcome = decoded ? dispatch(caller, *decoded, arguments) : Outcome{Error::UnknownSyscall};
        if (trace_) {
            std::fprintf(stderr, "slot %u: syscall %llu (%llx %llx %llx %llx) -> %s %llx\n", caller_slot,
                         static_cast<unsigned long long>(number), static_cast<unsigned long long>(arguments[0]),
                         static_cast<unsigned long long>(arguments[1]), static_cast<unsigned long long>(arguments[2]),
                         static_cast<unsigned long long>(arguments[3]), abi::to_string(outcome.error),
                         static_cast<unsigned long long>(outcome.value));
        }
        if (outcome.shutdown || outcome.skipped) return outcome;

        // FrameAlloc's NoMemory asks another environment for frames: a change by design.
        bool pressure = decoded == Syscall::FrameAlloc && outcome.error == Error::NoMemory;
        check_after(outcome.error != Error::Ok && !pressure ? &before : nullptr, number);
        return outcome;
    }

    Outcome dispatch(Environment& caller, Syscall number, const Arguments& a) {
        MemorySystem memory = state_.memory();
        switch (number) {
        case Syscall::Null: return {};
        case Syscall::ConsoleWrite: return console_write(caller, a[0], a[1]);
        case Syscall::Exit: return end(caller);
        case Syscall::Yield:
            if (a[0] != 0 && state_.environments.find(a[0]) == nullptr) return {Error::NoSuchEnvironment};
            return {};
        case Syscall::EnvCreate: return environment_create(caller, a[0], a[1], a[2]);
        case Syscall::EnvDestroy: {
            Environment* target = state_.environments.find(a[0]);
            if (target == nullptr) return {Error::NoSuchEnvironment};
            if (target != &caller && target->parent != caller.id) return {Error::NotPermitted};
            return end(*target);
        }
        case Syscall::EnvSetEntry: {
            uint64_t kind = a[0], pc = a[1], sp = a[2];
            if (kind >= static_cast<uint64_t>(abi::Entry::Count)) return {Error::InvalidArgument};
            if (pc != 0 && (!address_space::in_user_range(pc & ~uint64_t{0xfff}, 1) || (pc & 1) ||
                            sp < abi::kUserMinimum || sp > abi::kUserTop || (sp & 15))) {
                return {Error::OutOfRange};
            }
            caller.entries[kind] = {pc, pc ? sp : 0};
            return {};
        }
        case Syscall::UpcallReturn:
            check(!caller.in_upcall, "no upcall is ever delivered here");
            return {Error::NotInUpcall};
        case Syscall::FrameAlloc: return frame_alloc(caller, a[0]);
        case Syscall::FrameFree: return frame_free(caller, a[0]);
        case Syscall::FrameQuery: return {Error::Ok, state_.frames.query(a[0])};
        case Syscall::FrameSetEssential: return frame_set_essential(caller, a[0], a[1]);
        case Syscall::PageTableDonate: return {address_space::donate_table_frame(memory, caller.space, a[0])};
        case Syscall::Map: {
            Error error = address_space::map(memory, caller.space, a[0], a[1], a[2], a[3]);
            if (error == Error::Ok) {
                for (uint64_t i = 0; i < a[2]; ++i) {
                    uint64_t raw = address_space::read_entry(memory, caller.space, a[0] + i * kPage);
                    check(raw == sv39::Entry::leaf(a[1] + i, address_space::user_pte_flags(a[3])).raw,
                          "mapped entry differs from the request", a[0] + i * kPage);
                }
            }
            return {error};
        }
        case Syscall::Unmap: {
            Error error = address_space::unmap(memory, caller.space, a[0], a[1]);
            for (uint64_t i = 0; error == Error::Ok && i < a[1]; ++i) {
                uint64_t raw = address_space::read_entry(memory, caller.space, a[0] + i * kPage);
                check(!(raw & (pte::kValid | exo::kPteNoAccess)), "unmapped page still bound", a[0] + i * kPage);
            }
            return {error};
        }
        case Syscall::Protect: {
            Error error = address_space::protect(memory, caller.space, a[0], a[1], a[2]);
            for (uint64_t i = 0; error == Error::Ok && i < a[1]; ++i) {
                sv39::Entry entry{address_space::read_entry(memory, caller.space, a[0] + i * kPage)};
                bool right = a[2] == 0 ? !entry.valid() && (entry.raw & exo::kPteNoAccess)
                                       : entry.valid() && abi_permissions(entry.raw) == a[2];
                check(right, "protected entry differs from the request", a[0] + i * kPage);
            }
            return {error};
        }
        case Syscall::PteRead: return {Error::Ok, address_space::read_entry(memory, caller.space, a[0])};
        case Syscall::Grant: return grant(caller, a[0], a[1], a[2]);
        case Syscall::GrantRevoke: return grant_revoke(caller, a[0], a[1]);
        case Syscall::Audit: return {Error::Ok, machine_->audit_problems()};
        default: break;
        }
        // A call this harness does not model yet (time slices, devices, interrupt lines).
        return {Error::Ok, 0, false, true};
    }

    // syscalls.cpp console_write, without the console.
    Outcome console_write(Environment& caller, uint64_t address, uint64_t length) {
        if (length > abi::kConsoleWriteMax) return {Error::InvalidArgument};
        char buffer[256];
        uint64_t written = 0;
        while (written < length) {
            uint64_t chunk = std::min<uint64_t>(length - written, sizeof(buffer));
            if (Error error = exo::copy_from_user(state_, caller, address + written, buffer, chunk);
                error != Error::Ok) {
                return {error};
            }
            written += chunk;
        }
        return {Error::Ok, written};
    }

    // syscalls.cpp end_environment: the first environment's end shuts the machine down.
    Outcome end(Environment& environment) {
        bool first = slot(environment) == 0;
        EnvironmentSlot gone = slot(environment);
        EnvironmentId id = environment.id;
        exo::destroy_environment(state_, environment);
        stale_ids_[stale_next_++ % stale_ids_.size()] = id;
        if (first) return {Error::Ok, 0, true};
        check(state_.environments.find(id) == nullptr, "destroyed environment still found", id);
        for (uint64_t pfn = Machine::kFirstPfn; pfn < machine_->end_pfn(); ++pfn) {
            const FrameEntry& frame = *state_.frames.find(pfn);
            check(!(frame.state == abi::FrameState::Owned && frame.owner == gone), "destroyed environment's frame kept",
                  pfn);
        }
        state_.grants.for_each([&](const exo::Grant& grant) {
            check(grant.owner != gone && grant.grantee != gone, "grant outlived its environment", grant.pfn);
        });
        return {};
    }

    // syscalls_environment.cpp environment_create, with this harness's two images.
    Outcome environment_create(Environment& caller, uint64_t image_index, uint64_t list, uint64_t count) {
        if (image_index >= images_.size()) return {Error::InvalidArgument};
        if (count > abi::kMaxCreateFrames) return {Error::InvalidArgument};
        exo::ElfImage elf;
        if (exo::parse_elf(images_[image_index], abi::kSharedInfoAddress, elf) != exo::ElfError::None) {
            return {Error::InvalidArgument};
        }
        uint64_t needed = exo::frames_needed(elf);
        if (count < needed) return {Error::NoMemory, needed};
        std::array<uint64_t, abi::kMaxCreateFrames> donated{};
        if (Error error = exo::copy_from_user(state_, caller, list, donated.data(), count * sizeof(uint64_t));
            error != Error::Ok) {
            return {error};
        }
        std::span<const uint64_t> frames{donated.data(), count};
        if (Error error = exo::check_donated_frames(state_, slot(caller), frames); error != Error::Ok) {
            return {error};
        }
        Environment* child = nullptr;
        if (Error error = exo::create_environment(state_, caller.id, elf, images_[image_index], frames, "child", child);
            error != Error::Ok) {
            return {error, needed};
        }
        return {Error::Ok, child->id};
    }

    // syscalls_memory.cpp frame_alloc, with ask_for_frames_back.
    Outcome frame_alloc(Environment& caller, uint64_t pfn) {
        if (pfn != abi::kAnyFrame) {
            Error error = state_.frames.allocate(pfn, slot(caller));
            if (error == Error::Ok) {
                state_.zero_frame(pfn);
                check_zeroed(pfn);
            }
            return {error, pfn};
        }
        if (std::optional<uint64_t> any = state_.frames.allocate_any(slot(caller))) {
            state_.zero_frame(*any);
            check_zeroed(*any);
            return {Error::Ok, *any};
        }
        uint64_t held[exo::kMaxEnvironments] = {};
        for (uint64_t i = 0; i < state_.frames.frame_count(); ++i) {
            const FrameEntry& frame = *state_.frames.find(state_.frames.first_pfn() + i);
            if (frame.state == abi::FrameState::Owned && frame.owner < exo::kMaxEnvironments) ++held[frame.owner];
        }
        uint64_t most = 0;
        Environment* victim = nullptr;
        state_.environments.for_each_live([&](Environment& environment) {
            if (&environment == &caller || environment.revocation_remaining != 0) return;
            if (held[slot(environment)] > most) {
                most = held[slot(environment)];
                victim = &environment;
            }
        });
        if (victim != nullptr) exo::request_revocation(state_, *victim, kPressureRequest, now_ + kPressureDeadline);
        return {Error::NoMemory};
    }

    Outcome frame_free(Environment& caller, uint64_t pfn) {
        if (Error error = state_.frames.check_freeable(pfn, slot(caller)); error != Error::Ok) return {error};
        state_.grants.remove_if([&](const exo::Grant& grant) { return grant.pfn == pfn; });
        if (state_.frames.find(pfn)->flags & frame_flag::kEssential) --caller.essential_frames;
        state_.frames.release(pfn);
        exo::note_frame_returned(state_, caller);
        return {};
    }

    Outcome frame_set_essential(Environment& caller, uint64_t pfn, uint64_t on) {
        if (on > 1) return {Error::InvalidArgument};
        FrameEntry* entry = state_.frames.find(pfn);
        if (entry == nullptr || entry->state != abi::FrameState::Owned || entry->owner != slot(caller)) {
            return {Error::NotOwner};
        }
        bool was = entry->flags & frame_flag::kEssential;
        if (on && !was) {
            if (caller.essential_frames == exo::kMaxEssentialFrames) return {Error::TooMany};
            entry->flags |= frame_flag::kEssential;
            ++caller.essential_frames;
        } else if (!on && was) {
            entry->flags &= ~frame_flag::kEssential;
            --caller.essential_frames;
        }
        return {};
    }

    Outcome grant(Environment& caller, uint64_t pfn, uint64_t grantee_id, uint64_t permissions) {
        Environment* grantee = state_.environments.find(grantee_id);
        if (grantee == nullptr) return {Error::NoSuchEnvironment};
        if (grantee == &caller) return {Error::InvalidArgument};
        if (!address_space::valid_permissions(permissions)) return {Error::BadPermission};
        if (Error error = state_.frames.check_mappable_by_owner(pfn, slot(caller)); error != Error::Ok) {
            return {error};
        }
        return {state_.grants.add(pfn, slot(caller), slot(*grantee), static_cast<uint8_t>(permissions))};
    }

    Outcome grant_revoke(Environment& caller, uint64_t pfn, uint64_t grantee_id) {
        Environment* grantee = state_.environments.find(grantee_id);
        if (grantee == nullptr) return {Error::NoSuchEnvironment};
        const exo::Grant* existing = state_.grants.find(pfn, slot(*grantee));
        if (existing == nullptr || existing->owner != slot(caller)) return {Error::NotOwner};
        MemorySystem memory = state_.memory();
        uint64_t removed = address_space::unmap_frame(memory, grantee->space, pfn);
        state_.grants.remove(pfn, slot(*grantee));
        exo::fuzz::for_each_binding(*machine_, grantee->space, [&](uint64_t address, sv39::Entry entry) {
            check(entry.pfn() != pfn, "revoked frame still mapped by the grantee", address);
        });
        return {Error::Ok, removed};
    }

    // ---- checks ----

    void check_zeroed(uint64_t pfn) {
        const std::byte* bytes = machine_->frame(pfn);
        for (uint64_t i = 0; i < kPage; ++i) check(bytes[i] == std::byte{0}, "allocated frame not zeroed", pfn);
    }

    std::vector<Binding> bindings() {
        std::vector<Binding> all;
        state_.environments.for_each_live([&](Environment& environment) {
            exo::fuzz::for_each_binding(*machine_, environment.space, [&](uint64_t address, sv39::Entry entry) {
                all.push_back({slot(environment), environment.space.asid, address, entry.raw});
            });
        });
        return all;
    }

    Snapshot snapshot() {
        Snapshot snap;
        snap.frames.assign(machine_->entries().begin(), machine_->entries().end());
        state_.grants.for_each([&](const exo::Grant& grant) { snap.grants.push_back(grant); });
        for (EnvironmentSlot s = 0; s < exo::kMaxEnvironments; ++s) {
            Environment* environment = state_.environments.at_slot(s);
            if (environment == nullptr) continue;
            snap.slots.push_back({environment->id, environment->essential_frames,
                                  environment->revocation_remaining, environment->revocation_deadline,
                                  environment->space.table_reserve_count, environment->entries});
        }
        snap.bindings = bindings_;
        return snap;
    }

    // After every step: the bindings now (walked once, kept for the next step's "before"), the
    // invariants, stale translations, and for a refused call that nothing changed at all.
    void check_after(const Snapshot* refused, uint64_t number) {
        std::vector<Binding> after = bindings();
        if (refused != nullptr) unchanged(*refused, after, number);
        check_invariants(after);
        check_flushes(after);
        bindings_ = std::move(after);
    }

    // Decode, then perform: a refused call leaves frames, grants, environments, bindings and the
    // TLB exactly as they were.
    void unchanged(const Snapshot& before, const std::vector<Binding>& after, uint64_t number) {
        Snapshot now = snapshot();
        now.bindings = after;
        for (size_t i = 0; i < before.frames.size(); ++i) {
            const FrameEntry &a = before.frames[i], &b = now.frames[i];
            check(a.state == b.state && a.flags == b.flags && a.owner == b.owner && a.map_count == b.map_count &&
                      a.pin_count == b.pin_count,
                  "refused call changed a frame", Machine::kFirstPfn + i);
        }
        check(before.grants.size() == now.grants.size(), "refused call changed the grants", number);
        for (size_t i = 0; i < before.grants.size(); ++i) {
            const exo::Grant &a = before.grants[i], &b = now.grants[i];
            check(a.pfn == b.pfn && a.owner == b.owner && a.grantee == b.grantee && a.permissions == b.permissions,
                  "refused call changed a grant", a.pfn);
        }
        check(before.slots.size() == now.slots.size(), "refused call changed the environments", number);
        for (size_t i = 0; i < before.slots.size(); ++i) {
            const Snapshot::Slot &a = before.slots[i], &b = now.slots[i];
            bool same_entries = true;
            for (size_t e = 0; e < a.entries.size(); ++e) {
                same_entries = same_entries && a.entries[e].pc == b.entries[e].pc && a.entries[e].sp == b.entries[e].sp;
            }
            check(a.id == b.id && a.essential_frames == b.essential_frames &&
                      a.revocation_remaining == b.revocation_remaining &&
                      a.revocation_deadline == b.revocation_deadline &&
                      a.table_reserve_count == b.table_reserve_count && same_entries,
                  "refused call changed an environment", a.id);
        }
        check(before.bindings.size() == now.bindings.size(), "refused call changed the bindings", number);
        for (size_t i = 0; i < before.bindings.size(); ++i) {
            check(before.bindings[i].virtual_address == now.bindings[i].virtual_address &&
                      before.bindings[i].raw == now.bindings[i].raw,
                  "refused call changed a binding", before.bindings[i].virtual_address);
        }
        check(machine_->page_flushes.empty() && machine_->space_flushes.empty(), "refused call flushed the TLB",
              number);
    }

    // A translation that went away or lost a permission must have been flushed from the TLB
    // (by page, or with its whole address space).
    void check_flushes(const std::vector<Binding>& after) {
        for (const Binding& was : bindings_) {
            auto it = std::find_if(after.begin(), after.end(), [&](const Binding& is) {
                return is.slot == was.slot && is.virtual_address == was.virtual_address;
            });
            constexpr uint64_t kKept = pte::kValid | pte::kRead | pte::kWrite | pte::kExecute | pte::kUser;
            bool weakened = it == after.end() || sv39::Entry{it->raw}.pfn() != sv39::Entry{was.raw}.pfn() ||
                            (was.raw & kKept & ~it->raw) != 0;
            if (weakened) {
                check(machine_->flushed(was.virtual_address, was.asid), "stale translation left in the TLB",
                      was.virtual_address);
            }
        }
    }

    void check_invariants(const std::vector<Binding>& after) {
        if (uint64_t problems = machine_->audit_problems()) fail("the audit found problems", problems);
        check(machine_->bad_frame_accesses == 0, "the kernel reached outside RAM", machine_->bad_frame_accesses);
        std::array<uint32_t, exo::kMaxEnvironments> essential{};
        for (const FrameEntry& frame : machine_->entries()) {
            if (frame.state == abi::FrameState::Owned && (frame.flags & frame_flag::kEssential) &&
                frame.owner < exo::kMaxEnvironments) {
                ++essential[frame.owner];
            }
        }
        state_.environments.for_each_live([&](Environment& environment) {
            check(essential[slot(environment)] == environment.essential_frames, "essential frame count",
                  environment.id);
        });
        for (const Binding& binding : after) {
            check_binding(*state_.environments.at_slot(binding.slot), binding.virtual_address,
                          sv39::Entry{binding.raw});
        }
    }

    // What the audit does not look at: which frames a user mapping may name, and with what rights.
    void check_binding(Environment& environment, uint64_t address, sv39::Entry entry) {
        const FrameEntry* frame = state_.frames.find(entry.pfn());
        if (frame == nullptr) return;  // the audit reports it
        check(!(frame->flags & (frame_flag::kPageTable | frame_flag::kTableReserve)),
              "a page-table frame is mapped into user space", address);
        if (entry.valid()) {
            check((entry.raw & pte::kUser) && sv39::is_valid_leaf_permission(entry.raw),
                  "user mapping with a reserved encoding", address);
        }
        bool shared_page = address == abi::kSharedInfoAddress;
        check(shared_page == ((frame->flags & frame_flag::kSharedInfo) != 0), "shared page mapped elsewhere", address);
        if (shared_page) {
            check(entry.pfn() == environment.shared_info_pfn && !(entry.raw & (pte::kWrite | pte::kExecute)),
                  "shared page mapping", address);
            return;
        }
        if (frame->owner == slot(environment)) return;
        const exo::Grant* grant = state_.grants.find(entry.pfn(), slot(environment));
        check(grant != nullptr, "another environment's frame mapped without a grant", address);
        check((abi_permissions(entry.raw) & ~uint64_t{grant->permissions}) == 0, "mapping exceeds its grant",
              address);
    }

    Input& input_;
    Machine* machine_;
    KernelState& state_;
    std::array<std::vector<std::byte>, 2> images_;
    std::array<uint64_t, 2> needed_{};  // frames_needed of each image
    uint64_t now_ = 0;
    // EXO_FUZZ_TRACE=1 prints every call, for reading a crash input (docs/testing.md).
    bool trace_ = std::getenv("EXO_FUZZ_TRACE") != nullptr;
    std::vector<Binding> bindings_;  // every environment's bindings after the last step
    std::array<EnvironmentId, 4> stale_ids_{};
    size_t stale_next_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Boot once (the same way every time), then start each input from a copy of that state.
    static Machine* const booted = [] {
        auto* machine = new Machine(kFrames);
        Input nothing({});
        Harness(nothing, *machine).boot();
        machine->save();
        return machine;
    }();
    booted->restore();
    Input input({data, size});
    Harness harness(input, *booted);
    harness.resume();
    for (unsigned i = 0; i < kMaxOperations && !input.done(); ++i) {
        if (!harness.step()) break;
    }
    return 0;
}
