// libFuzzer target: the input is a sequence of system calls (a raw a7 value, a caller,
// arguments) from three environments over fake memory, and of the kernel's own events (timer
// deadlines, DMA pins, access faults, revocation). Each call goes through the kernel's own
// dispatch and handlers (kernel/syscalls/syscall_table.h) with a SyscallContext over this machine,
// on the host's fake hardware (tests/host/fake_hardware.h); after every step the kernel's audit,
// the rules in ownership_checks.h and what the call promised (syscall_promises.h) must hold.
// EXO_FUZZ_TRACE=1 prints every call.
//
// Input format (make_seeds.py writes seeds in it): each step is an operation byte (below 0xe0 a
// syscall number modulo kNumbers; 0xe0..0xe7 a kernel event), a caller byte (an index into the
// live environments), then the arguments, each a selector byte whose top 3 bits pick a kind
// (small number, frame, the caller's frame, user address, environment id, raw, special value,
// someone else's frame) and maybe payload bytes. Bytes past the end read as 0.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "cpu/scheduler.h"
#include "environments/environment_lifecycle.h"
#include "fuzz_support.h"
#include "memory/revocation.h"
#include "ownership_checks.h"
#include "syscall_promises.h"
#include "syscalls/syscall_table.h"
#include "tests/host/fake_block_queue.h"
#include "tests/host/fake_hardware.h"
#include "tests/host/fake_nic.h"

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
using exo::fuzz::Arguments;
using exo::fuzz::check;
using exo::fuzz::Input;
using exo::fuzz::kPage;
using exo::fuzz::Machine;
namespace address_space = exo::address_space;
namespace permission = abi::permission;
namespace pte = sv39::pte;

constexpr uint64_t kFrames = 128;
constexpr unsigned kMaxOperations = 64;
constexpr uint64_t kStackBottom = abi::kInitialStackTop - abi::kInitialStackPages * kPage;
constexpr uint64_t kFirstExtraFrames = 48;  // the first environment's spare frames
constexpr uint64_t kChildExtraFrames = 6;
// Raw numbers come from operation % kNumbers: every call, and a few past the last.
constexpr uint64_t kNumbers = static_cast<uint64_t>(Syscall::Count) + 4;

// Two images stand for the board's embedded ones: the tiny one (text and data in the first
// gigabyte), and one whose data sits alone in the second gigabyte (more page tables).
const std::array<std::vector<std::byte>, 2>& images() {
    static const std::array<std::vector<std::byte>, 2> kImages = [] {
        const exo::fuzz::TinySegment second[] = {{4 | 1, 0x1000, 0x10000, 0x1800, 0x1800},
                                                 {4, 0x3000, 0x13000, 0x200, 0x200},
                                                 {4 | 2, 0x4000, 0x4000'0000, 0x80, 0x3000}};
        return std::array<std::vector<std::byte>, 2>{exo::fuzz::tiny_elf(),
                                                     exo::fuzz::build_elf(0x10010, second)};
    }();
    return kImages;
}

// What a call did, as the harness sees it.
struct Outcome {
    Error error = Error::Ok;
    uint64_t value = 0;
    bool shutdown = false;  // the first environment ended: the machine is off
};

// The images as the kernel's table of embedded ones (EnvCreate's a0).
const std::array<exo::EmbeddedImage, 2>& embedded() {
    static const std::array<exo::EmbeddedImage, 2> kEmbedded = {
        exo::EmbeddedImage{"child", images()[0].data(), images()[0].size()},
        exo::EmbeddedImage{"child", images()[1].data(), images()[1].size()}};
    return kEmbedded;
}

// The fuzzed machine's disk: 512 KiB, eight requests at once.
exo::test::FakeBlockQueue& disk_device(KernelState& state) {
    static exo::test::FakeBlockQueue device(state, 1024, 8);
    return device;
}

// The fuzzed machine's NIC: eight frames in flight at once; what arrives is the input's.
exo::test::FakeNic& nic_device(KernelState& state) {
    static exo::test::FakeNic device(state, 8);
    return device;
}

class Harness {
public:
    Harness(Input& input, Machine& machine)
        : input_(input), machine_(machine), state_(machine.state), checks_(machine) {
        for (size_t i = 0; i < images_.size(); ++i) {
            exo::ElfImage elf;
            check(exo::parse_elf(images_[i], abi::kSharedInfoAddress, elf) == exo::ElfError::None,
                  "image", i);
            needed_[i] = exo::frames_needed(elf);
        }
    }

    // The first environment from free frames (as boot does), then two children it creates
    // through the EnvCreate path from its own spare frames.
    void boot() {
        exo::fake::reset();
        exo::fake::use_state(state_);
        state_.environments.attach_directory(exo::fake::hart().directory);
        state_.images = embedded();
        state_.timebase_hz = 10'000'000;
        static std::vector<uint16_t> audit_scratch(kFrames);
        state_.audit_scratch = audit_scratch;
        // A disk the first environment owns whole (completions come as a kernel event).
        state_.disk.attach(&disk_device(state_), 0);
        // A NIC whose frames the installed filters (the real ones) give out.
        state_.net.attach(&nic_device(state_), &state_.classifier);
        exo::scheduler_init({4, 1000, 250}, true);
        exo::ElfImage elf;
        (void)exo::parse_elf(images_[0], abi::kSharedInfoAddress, elf);
        std::vector<uint64_t> frames;
        for (uint64_t i = 0; i < needed_[0] + kFirstExtraFrames; ++i)
            frames.push_back(machine_.first_usable() + i);
        Environment* first = nullptr;
        check(exo::create_environment(state_, 0, elf, images_[0], frames, "first", first) ==
                  Error::Ok,
              "boot create");
        checks_.resume();
        for (uint64_t image = 0; image < images_.size(); ++image) {
            uint64_t count = needed_[image] + kChildExtraFrames;
            std::vector<uint64_t> list = spare_frames(*first, 0);
            list.resize(count);
            Outcome outcome = perform(*first, static_cast<uint64_t>(Syscall::EnvCreate),
                                      {image, store_list(*first, list), count});
            check(outcome.error == Error::Ok, "boot child create",
                  static_cast<uint64_t>(outcome.error));
        }
    }

    // Picks up a machine restored to the booted state.
    void resume() { checks_.resume(); }

    // One step from the input; false once the machine is off or nobody is left to call.
    bool step() {
        uint8_t operation = input_.byte();
        Environment* caller = live(input_.byte());
        if (caller == nullptr) return false;
        if (operation < 0xe0) return call(*caller, operation % kNumbers);
        if ((operation & 7) == 6) return call(*caller, input_.u64());  // any a7 value at all
        if ((operation & 7) ==
            7) { // the same call several times over: exhausts frames, grants, reserves
            unsigned times = input_.byte() % 16 + 2;
            uint64_t number = input_.byte() % kNumbers;
            EnvironmentId id = caller->id;
            Arguments arguments = read_arguments(*caller, number);
            for (unsigned i = 0; i < times; ++i) {
                Environment* again = state_.environments.find(id);
                if (again == nullptr) break;
                if (perform(*again, number, arguments).shutdown) return false;
            }
            return true;
        }
        (void)
            checks_.before_step(); // an event is no call: it may change anything, and never refuses
        kernel_event(*caller, operation & 7);
        checks_.after_step(nullptr, operation);
        return true;
    }

private:
    // ---- the kernel's own events ----

    void kernel_event(Environment& caller, unsigned event) {
        switch (event) {
        case 0: {  // the timer: deadlines pass, the abort protocol takes what is still owed
            now_ += (uint64_t{input_.byte()} + 1) * 10000;
            exo::fake::hardware().time = now_;
            exo::enforce_revocation_deadlines(state_, now_);
            state_.environments.for_each_live([&](Environment& environment) {
                check(environment.revocation_remaining == 0 ||
                          environment.revocation_deadline > now_,
                      "a passed deadline left frames owed", environment.id);
            });
            break;
        }
        case 1: {  // a driver's DMA starts: a pin of its own, which only it takes back
            uint64_t pfn = argument(caller);
            if (state_.frames.pin(pfn) == Error::Ok) driver_pins_.push_back(pfn);
            break;
        }
        case 2: {  // and ends: as the disk's completion does, an orphan goes free at its last pin
            if (driver_pins_.empty()) break;
            size_t which = input_.byte() % driver_pins_.size();
            uint64_t pfn = driver_pins_[which];
            driver_pins_.erase(driver_pins_.begin() + static_cast<std::ptrdiff_t>(which));
            check(state_.frames.unpin(pfn) == Error::Ok, "a driver's pin gone", pfn);
            const FrameEntry* frame = state_.frames.find(pfn);
            if (frame->owner == exo::kNoEnvironment && frame->pin_count == 0) {
                state_.frames.release(pfn);
            }
            break;
        }
        case 3: {  // a page fault the hardware raised
            uint64_t address = argument(caller);
            auto access = static_cast<address_space::Access>(input_.byte() % 3);
            MemorySystem memory = state_.memory();
            if (address_space::settle_access(memory, caller.space, address, access)) {
                sv39::Entry entry{
                    address_space::read_entry(memory, caller.space, address & ~(kPage - 1))};
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
            exo::request_revocation(state_, caller, count, deadline);
            break;
        }
        default: {  // the abort protocol taking frames at once, the disk, or the NIC
            const uint8_t which = input_.byte();
            if (which & 1) {
                disk_event(caller);
                break;
            }
            if (which & 2) {
                net_event(caller);
                break;
            }
            uint64_t count = input_.byte() % 32;
            check(exo::repossess(state_, caller, count) <= count, "repossessed more than asked");
            break;
        }
        }
    }

    // The disk: the device completes what it holds, or the caller writes a request of the
    // input's choosing into its submission ring (the kernel copies and checks it at DiskSubmit).
    void disk_event(Environment& caller) {
        if (input_.byte() & 1) {
            state_.disk.complete(state_);
            return;
        }
        uint64_t ring = submission_rings_[EnvironmentTable::slot_of(caller.id)];
        const FrameEntry* frame = state_.frames.find(ring);
        if (ring == 0 || frame == nullptr || frame->owner != EnvironmentTable::slot_of(caller.id) ||
            frame->pin_count == 0) {
            return;  // none registered (or no longer)
        }
        uint8_t shape = input_.byte();
        abi::DiskRequest request{input_.u64(),
                                 shape & 1 ? input_.u64() : uint64_t{input_.byte()} * 8,
                                 argument(caller),
                                 static_cast<abi::DiskOp>(input_.byte() % 5),
                                 static_cast<uint16_t>(shape & 2 ? input_.byte() : 8),
                                 shape & 4 ? uint32_t{input_.byte()} * 64 : 0};
        auto& header = *reinterpret_cast<abi::DiskRingHeader*>(machine_.frame(ring));
        reinterpret_cast<abi::DiskRequest*>(&header +
                                            1)[header.tail % abi::kSubmissionRingEntries] = request;
        header.tail = shape & 8 ? static_cast<uint32_t>(input_.u64()) : header.tail + 1;
    }

    // The NIC: the device finishes what it holds and hands over what arrived, a frame of the
    // input's bytes arrives, or the caller writes a transmit request of the input's choosing
    // into its ring (the kernel copies and checks it at NetSubmit).
    void net_event(Environment& caller) {
        const uint8_t choice = input_.byte() % 3;
        if (choice == 0) {
            state_.net.interrupt(state_);
            return;
        }
        if (choice == 1) {
            std::vector<uint8_t> frame(input_.byte() * 6u);
            for (uint8_t& byte : frame) byte = input_.byte();
            nic_device(state_).arrive(std::move(frame));
            return;
        }
        uint64_t ring = tx_rings_[EnvironmentTable::slot_of(caller.id)];
        const FrameEntry* frame = state_.frames.find(ring);
        if (ring == 0 || frame == nullptr || frame->owner != EnvironmentTable::slot_of(caller.id) ||
            frame->pin_count == 0) {
            return;  // none registered (or no longer)
        }
        const uint8_t shape = input_.byte();
        abi::NetTxRequest request{input_.u64(), argument(caller),
                                  static_cast<uint16_t>(shape & 1 ? input_.u64() : 0),
                                  static_cast<uint16_t>(shape & 2 ? input_.u64() : 60), 0};
        auto& header = *reinterpret_cast<abi::NetRingHeader*>(machine_.frame(ring));
        reinterpret_cast<abi::NetTxRequest*>(&header + 1)[header.tail % abi::kNetTxEntries] =
            request;
        header.tail = shape & 4 ? static_cast<uint32_t>(input_.u64()) : header.tail + 1;
    }

    // ---- choosing arguments ----

    Environment* live(uint8_t choice) {
        std::vector<Environment*> all;
        state_.environments.for_each_live(
            [&](Environment& environment) { all.push_back(&environment); });
        return all.empty() ? nullptr : all[choice % all.size()];
    }

    // The n-th frame (cyclically) owned by `owner`, or by anyone else when `others` is set.
    uint64_t frame_of(EnvironmentSlot owner, bool others, unsigned n) {
        std::vector<uint64_t> found;
        for (uint64_t pfn = Machine::kFirstPfn; pfn < machine_.end_pfn(); ++pfn) {
            const FrameEntry& frame = *state_.frames.find(pfn);
            if (frame.state == abi::FrameState::Owned && (frame.owner == owner) != others)
                found.push_back(pfn);
        }
        return found.empty() ? Machine::kFirstPfn : found[n % found.size()];
    }

    // Frames `owner` holds and could donate (owned, unbound), from the start-th on, cyclically.
    std::vector<uint64_t> spare_frames(const Environment& owner, unsigned start) {
        std::vector<uint64_t> found;
        for (uint64_t pfn = Machine::kFirstPfn; pfn < machine_.end_pfn(); ++pfn) {
            if (state_.frames.check_freeable(pfn, EnvironmentTable::slot_of(owner.id)) ==
                Error::Ok)
                found.push_back(pfn);
        }
        if (!found.empty())
            std::rotate(found.begin(), found.begin() + start % found.size(), found.end());
        return found;
    }

    EnvironmentId environment_id(unsigned choice) {
        switch (choice % 8) {
        case 4:
        case 5: return ended_[choice % ended_.size()];
        case 6: return 0;
        case 7: {
            Environment* environment = live(static_cast<uint8_t>(choice >> 3));
            return environment ? environment->id + (uint64_t{1} << 16)
                               : 1; // right slot, next generation
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
        case 2:
            return frame_of(EnvironmentTable::slot_of(caller.id), false, low);  // the caller's
        case 3: return user_address(low, input_.byte());
        case 4: return environment_id(low);
        case 5: return input_.u64();
        case 6: {
            static constexpr uint64_t kSpecial[] = {0,
                                                    1,
                                                    abi::kAnyFrame,
                                                    abi::kUserTop,
                                                    abi::kUserTop - kPage,
                                                    abi::kSharedInfoAddress,
                                                    abi::kMaxBatchPages,
                                                    abi::kMaxBatchPages + 1,
                                                    abi::kMaxCreateFrames + 1,
                                                    uint64_t{1} << 63,
                                                    abi::kConsoleWriteMax,
                                                    abi::kConsoleWriteMax + 1,
                                                    permission::kAll,
                                                    permission::kWrite,
                                                    permission::kRead | permission::kWrite,
                                                    permission::kRead | permission::kExecute};
            return kSpecial[low % 16];
        }
        default:  // someone else's
            return frame_of(EnvironmentTable::slot_of(caller.id), true, low);
        }
    }

    static unsigned argument_count(uint64_t number) {
        // By number (abi/syscall.h), Null .. KernelInfo; numbers past them take none.
        static constexpr unsigned kCounts[] = {0, 2, 1, 1, 3, 1, 3, 2, 1, 1, 1, 2, 1, 4, 2, 3,
                                               1, 3, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2,
                                               0, 4, 2, 1, 5, 1, 1, 0, 2, 2, 5, 3};
        static_assert(std::size(kCounts) == static_cast<size_t>(Syscall::Count));
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
            sv39::Entry entry{
                address_space::read_entry(memory, caller.space, address & ~(kPage - 1))};
            if (!entry.valid() || !(entry.raw & pte::kWrite))
                break; // the caller unmapped its stack
            std::byte* bytes = machine_.frame(entry.pfn()) + (address & (kPage - 1));
            for (unsigned b = 0; b < 8; ++b) bytes[b] = static_cast<std::byte>(list[i] >> (8 * b));
        }
        return kStackBottom;
    }

    // ---- the calls ----

    bool call(Environment& caller, uint64_t number) {
        return !perform(caller, number, read_arguments(caller, number)).shutdown;
    }

    // One call as the trap vector delivers it: the real dispatch with a context over this
    // machine, the result through the one conversion into the caller's frame; then the checks.
    Outcome perform(Environment& caller, uint64_t number, const Arguments& arguments) {
        exo::fuzz::Snapshot before = checks_.before_step();
        std::optional<Syscall> decoded = exo::decode_syscall(number);
        check(decoded.has_value() == (number < static_cast<uint64_t>(Syscall::Count)), "decode",
              number);
        EnvironmentSlot caller_slot = EnvironmentTable::slot_of(caller.id);
        EnvironmentId caller_id = caller.id;
        std::vector<EnvironmentId> live_before = live_ids();
        exo::fake::hart().current_environment = &caller;
        caller.save_area = &caller.frame();
        riscv::TrapFrame& frame = caller.frame();
        frame.x[riscv::reg::a7] = number;
        for (int i = 0; i < 6; ++i) frame.x[riscv::reg::a0 + i] = arguments[i];
        Outcome outcome;
        bool switched = false;  // the call left the caller (a transfer, a yield, its end)
        try {
            exo::SyscallContext context{state_, caller, clock_, console_};
            exo::SyscallResult result = exo::dispatch(context, frame);
            switched = !result.writes_registers();
            result.write_to(frame);
            outcome = {result.error(), result.value()};
        } catch (const exo::fake::Shutdown&) {
            outcome.shutdown = true;
        } catch (const exo::fake::ReturnToUser&) {
            switched = true;
        } catch (const exo::fake::Idle&) {
            switched = true;
        } catch (const exo::fake::Panic& panic) {
            std::fprintf(stderr, "kernel panic: %s\n", panic.message.c_str());
            exo::fuzz::fail("the kernel panicked", number);
        }
        console_.written.clear();
        if (trace_) {
            std::fprintf(stderr, "slot %u: syscall %llu (%llx %llx %llx %llx) -> %s %llx%s\n",
                         caller_slot, static_cast<unsigned long long>(number),
                         static_cast<unsigned long long>(arguments[0]),
                         static_cast<unsigned long long>(arguments[1]),
                         static_cast<unsigned long long>(arguments[2]),
                         static_cast<unsigned long long>(arguments[3]),
                         abi::to_string(outcome.error),
                         static_cast<unsigned long long>(outcome.value),
                         switched ? " (left the caller)" : "");
        }
        if (outcome.shutdown) return outcome;
        for (EnvironmentId id : live_before) {
            if (state_.environments.find(id) != nullptr) continue;
            exo::fuzz::check_ended(machine_, id);
            ended_[ended_count_++ % ended_.size()] = id;
        }
        if (decoded == Syscall::DiskRings && outcome.error == Error::Ok) {
            submission_rings_[caller_slot] = arguments[0];
        }
        if (decoded == Syscall::NetRings && outcome.error == Error::Ok) {
            tx_rings_[caller_slot] = arguments[3];
        }
        if (outcome.error == Error::Ok && !switched && decoded &&
            state_.environments.find(caller_id) == &caller) {
            exo::fuzz::check_promises(machine_, caller, *decoded, arguments, outcome.value);
        }
        // FrameAlloc's NoMemory asks another environment for frames: a change by design.
        bool pressure = decoded == Syscall::FrameAlloc && outcome.error == Error::NoMemory;
        checks_.after_step(outcome.error != Error::Ok && !pressure ? &before : nullptr, number);
        return outcome;
    }

    std::vector<EnvironmentId> live_ids() {
        std::vector<EnvironmentId> ids;
        state_.environments.for_each_live([&](Environment& environment) {
            ids.push_back(environment.id);
        });
        return ids;
    }

    Input& input_;
    Machine& machine_;
    KernelState& state_;
    const std::array<std::vector<std::byte>, 2>& images_ = images();
    std::array<uint64_t, 2> needed_{};  // frames_needed of each image
    uint64_t now_ = 0;
    exo::fake::Clock clock_;
    exo::fake::Console console_;
    std::array<EnvironmentId, 4> ended_{};  // ids that named environments before they ended
    size_t ended_count_ = 0;
    // The frames event 1 pinned, as a driver would (the disk's pins are the disk's own: pins
    // are taken back only by whoever took them, the rule its unpin_run relies on).
    std::vector<uint64_t> driver_pins_;
    std::array<uint64_t, exo::kMaxEnvironments> submission_rings_{};  // as DiskRings was told
    std::array<uint64_t, exo::kMaxEnvironments> tx_rings_{};          // as NetRings was told
    exo::fuzz::OwnershipChecks checks_;
    bool trace_ = std::getenv("EXO_FUZZ_TRACE") != nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Boot once (the same way every time), then start each input from a copy of that state.
    // The hart page (the directory of environments, the slot clock) is part of the booted state.
    static riscv::HartPage booted_hart;
    static Machine* const booted = [] {
        auto* machine = new Machine(kFrames);
        Input nothing({});
        Harness(nothing, *machine).boot();
        machine->save();
        booted_hart = exo::fake::hart();
        return machine;
    }();
    booted->restore();
    exo::fake::hart() = booted_hart;
    disk_device(booted->state).reset();
    nic_device(booted->state).reset();
    exo::fake::hardware().time = 0;
    (void)exo::set_background(nullptr);
    Input input({data, size});
    Harness harness(input, *booted);
    harness.resume();
    for (unsigned i = 0; i < kMaxOperations && !input.done(); ++i) {
        if (!harness.step()) break;
    }
    return 0;
}
