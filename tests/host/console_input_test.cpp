// The console's input as a multiplexed resource, on the host: the kernel's ring (order, the
// wrap, what a full ring drops), bytes typed at the fake UART reaching the holder through the
// real interrupt path and ConsoleRead (nobody else reads them, a bad buffer loses nothing,
// control bytes pass untouched), and KernelInfo's public records.
#include <abi/info.h>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/events.h"
#include "cpu/interrupts.h"
#include "cpu/scheduler.h"
#include "drivers/console_input.h"
#include "kernel_fixture.h"

using exo::test::BootedKernel;
namespace fake = exo::fake;

namespace {

uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }

std::span<const uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// What an environment's memory holds at `va` (mapped), through its own page table.
std::byte* user_bytes(BootedKernel& kernel, Environment& environment, uint64_t va) {
    sv39::Entry entry{kernel.machine.read_entry(environment, va & ~(kPage - 1))};
    return kernel.machine.frame(entry.pfn()) + (va & (kPage - 1));
}

std::string user_string(BootedKernel& kernel, Environment& environment, uint64_t va,
                        uint64_t length) {
    const char* text = reinterpret_cast<const char*>(user_bytes(kernel, environment, va));
    return std::string(text, length);
}

}  // namespace

TEST_GROUP(ConsoleInputRing) {
    exo::ConsoleInput input;
    std::string taken(uint32_t max) {
        std::string out(max, '\0');
        uint32_t got = input.peek(reinterpret_cast<uint8_t*>(out.data()), max);
        input.consume(got);
        out.resize(got);
        return out;
    }
};

TEST(ConsoleInputRing, KeepsOrderAcrossTheWrapAndCountsWhatAFullRingDrops) {
    std::string first(1000, 'a');
    UNSIGNED_LONGS_EQUAL(1000, input.push(bytes_of(first)));
    STRCMP_EQUAL(std::string(900, 'a').c_str(), taken(900).c_str());
    std::string second;
    for (int i = 0; i < 1000; ++i) second.push_back(static_cast<char>('0' + i % 10));
    // 100 wait, so 924 of the next 1000 fit; the rest are dropped, never overwritten.
    UNSIGNED_LONGS_EQUAL(924, input.push(bytes_of(second)));
    UNSIGNED_LONGS_EQUAL(exo::ConsoleInput::kCapacity, input.buffered());
    UNSIGNED_LONGLONGS_EQUAL(2000, input.received());
    UNSIGNED_LONGLONGS_EQUAL(76, input.dropped());
    STRCMP_EQUAL((std::string(100, 'a') + second.substr(0, 924)).c_str(), taken(4096).c_str());
    UNSIGNED_LONGS_EQUAL(0, input.buffered());
}

TEST(ConsoleInputRing, PeekTakesNothingConsumeStopsAtEmptyDiscardEmpties) {
    (void)input.push(bytes_of("abc"));
    STRCMP_EQUAL("ab", [&] {
        std::string out(2, '\0');
        input.peek(reinterpret_cast<uint8_t*>(out.data()), 2);
        return out;
    }().c_str());
    UNSIGNED_LONGS_EQUAL(3, input.buffered());
    input.consume(10);
    UNSIGNED_LONGS_EQUAL(0, input.buffered());
    (void)input.push(bytes_of("xyz"));
    input.discard();
    UNSIGNED_LONGS_EQUAL(0, input.buffered());
    STRCMP_EQUAL("", taken(8).c_str());
}

// ---------------------------------------------------------------------------------------------

TEST_GROUP(ConsoleRead) {
    BootedKernel* kernel = nullptr;
    Environment* holder = nullptr;
    Environment* other = nullptr;
    static constexpr uint32_t kConsoleLine = 10;
    static constexpr uint32_t kDeviceLine = 11;
    void setup() override {
        kernel = new BootedKernel;
        holder = kernel->environments[0];  // the first environment holds the input
        other = kernel->environments[1];
        exo::DeviceTreeInfo tree;
        tree.uarts[0] = {exo::UartKind::Ns16550a, {0x10000000, 0x100}, kConsoleLine};
        tree.uarts[1] = {exo::UartKind::Ns16550a, {0x10001000, 0x100}, kDeviceLine};
        tree.uart_count = 2;
        tree.console = tree.uarts[0];
        tree.plic = {{0xc000000, 0x4000000}, 32};
        tree.cpus[0].hart_id = 0;
        tree.cpus[0].plic_supervisor_context = 1;
        tree.cpu_count = 1;
        exo::interrupts_init(tree, 0);
    }
    void teardown() override { delete kernel; }
    // The user types: the UART holds the bytes and raises its line; the kernel takes it.
    void type(const std::string& text) {
        fake::hardware().uart_input = text;
        fake::hardware().plic_pending = {kConsoleLine};
        exo::handle_external_interrupt();
    }
    riscv::TrapFrame& read(Environment& environment, uint64_t va, uint64_t length) {
        return kernel->call(environment, number(abi::Syscall::ConsoleRead), va, length);
    }
};

TEST(ConsoleRead, TheLineIsTheKernelsAndTypedBytesReachTheHolderOnly) {
    UNSIGNED_LONGS_EQUAL(kConsoleLine, kernel->machine.state.console_input.line());
    CHECK(fake::hardware().plic_enables.back() == std::make_pair(kConsoleLine, true));
    CHECK(fake::hardware().console.find("console input on line 10") != std::string::npos);
    // Nobody may bind it.
    CHECK_EQUAL(Error::NotPermitted,
                BootedKernel::error_of(kernel->call(*other, number(abi::Syscall::IrqBind),
                                                    kConsoleLine)));
    type("ls -l\r");
    CHECK(fake::hardware().plic_completed == std::vector<uint32_t>{kConsoleLine});
    CHECK(holder->shared_info->events & abi::event::kConsoleInput);
    CHECK((other->shared_info->events & abi::event::kConsoleInput) == 0);
    CHECK_EQUAL(Error::Busy, BootedKernel::error_of(read(*other, kStackBottom, 64)));
    riscv::TrapFrame& frame = read(*holder, kStackBottom, 64);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    UNSIGNED_LONGLONGS_EQUAL(6, frame.x[riscv::reg::a1]);
    STRCMP_EQUAL("ls -l\r", user_string(*kernel, *holder, kStackBottom, 6).c_str());
    UNSIGNED_LONGLONGS_EQUAL(0, read(*holder, kStackBottom, 64).x[riscv::reg::a1]);
    // Drained: no latched event would wake the holder's next wait early.
    CHECK((holder->posted_events & abi::event::kConsoleInput) == 0);
}

TEST(ConsoleRead, AShortReadLeavesTheRestAndControlBytesPassUntouched) {
    const std::string typed("\x03\x1b[A\x7f\x08\x00\xff\r", 9);
    type(typed);
    UNSIGNED_LONGLONGS_EQUAL(4, read(*holder, kStackBottom, 4).x[riscv::reg::a1]);
    CHECK((holder->posted_events & abi::event::kConsoleInput) != 0);  // five still wait
    UNSIGNED_LONGLONGS_EQUAL(5, read(*holder, kStackBottom + 4, 100).x[riscv::reg::a1]);
    CHECK(typed == user_string(*kernel, *holder, kStackBottom, 9));
}

TEST(ConsoleRead, ABadBufferOrLengthIsRefusedAndLosesNothing) {
    type("abc");
    CHECK_EQUAL(Error::BadAddress, BootedKernel::error_of(read(*holder, 0x1000, 3)));
    // The shared info page is mapped read-only: the kernel must not write it for the caller.
    CHECK_EQUAL(Error::BadAddress,
                BootedKernel::error_of(read(*holder, abi::kSharedInfoAddress, 3)));
    CHECK_EQUAL(Error::InvalidArgument,
                BootedKernel::error_of(read(*holder, kStackBottom, abi::kConsoleReadMax + 1)));
    UNSIGNED_LONGS_EQUAL(3, kernel->machine.state.console_input.buffered());
    // A buffer that ends in an unmapped page: what fits before it arrives, the rest stays.
    type(std::string(40, 'z'));
    uint64_t near_end = abi::kInitialStackTop - 10;
    riscv::TrapFrame& frame = read(*holder, near_end, 43);
    CHECK_EQUAL(Error::BadAddress, BootedKernel::error_of(frame));
    UNSIGNED_LONGS_EQUAL(43, kernel->machine.state.console_input.buffered());
    UNSIGNED_LONGLONGS_EQUAL(43, read(*holder, kStackBottom, 100).x[riscv::reg::a1]);
    STRCMP_EQUAL(("abc" + std::string(40, 'z')).c_str(),
                 user_string(*kernel, *holder, kStackBottom, 43).c_str());
}

TEST(ConsoleRead, AFloodFillsTheRingAndTheRestIsCountedAsDropped) {
    type(std::string(1500, 'x'));
    UNSIGNED_LONGS_EQUAL(exo::ConsoleInput::kCapacity,
                         kernel->machine.state.console_input.buffered());
    UNSIGNED_LONGLONGS_EQUAL(1500 - exo::ConsoleInput::kCapacity,
                             kernel->machine.state.console_input.dropped());
    CHECK(fake::hardware().uart_input.empty());  // the UART was drained all the same
    abi::ConsoleInfo info{};
    riscv::TrapFrame& frame = kernel->call(*other, number(abi::Syscall::KernelInfo),
                                           static_cast<uint64_t>(abi::InfoTopic::Console), 0,
                                           kStackBottom);
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(frame));
    std::memcpy(&info, user_bytes(*kernel, *other, kStackBottom), sizeof(info));
    UNSIGNED_LONGLONGS_EQUAL(holder->id, info.holder);
    UNSIGNED_LONGS_EQUAL(kConsoleLine, info.line);
    UNSIGNED_LONGLONGS_EQUAL(1500, info.received);
    UNSIGNED_LONGLONGS_EQUAL(1500 - exo::ConsoleInput::kCapacity, info.dropped);
}

TEST(ConsoleRead, WhatTheHolderLeftGoesWithIt) {
    type("unread");
    exo::syscall::end_environment(kernel->machine.state, *other, 0);  // not the holder: stays
    UNSIGNED_LONGS_EQUAL(6, kernel->machine.state.console_input.buffered());
    CHECK_THROWS(fake::Shutdown, exo::syscall::end_environment(kernel->machine.state, *holder, 0));
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.state.console_input.buffered());
}

// ---------------------------------------------------------------------------------------------

TEST_GROUP_BASE(KernelInfo, TEST_GROUP_CppUTestGroupConsoleRead) {
    template <typename Record>
    Error info(Environment& caller, abi::InfoTopic topic, uint64_t index, Record& record,
               uint64_t va = kStackBottom) {
        riscv::TrapFrame& frame = kernel->call(caller, number(abi::Syscall::KernelInfo),
                                               static_cast<uint64_t>(topic), index, va);
        Error error = BootedKernel::error_of(frame);
        if (error == Error::Ok)
            std::memcpy(&record, user_bytes(*kernel, caller, va), sizeof(record));
        return error;
    }
};

TEST(KernelInfo, EnvironmentRecordsSayWhoIsWhoAndWhatEachDoes) {
    exo::SliceVector& slices = kernel->machine.state.slices;
    CHECK_EQUAL(Error::Ok, slices.reserve(1, FakeMachine::slot(*other)));
    CHECK_EQUAL(Error::Ok, slices.reserve(3, FakeMachine::slot(*other)));
    CHECK_EQUAL(Error::Ok, exo::set_background(kernel->environments[2]));
    abi::EnvironmentInfo record{};
    CHECK_EQUAL(Error::Ok, info(*holder, abi::InfoTopic::Environment, 1, record));
    UNSIGNED_LONGLONGS_EQUAL(other->id, record.id);
    STRCMP_EQUAL("env", record.name);
    UNSIGNED_LONGLONGS_EQUAL(2, record.slots);
    UNSIGNED_LONGLONGS_EQUAL(0, record.state);
    CHECK_EQUAL(Error::Ok, info(*holder, abi::InfoTopic::Environment, 0, record));
    UNSIGNED_LONGLONGS_EQUAL(abi::environment_state::kOnCpu |
                                 abi::environment_state::kConsoleInput,
                             record.state);
    CHECK_EQUAL(Error::Ok, info(*holder, abi::InfoTopic::Environment, 2, record));
    UNSIGNED_LONGLONGS_EQUAL(abi::environment_state::kBackground, record.state);
    // Unused slots, slots past the table, bad buffers and topics.
    CHECK_EQUAL(Error::NoSuchEnvironment, info(*holder, abi::InfoTopic::Environment, 3, record));
    CHECK_EQUAL(Error::OutOfRange,
                info(*holder, abi::InfoTopic::Environment, exo::kMaxEnvironments, record));
    CHECK_EQUAL(Error::OutOfRange, info(*holder, abi::InfoTopic::Environment, ~0ull, record));
    CHECK_EQUAL(Error::BadAddress,
                info(*holder, abi::InfoTopic::Environment, 1, record, abi::kSharedInfoAddress));
    CHECK_EQUAL(Error::BadAddress,
                info(*holder, abi::InfoTopic::Environment, 1, record,
                     abi::kInitialStackTop - sizeof(record) + 8));
    CHECK_EQUAL(Error::InvalidArgument, info(*holder, abi::InfoTopic::Count, 0, record));
    CHECK_EQUAL(Error::InvalidArgument, info(*holder, static_cast<abi::InfoTopic>(~0ull), 0,
                                             record));
}

TEST(KernelInfo, TheFrameSummaryIsTheFrameTables) {
    abi::FrameSummary summary{};
    CHECK_EQUAL(Error::Ok, info(*other, abi::InfoTopic::Frames, 77, summary));
    const exo::FrameTable& frames = kernel->machine.state.frames;
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kFirstPfn, summary.first_pfn);
    UNSIGNED_LONGLONGS_EQUAL(frames.frame_count(), summary.count);
    UNSIGNED_LONGLONGS_EQUAL(frames.count(abi::FrameState::Free), summary.free);
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kKernelFrames, summary.kernel);
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kReservedFrames, summary.reserved);
    UNSIGNED_LONGLONGS_EQUAL(FakeMachine::kDeviceFrames, summary.device);
    UNSIGNED_LONGLONGS_EQUAL(summary.count, summary.free + summary.kernel + summary.reserved +
                                                summary.device + summary.owned);
}

TEST(KernelInfo, LinesSayWhetherTheKernelOrAnEnvironmentHasThem) {
    type("q");
    abi::LineInfo line{};
    CHECK_EQUAL(Error::Ok, info(*other, abi::InfoTopic::Line, kConsoleLine, line));
    CHECK(line.use == abi::LineUse::KernelConsole);
    UNSIGNED_LONGLONGS_EQUAL(1, line.count);  // the console's receive interrupts
    CHECK_EQUAL(Error::Ok, info(*other, abi::InfoTopic::Line, kDeviceLine, line));
    CHECK(line.use == abi::LineUse::Device);
    UNSIGNED_LONGLONGS_EQUAL(0, line.owner);
    CHECK_EQUAL(Error::Ok,
                BootedKernel::error_of(kernel->call(*other, number(abi::Syscall::DeviceClaim), 0)));
    CHECK_EQUAL(Error::Ok, BootedKernel::error_of(
                               kernel->call(*other, number(abi::Syscall::IrqBind), kDeviceLine)));
    CHECK_EQUAL(Error::Ok, info(*holder, abi::InfoTopic::Line, kDeviceLine, line));
    UNSIGNED_LONGLONGS_EQUAL(other->id, line.owner);
    CHECK_EQUAL(Error::Ok, info(*holder, abi::InfoTopic::Line, 5, line));
    CHECK(line.use == abi::LineUse::None);
    CHECK_EQUAL(Error::OutOfRange,
                info(*holder, abi::InfoTopic::Line, exo::InterruptTable::kMaxLines, line));
}

TEST(KernelInfo, ImagesAreListedByNameAndSize) {
    abi::ImageInfo image{};
    CHECK_EQUAL(Error::Ok, info(*other, abi::InfoTopic::Image, 0, image));
    STRCMP_EQUAL("tiny", image.name);
    UNSIGNED_LONGLONGS_EQUAL(kernel->image_bytes.size(), image.bytes);
    CHECK_EQUAL(Error::OutOfRange, info(*other, abi::InfoTopic::Image, 1, image));
}
