// Waiting for events (EventWait), children's ends and programs from memory (EnvCreateElf), on
// the host: a sleeper's slots go to others until exactly the bits it waits for are posted (or
// its deadline passes), a bit posted before the wait is not lost, a parent learns how each
// child ended, and an ELF in the caller's frames is loaded only when every frame and byte of it
// passes the checks, changing nothing otherwise.
#include <abi/info.h>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/events.h"
#include "cpu/scheduler.h"
#include "cpu/slice_clock.h"
#include "cpu/trap.h"
#include "kernel_fixture.h"

using exo::test::BootedKernel;
namespace fake = exo::fake;

namespace {

uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }
constexpr uint64_t kInput = abi::event::kConsoleInput;
constexpr uint64_t kChild = abi::event::kChildEnded;

std::byte* user_bytes(BootedKernel& kernel, Environment& environment, uint64_t va) {
    sv39::Entry entry{kernel.machine.read_entry(environment, va & ~(kPage - 1))};
    return kernel.machine.frame(entry.pfn()) + (va & (kPage - 1));
}

void put_user(BootedKernel& kernel, Environment& environment, uint64_t va, const void* data,
              size_t size) {
    std::memcpy(user_bytes(kernel, environment, va), data, size);
}

// A call whose handler switches away (or ends the caller): whatever the kernel resumes next.
void call_and_switch(BootedKernel& kernel, Environment& caller, uint64_t call, uint64_t a0 = 0,
                     uint64_t a1 = 0) {
    try {
        (void)kernel.call(caller, call, a0, a1);
    } catch (const fake::Idle&) {
    } catch (const fake::ReturnToUser&) {
    }
}

}  // namespace

TEST_GROUP(EventWait) {
    BootedKernel* kernel = nullptr;
    Environment* sleeper = nullptr;
    Environment* worker = nullptr;
    void setup() override {
        kernel = new BootedKernel;
        sleeper = kernel->environments[0];  // holds the console's input
        worker = kernel->environments[1];
        kernel->machine.state.console_input.attach(10, 0);
        exo::SliceVector& slices = kernel->machine.state.slices;
        // Slots 0 and 1 are the sleeper's, 2 the worker's, 3 nobody's; 1000 ticks each.
        CHECK_EQUAL(Error::Ok, slices.reserve(0, FakeMachine::slot(*sleeper)));
        CHECK_EQUAL(Error::Ok, slices.reserve(1, FakeMachine::slot(*sleeper)));
        CHECK_EQUAL(Error::Ok, slices.reserve(2, FakeMachine::slot(*worker)));
        fake::hardware().time = 0;
        (void)exo::scheduler_start();
    }
    void teardown() override { delete kernel; }
    Environment* on_cpu() { return static_cast<Environment*>(fake::hart().current_environment); }
    riscv::TrapFrame* tick_at(uint64_t time) {
        fake::hardware().time = time;
        return exo::scheduler_tick();
    }
    void type(const char* text) {
        exo::deliver_console_input(kernel->machine.state,
                                   {reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
    }
    Error wait(Environment& caller, uint64_t mask, uint64_t deadline = 0) {
        return BootedKernel::error_of(
            kernel->call(caller, number(abi::Syscall::EventWait), mask, deadline));
    }
};

TEST(EventWait, MasksThatCannotWakeAndWaitsInsideEntriesAreRefused) {
    CHECK_EQUAL(Error::InvalidArgument, wait(*sleeper, 0));
    CHECK_EQUAL(Error::InvalidArgument, wait(*sleeper, abi::event::kInterrupt));
    CHECK_EQUAL(Error::InvalidArgument, wait(*sleeper, kInput | (uint64_t{1} << 40)));
    sleeper->in_upcall = true;
    CHECK_EQUAL(Error::NotPermitted, wait(*sleeper, kInput));
    sleeper->in_upcall = false;
    CHECK(!sleeper->sleeping());
    POINTERS_EQUAL(sleeper, on_cpu());
}

TEST(EventWait, ABitPostedBeforeTheWaitReturnsAtOnceAndIsTakenOnce) {
    exo::post_event(*sleeper, kChild);
    riscv::TrapFrame& frame =
        kernel->call(*sleeper, number(abi::Syscall::EventWait), kInput | kChild);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    UNSIGNED_LONGLONGS_EQUAL(kChild, frame.x[riscv::reg::a1]);
    CHECK(!sleeper->sleeping());
    CHECK(sleeper->shared_info->events & kChild);  // the shared page's bit stays, as ever
    // A deadline already past: back at once with nothing.
    fake::hardware().time = 500;
    frame = kernel->call(*sleeper, number(abi::Syscall::EventWait), kInput, 400);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    UNSIGNED_LONGLONGS_EQUAL(0, frame.x[riscv::reg::a1]);
    CHECK(!sleeper->sleeping());
}

TEST(EventWait, ASleepersSlotsGoToOthersUntilTheBitItWaitsForIsPosted) {
    CHECK_THROWS(fake::Idle, (void)wait(*sleeper, kInput));  // nobody else may run slot 0
    CHECK(sleeper->sleeping());
    exo::SliceClock& clock = exo::slice_clock();
    CHECK(clock.fast_owners[0] == nullptr && clock.fast_owners[1] == nullptr);
    POINTERS_EQUAL(worker, clock.fast_owners[2]);  // the vector still switches the others
    CHECK_THROWS(fake::Idle, tick_at(1000));       // slot 1: the sleeper's, skipped
    POINTERS_EQUAL(&worker->frame(), tick_at(2000));
    // A bit it does not wait for changes nothing; the one it waits for wakes it.
    exo::post_event(*sleeper, kChild);
    CHECK(sleeper->sleeping());
    type("k");
    CHECK(!sleeper->sleeping());
    POINTERS_EQUAL(sleeper, clock.fast_owners[0]);
    CHECK(!exo::take_wake_while_idle());  // the worker runs: the sleeper waits for its slot
    POINTERS_EQUAL(worker, on_cpu());
    CHECK_THROWS(fake::Idle, tick_at(3000));
    POINTERS_EQUAL(&sleeper->frame(), tick_at(4000));
    UNSIGNED_LONGLONGS_EQUAL(0, sleeper->frame().x[riscv::reg::a0]);
    UNSIGNED_LONGLONGS_EQUAL(kInput, sleeper->frame().x[riscv::reg::a1]);
    // kChildEnded stays latched for the next wait.
    UNSIGNED_LONGLONGS_EQUAL(kChild, sleeper->posted_events);
}

TEST(EventWait, AWakeWhileTheHartIdlesRunsTheSleeperAtOnce) {
    CHECK_THROWS(fake::Idle, (void)wait(*sleeper, kInput));
    type("x");
    CHECK(!sleeper->sleeping());
    // The kernel's wait takes the UART's interrupt and leaves for the woken owner of the slot.
    CHECK(exo::take_wake_while_idle());
    CHECK(!exo::take_wake_while_idle());  // taken once
    POINTERS_EQUAL(&sleeper->frame(), exo::run_after_wake());
    UNSIGNED_LONGLONGS_EQUAL(kInput, sleeper->frame().x[riscv::reg::a1]);
}

TEST(EventWait, TheBackgroundEnvironmentRunsWhileTheOwnerSleeps) {
    CHECK_EQUAL(Error::Ok, exo::set_background(kernel->environments[2]));
    (void)wait(*sleeper, kInput);
    POINTERS_EQUAL(kernel->environments[2], on_cpu());
    POINTERS_EQUAL(&kernel->environments[2]->frame(), tick_at(1000));
    // A sleeping background environment runs nowhere either.
    CHECK_THROWS(fake::Idle, (void)wait(*kernel->environments[2], kChild));
    POINTERS_EQUAL(&worker->frame(), tick_at(2000));
}

TEST(EventWait, ADeadlineWakesTheSleeperWithNoBits) {
    CHECK_THROWS(fake::Idle, (void)wait(*sleeper, kInput, 2500));
    CHECK_THROWS(fake::Idle, tick_at(1000));  // before the deadline: still asleep
    POINTERS_EQUAL(&worker->frame(), tick_at(2000));
    CHECK_THROWS(fake::Idle, tick_at(3000));
    POINTERS_EQUAL(&sleeper->frame(), tick_at(4000));
    CHECK(!sleeper->sleeping());
    UNSIGNED_LONGLONGS_EQUAL(0, sleeper->frame().x[riscv::reg::a1]);
}

TEST(EventWait, AYieldToASleeperGivesTheSlotUpInstead) {
    (void)tick_at(1000);
    POINTERS_EQUAL(&worker->frame(), tick_at(2000));  // the worker's slot
    CHECK_THROWS(fake::Idle, (void)wait(*worker, kChild));
    kernel->run_on_cpu(*sleeper);
    sleeper->frame().x[riscv::reg::a1] = 0;
    worker->frame().x[riscv::reg::a1] = 0x5151;
    CHECK_THROWS(fake::Idle, kernel->call(*sleeper, number(abi::Syscall::Yield), worker->id));
    CHECK(worker->sleeping());
    UNSIGNED_LONGLONGS_EQUAL(0x5151, worker->frame().x[riscv::reg::a1]);
}

// ---------------------------------------------------------------------------------------------

TEST_GROUP(ChildEnds) {
    BootedKernel* kernel = nullptr;
    Environment* parent = nullptr;
    void setup() override {
        kernel = new BootedKernel;
        parent = kernel->environments[1];
        CHECK_EQUAL(Error::Ok, kernel->machine.state.slices.reserve(0, FakeMachine::slot(*parent)));
        fake::hardware().time = 0;
        (void)exo::scheduler_start();
    }
    void teardown() override {
        STRCMP_EQUAL("", kernel->machine.audit_problems().c_str());
        delete kernel;
    }
    Environment& create_child() {
        std::vector<uint64_t> frames;
        for (uint64_t i = 0; i < exo::test::kTinyFramesNeeded; ++i)
            frames.push_back(kernel->machine.allocate(*parent));
        put_user(*kernel, *parent, kStackBottom, frames.data(), frames.size() * 8);
        riscv::TrapFrame& frame = kernel->call(*parent, number(abi::Syscall::EnvCreate), 0,
                                               kStackBottom, frames.size());
        CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
        Environment* child = kernel->machine.state.environments.find(frame.x[riscv::reg::a1]);
        CHECK(child != nullptr);
        return *child;
    }
    const abi::ChildEnd& last_end() {
        const abi::SharedInfo& info = *parent->shared_info;
        return info.child_ends[(info.child_ends_total - 1) % abi::kChildEndSlots];
    }
};

TEST(ChildEnds, AnExitTellsTheParentItsStatus) {
    Environment& child = create_child();
    EnvironmentId id = child.id;
    kernel->run_on_cpu(child);
    call_and_switch(*kernel, child, number(abi::Syscall::Exit), 7);
    UNSIGNED_LONGLONGS_EQUAL(1, parent->shared_info->child_ends_total);
    UNSIGNED_LONGLONGS_EQUAL(id, last_end().id);
    LONGLONGS_EQUAL(7, last_end().status);
    CHECK(last_end().reason == abi::EndReason::Exited);
    CHECK(parent->shared_info->events & kChild);
    UNSIGNED_LONGLONGS_EQUAL(kChild, parent->posted_events);
}

TEST(ChildEnds, ADestroyAndAFaultAreToldApart) {
    Environment& first = create_child();
    EnvironmentId first_id = first.id;
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(kernel->call(
                               *parent, number(abi::Syscall::EnvDestroy), first_id)));
    UNSIGNED_LONGLONGS_EQUAL(first_id, last_end().id);
    CHECK(last_end().reason == abi::EndReason::Destroyed);
    LONGLONGS_EQUAL(0, last_end().status);
    Environment& second = create_child();
    EnvironmentId second_id = second.id;
    kernel->run_on_cpu(second);
    riscv::TrapFrame& frame = second.frame();
    frame.scause = static_cast<uint64_t>(riscv::Exception::StorePageFault);
    frame.pc() = 0x10010;
    try {
        (void)handle_user_trap(&frame);
        FAIL("an unhandled fault came back");
    } catch (const fake::ReturnToUser&) {
    } catch (const fake::Idle&) {
    }
    UNSIGNED_LONGLONGS_EQUAL(2, parent->shared_info->child_ends_total);
    UNSIGNED_LONGLONGS_EQUAL(second_id, last_end().id);
    CHECK(last_end().reason == abi::EndReason::Faulted);
    LONGLONGS_EQUAL(exo::kEnvironmentFaultStatus, last_end().status);
    UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(riscv::Exception::StorePageFault),
                             last_end().cause);
}

TEST(ChildEnds, ASleepingParentIsWokenByItsChildsEnd) {
    Environment& child = create_child();
    kernel->run_on_cpu(*parent);
    call_and_switch(*kernel, *parent, number(abi::Syscall::EventWait), kChild | kInput);
    CHECK(parent->sleeping());
    kernel->run_on_cpu(child);
    call_and_switch(*kernel, child, number(abi::Syscall::Exit), 3);
    CHECK(!parent->sleeping());
    UNSIGNED_LONGLONGS_EQUAL(kChild, parent->frame().x[riscv::reg::a1]);
    UNSIGNED_LONGLONGS_EQUAL(0, parent->posted_events);
}

TEST(ChildEnds, TheRingKeepsTheLastSixteenAndTheTotalCountsThemAll) {
    EnvironmentId last = 0;
    for (uint64_t i = 0; i < abi::kChildEndSlots + 1; ++i) {
        last = create_child().id;
        CHECK_EQUAL(Error::Ok, BootedKernel::error_of(
                                   kernel->call(*parent, number(abi::Syscall::EnvDestroy), last)));
    }
    UNSIGNED_LONGLONGS_EQUAL(abi::kChildEndSlots + 1, parent->shared_info->child_ends_total);
    UNSIGNED_LONGLONGS_EQUAL(last, parent->shared_info->child_ends[0].id);
}

// ---------------------------------------------------------------------------------------------

TEST_GROUP(EnvCreateElf) {
    BootedKernel* kernel = nullptr;
    Environment* parent = nullptr;
    std::vector<std::byte> elf = exo::test::tiny_elf_bytes();
    uint64_t elf_first = 0;
    uint64_t elf_pages = 0;
    static constexpr uint64_t kList = kStackBottom;
    static constexpr uint64_t kName = kStackBottom + 0x800;
    void setup() override {
        kernel = new BootedKernel;
        parent = kernel->environments[1];
        kernel->run_on_cpu(*parent);
        elf_pages = (elf.size() + kPage - 1) / kPage;
        // The frame after the run is another environment's: a length that runs into it must
        // be refused.
        elf_first = kernel->machine.allocate_run(*parent, elf_pages + 1);
        kernel->machine.entry(elf_first + elf_pages).owner =
            FakeMachine::slot(*kernel->environments[2]);
        load(elf);
    }
    void teardown() override {
        UNSIGNED_LONGLONGS_EQUAL(0, kernel->machine.bad_frame_accesses);
        STRCMP_EQUAL("", kernel->machine.audit_problems().c_str());
        delete kernel;
    }
    void load(const std::vector<std::byte>& bytes) {
        for (uint64_t i = 0; i < bytes.size(); ++i)
            kernel->machine.frame(elf_first + i / kPage)[i % kPage] = bytes[i];
    }
    // `count` frames of the parent's, listed in its memory at kList.
    std::vector<uint64_t> donate(uint64_t count) {
        std::vector<uint64_t> frames;
        for (uint64_t i = 0; i < count; ++i) frames.push_back(kernel->machine.allocate(*parent));
        put_user(*kernel, *parent, kList, frames.data(), frames.size() * 8);
        return frames;
    }
    riscv::TrapFrame& create(uint64_t first, uint64_t length, uint64_t count,
                             uint64_t name = kName) {
        return kernel->call(*parent, number(abi::Syscall::EnvCreateElf), first, length, kList,
                            count, name);
    }
    // A call that must be refused: its error and a1, and whether anything but the caller's own
    // a0 and a1 changed (the call's registers are in its main frame, in its shared info page).
    struct Refusal {
        Error error;
        uint64_t value;
        std::string changed;
    };
    Refusal refused(uint64_t first, uint64_t length, uint64_t count, uint64_t name = kName) {
        riscv::TrapFrame& frame = parent->frame();
        const uint64_t registers[] = {first, length, kList, count, name};
        for (int i = 0; i < 5; ++i) frame.x[riscv::reg::a0 + i] = registers[i];
        frame.x[riscv::reg::a7] = number(abi::Syscall::EnvCreateElf);
        FakeMachine::Snapshot before = kernel->machine.snapshot();
        exo::SyscallContext context = kernel->context(*parent);
        exo::dispatch(context, frame).write_to(frame);
        Refusal refusal{BootedKernel::error_of(frame), frame.x[riscv::reg::a1], ""};
        frame.x[riscv::reg::a0] = first;
        frame.x[riscv::reg::a1] = length;
        refusal.changed = kernel->machine.changes_since(before);
        return refusal;
    }
    void name(const std::string& text) {
        char bytes[abi::kEnvironmentNameBytes] = {};
        std::memcpy(bytes, text.data(), std::min(text.size(), sizeof(bytes)));
        put_user(*kernel, *parent, kName, bytes, sizeof(bytes));
    }
};

TEST(EnvCreateElf, AProgramInTheCallersFramesBecomesItsChild) {
    donate(exo::test::kTinyFramesNeeded);
    name("greeter");
    riscv::TrapFrame& frame = create(elf_first, elf.size(), exo::test::kTinyFramesNeeded);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    Environment* child = kernel->machine.state.environments.find(frame.x[riscv::reg::a1]);
    CHECK(child != nullptr);
    STRCMP_EQUAL("greeter", child->name);
    UNSIGNED_LONGLONGS_EQUAL(parent->id, child->parent);
    UNSIGNED_LONGLONGS_EQUAL(exo::test::kTextAddress, child->frame().pc());
    // Its text page holds the ELF's bytes from the text segment's offset.
    CHECK(std::memcmp(user_bytes(*kernel, *child, exo::test::kTextAddress),
                      elf.data() + exo::test::kTextOffset, kPage) == 0);
    // The ELF's frames stay the parent's.
    for (uint64_t i = 0; i < elf_pages; ++i)
        UNSIGNED_LONGS_EQUAL(FakeMachine::slot(*parent),
                             kernel->machine.entry(elf_first + i).owner);
}

TEST(EnvCreateElf, AnHostileNameIsMadePrintableAndNoneIsProgram) {
    donate(exo::test::kTinyFramesNeeded);
    name("\x1b[2Jevil\x07name-too-long");
    riscv::TrapFrame& frame = create(elf_first, elf.size(), exo::test::kTinyFramesNeeded);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    STRCMP_EQUAL("?[2Jevil?name-t",
                 kernel->machine.state.environments.find(frame.x[riscv::reg::a1])->name);
    donate(exo::test::kTinyFramesNeeded);
    riscv::TrapFrame& unnamed = create(elf_first, elf.size(), exo::test::kTinyFramesNeeded, 0);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(unnamed));
    STRCMP_EQUAL("program",
                 kernel->machine.state.environments.find(unnamed.x[riscv::reg::a1])->name);
}

TEST(EnvCreateElf, EveryRefusalChangesNothing) {
    std::vector<uint64_t> frames = donate(exo::test::kTinyFramesNeeded);
    name("refused");
    uint64_t size = elf.size();
    uint64_t needed = exo::test::kTinyFramesNeeded;
    Environment& stranger = *kernel->environments[2];
    uint64_t strangers = kernel->machine.allocate_run(stranger, elf_pages);
    struct Case {
        const char* what;
        uint64_t first, length, count, name;
        Error error;
    } cases[] = {
        {"no bytes", elf_first, 0, needed, kName, Error::InvalidArgument},
        {"past the limit", elf_first, abi::kMaxElfFrames * kPage + 1, needed, kName,
         Error::InvalidArgument},
        {"another's frames", strangers, size, needed, kName, Error::NotOwner},
        {"a frame past the run", elf_first, size + kPage, needed, kName, Error::NotOwner},
        {"a page table", parent->space.root_pfn, 100, needed, kName, Error::NotOwner},
        {"no such frame", 0x10, 100, needed, kName, Error::NotOwner},
        {"too few frames", elf_first, size, needed - 1, kName, Error::NoMemory},
        {"too many frames", elf_first, size, abi::kMaxCreateFrames + 1, kName,
         Error::InvalidArgument},
        {"a name nobody mapped", elf_first, size, needed, 0x2000, Error::BadAddress},
    };
    for (const Case& test : cases) {
        Refusal refusal = refused(test.first, test.length, test.count, test.name);
        CHECK_EQUAL_TEXT(test.error, refusal.error, test.what);
        STRCMP_EQUAL_TEXT("", refusal.changed.c_str(), test.what);
    }
    UNSIGNED_LONGLONGS_EQUAL(needed, refused(elf_first, size, 1).value);
    // A read in flight into the ELF's frames: the device could change it while it is read.
    kernel->machine.entry(elf_first + 1).pin_count = 1;
    CHECK_EQUAL(Error::FrameInUse, BootedKernel::error_of(create(elf_first, size, needed)));
    kernel->machine.entry(elf_first + 1).pin_count = 0;
    // The loader fills the donated frames while it reads the ELF: none may be one of its own.
    frames[3] = elf_first + 2;
    put_user(*kernel, *parent, kList, frames.data(), frames.size() * 8);
    CHECK_EQUAL(Error::InvalidArgument, BootedKernel::error_of(create(elf_first, size, needed)));
}

TEST(EnvCreateElf, AnElfThatLiesIsRefusedWithTheLoadersReason) {
    donate(exo::test::kTinyFramesNeeded);
    name("liar");
    struct Lie {
        std::vector<std::byte> bytes;
        exo::ElfError reason;
    } lies[] = {
        // The entry outside every executable segment.
        {exo::test::build_elf(0x50000, {{5, 0x1000, 0x10000, kPage, kPage}}),
         exo::ElfError::EntryOutsideSegment},
        // A segment whose file bytes run past the file.
        {exo::test::build_elf(0x10000, {{5, 0x1000, 0x10000, kPage, kPage}}),
         exo::ElfError::SegmentOutsideImage},
        // A segment in the kernel's half.
        {exo::test::build_elf(0x10000, {{5, 0x1000, 0x10000, kPage, kPage},
                                        {6, 0x2000, 0xffffffc000000000, 16, kPage}}),
         exo::ElfError::SegmentOutsideUserRange},
    };
    for (Lie& lie : lies) {
        load(lie.bytes);
        uint64_t length = lie.reason == exo::ElfError::SegmentOutsideImage ? 0x1800
                                                                          : lie.bytes.size();
        Refusal refusal = refused(elf_first, length, exo::test::kTinyFramesNeeded);
        CHECK_EQUAL(Error::InvalidArgument, refusal.error);
        UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(lie.reason), refusal.value);
        STRCMP_EQUAL("", refusal.changed.c_str());
    }
    // Not an ELF at all.
    load(std::vector<std::byte>(kPage, std::byte{0x41}));
    CHECK_EQUAL(Error::InvalidArgument,
                BootedKernel::error_of(create(elf_first, kPage, exo::test::kTinyFramesNeeded)));
}
