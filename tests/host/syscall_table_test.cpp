// The real syscall table on the host: every number reaches its handler, unknown numbers and the
// transfer range, the entries install_syscall_table gives the trap vector, and handlers run
// through dispatch with their result in a0/a1.
#include <cstdint>
#include <set>
#include <vector>

#include "kernel_fixture.h"

using exo::test::BootedKernel;
namespace calls = exo::syscall;

// Beside the tiny image: its page tables are there already.
constexpr uint64_t kMapVa = 0x40000;

TEST_GROUP(SyscallTable) {
    BootedKernel* kernel = nullptr;
    void setup() override { kernel = new BootedKernel; }
    void teardown() override { delete kernel; }
};

// Written from abi/syscall.h, not from the table: a slot moved or swapped fails here.
TEST(SyscallTable, EveryNumberDecodesToItsHandler) {
    using abi::Syscall;
    struct Expected {
        Syscall number;
        calls::Handler handler;
        calls::FrameHandler with_frame;
    };
    const Expected expected[] = {
        {Syscall::Null, calls::null, nullptr},
        {Syscall::ConsoleWrite, calls::console_write, nullptr},
        {Syscall::Exit, nullptr, calls::exit},
        {Syscall::Yield, nullptr, calls::yield},
        {Syscall::EnvCreate, calls::environment_create, nullptr},
        {Syscall::EnvDestroy, nullptr, calls::environment_destroy},
        {Syscall::EnvSetEntry, calls::environment_set_entry, nullptr},
        {Syscall::UpcallReturn, nullptr, calls::upcall_return},
        {Syscall::FrameAlloc, calls::frame_alloc, nullptr},
        {Syscall::FrameFree, calls::frame_free, nullptr},
        {Syscall::FrameQuery, calls::frame_query, nullptr},
        {Syscall::FrameSetEssential, calls::frame_set_essential, nullptr},
        {Syscall::PageTableDonate, calls::page_table_donate, nullptr},
        {Syscall::Map, calls::map, nullptr},
        {Syscall::Unmap, calls::unmap, nullptr},
        {Syscall::Protect, calls::protect, nullptr},
        {Syscall::PteRead, calls::pte_read, nullptr},
        {Syscall::Grant, calls::grant, nullptr},
        {Syscall::GrantRevoke, calls::grant_revoke, nullptr},
        {Syscall::Audit, calls::audit, nullptr},
        {Syscall::SliceReserve, calls::slice_reserve, nullptr},
        {Syscall::SliceRelease, calls::slice_release, nullptr},
        {Syscall::SliceRead, calls::slice_read, nullptr},
        {Syscall::SliceSetBackground, calls::slice_set_background, nullptr},
        {Syscall::ResumeContext, nullptr, calls::resume_context},
        {Syscall::DeviceClaim, calls::device_claim, nullptr},
        {Syscall::DeviceRelease, calls::device_release, nullptr},
        {Syscall::IrqBind, calls::irq_bind, nullptr},
        {Syscall::IrqAck, calls::irq_ack, nullptr},
        {Syscall::IrqUnbind, calls::irq_unbind, nullptr},
        {Syscall::DiskInfo, calls::disk_info, nullptr},
        {Syscall::DiskRings, calls::disk_rings, nullptr},
        {Syscall::DiskSubmit, calls::disk_submit, nullptr},
        {Syscall::DiskExtentGrant, calls::disk_extent_grant, nullptr},
        {Syscall::DiskExtentRevoke, calls::disk_extent_revoke, nullptr},
        {Syscall::NetInfo, calls::net_info, nullptr},
        {Syscall::NetRings, calls::net_rings, nullptr},
        {Syscall::NetFilterInstall, calls::net_filter_install, nullptr},
        {Syscall::NetFilterRemove, calls::net_filter_remove, nullptr},
        {Syscall::NetSubmit, calls::net_submit, nullptr},
        {Syscall::ConsoleRead, calls::console_read, nullptr},
        {Syscall::EventWait, nullptr, calls::event_wait},
        {Syscall::EnvCreateElf, calls::environment_create_elf, nullptr},
        {Syscall::KernelInfo, calls::kernel_info, nullptr},
    };
    UNSIGNED_LONGLONGS_EQUAL(static_cast<uint64_t>(Syscall::Count), std::size(expected));
    for (const Expected& row : expected) {
        const exo::SyscallSlot* slot = exo::syscall_slot(static_cast<uint64_t>(row.number));
        CHECK(slot != nullptr);
        CHECK(slot->handler == row.handler);
        CHECK(slot->with_frame == row.with_frame);
        CHECK(exo::kFrameHandlers[static_cast<size_t>(row.number)] == row.with_frame);
    }
}

TEST(SyscallTable, UnknownNumbersAndTheTransferRangeFailWithoutAHandler) {
    Environment& caller = *kernel->environments[1];
    const uint64_t unknown[] = {static_cast<uint64_t>(abi::Syscall::Count), 63,
                                abi::kTransferEnd, 1000, ~uint64_t{0}};
    for (uint64_t number : unknown) {
        CHECK(exo::syscall_slot(number) == nullptr);
        riscv::TrapFrame& frame = kernel->call(caller, number, 1, 2);
        CHECK_EQUAL(Error::UnknownSyscall, BootedKernel::error_of(frame));
    }
    // Past the table, a7 names a transfer: the C++ names the vector's refusals.
    CHECK_EQUAL(Error::NoSuchEnvironment,
                BootedKernel::error_of(kernel->call(caller, abi::kCall, 0x7777)));
    CHECK_EQUAL(Error::NoSuchEnvironment,
                BootedKernel::error_of(kernel->call(caller, abi::kSend + 3, 0x7777)));
    CHECK(BootedKernel::error_of(kernel->call(caller, abi::kReply)) != Error::Ok);
}

// What the vector calls: one entry for every unknown number, the frame path for frame calls, an
// entry of its own for each fast call, which runs the real handler on the running context.
TEST(SyscallTable, TheVectorsEntriesRunTheHandlers) {
    riscv::HartPage page{};
    exo::install_syscall_table(page);
    const uint64_t count = static_cast<uint64_t>(abi::Syscall::Count);
    for (uint64_t number = count + 1; number < riscv::kSyscallTableSlots; ++number)
        UNSIGNED_LONGLONGS_EQUAL(page.syscall_table[count], page.syscall_table[number]);
    auto address = [](auto* function) { return reinterpret_cast<uint64_t>(function); };
    std::set<uint64_t> fast;
    for (uint64_t number = 0; number < count; ++number) {
        const exo::SyscallSlot& slot = *exo::syscall_slot(number);
        uint64_t entry = page.syscall_table[number];
        if (slot.vector_entry) {
            UNSIGNED_LONGLONGS_EQUAL(address(slot.vector_entry), entry);
        } else if (slot.with_frame) {
            UNSIGNED_LONGLONGS_EQUAL(address(&syscall_with_frame), entry);
        } else {
            CHECK(fast.insert(entry).second);
            CHECK(entry != page.syscall_table[count]);
        }
    }
    using Entry = exo::SyscallResult (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                         uint64_t);
    auto entry = [&](uint64_t number) {
        return reinterpret_cast<Entry>(page.syscall_table[number]);
    };
    Environment& runner = *kernel->environments[2];
    kernel->run_on_cpu(runner);
    exo::RegisterPair null = entry(0)(1, 0x5555, 3, 4, 5, 6).registers();
    UNSIGNED_LONGLONGS_EQUAL(0, static_cast<uint64_t>(null));
    UNSIGNED_LONGLONGS_EQUAL(0x5555, static_cast<uint64_t>(null >> 64));
    CHECK_EQUAL(Error::UnknownSyscall, entry(count)(0, 0, 0, 0, 0, 0).error());
    exo::SyscallResult allocated =
        entry(static_cast<uint64_t>(abi::Syscall::FrameAlloc))(abi::kAnyFrame, 0, 0, 0, 0, 0);
    CHECK_EQUAL(Error::Ok, allocated.error());
    // The running context's caller is the hart page's environment.
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::slot(runner),
                             kernel->machine.entry(allocated.value()).owner);
}

TEST(SyscallTable, HandlersRunThroughDispatchAndAnswerInA0AndA1) {
    Environment& caller = *kernel->environments[1];
    riscv::TrapFrame& frame =
        kernel->call(caller, static_cast<uint64_t>(abi::Syscall::FrameAlloc), abi::kAnyFrame);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    uint64_t pfn = frame.x[riscv::reg::a1];
    CHECK(kernel->machine.entry(pfn).state == abi::FrameState::Owned);
    // Someone else's frame: refused, nothing freed.
    frame = kernel->call(*kernel->environments[2], static_cast<uint64_t>(abi::Syscall::FrameFree),
                         pfn);
    CHECK_EQUAL(Error::NotOwner, BootedKernel::error_of(frame));
    CHECK(kernel->machine.entry(pfn).state == abi::FrameState::Owned);
    frame = kernel->call(caller, static_cast<uint64_t>(abi::Syscall::Map), kMapVa, pfn, 1, kRW);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    CHECK(kernel->machine.read_entry(caller, kMapVa) & pte::kValid);
    // ConsoleWrite reads the caller's memory and writes to the context's console.
    frame = kernel->call(caller, static_cast<uint64_t>(abi::Syscall::ConsoleWrite),
                         exo::test::kTextAddress, 5);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    UNSIGNED_LONGLONGS_EQUAL(5, frame.x[riscv::reg::a1]);
    UNSIGNED_LONGLONGS_EQUAL(5, kernel->console.written.size());
    frame = kernel->call(caller, static_cast<uint64_t>(abi::Syscall::ConsoleWrite), 0x10, 5);
    CHECK_EQUAL(Error::BadAddress, BootedKernel::error_of(frame));
}

// Exit ends the caller and runs whoever the slot falls to; the first environment's end is the
// machine's.
TEST(SyscallTable, ExitEndsTheCallerAndTheFirstEndsTheMachine) {
    Environment& leaving = *kernel->environments[2];
    EnvironmentId id = leaving.id;
    kernel->run_on_cpu(leaving);
    try {
        (void)kernel->call(leaving, static_cast<uint64_t>(abi::Syscall::Exit), 3);
        FAIL("Exit returned");
    } catch (const exo::fake::ReturnToUser&) {
    } catch (const exo::fake::Idle&) {
    }
    CHECK(kernel->machine.state.environments.find(id) == nullptr);
    CHECK(kernel->console.written.find("exited with status 3") != std::string::npos);
    Environment& first = *kernel->environments[0];
    kernel->run_on_cpu(first);
    try {
        (void)kernel->call(first, static_cast<uint64_t>(abi::Syscall::Exit), 7);
        FAIL("the first environment's Exit returned");
    } catch (const exo::fake::Shutdown& shutdown) {
        LONGS_EQUAL(7, shutdown.status);
    }
}
