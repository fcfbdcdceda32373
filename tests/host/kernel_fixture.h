// A booted kernel on the host for the syscall, scheduler, trap and interrupt suites: a
// FakeMachine's state behind kernel_state(), the fake hardware reset, and three environments
// from the tiny image (slot 0 is the first, whose end shuts the machine down).
#pragma once

#include <cstdint>
#include <string>

#include "cpu/scheduler.h"
#include "fake_hardware.h"
#include "syscalls/syscall_table.h"

// Last: it brings CppUTest, whose `new` macro the standard headers must not see.
#include "kernel_test_names.h"

namespace exo::test {

class BootedKernel {
public:
    static constexpr uint64_t kSpareFrames = 24;

    BootedKernel() {
        fake::reset();
        fake::use_state(machine.state);
        machine.state.environments.attach_directory(fake::hart().directory);
        machine.state.timebase_hz = 10'000'000;
        machine.state.audit_scratch = std::span<uint16_t>(scratch);
        std::vector<std::byte> bytes = tiny_elf_bytes();
        image_bytes = bytes;
        images[0] = {"tiny", image_bytes.data(), image_bytes.size()};
        machine.state.images = images;
        ElfImage elf = parse_tiny(image_bytes);
        for (Environment*& environment : environments) {
            std::vector<uint64_t> frames = machine.frames_for(kTinyFramesNeeded + kSpareFrames);
            CHECK_EQUAL(abi::Error::Ok, create_environment(machine.state, 0, elf, image_bytes,
                                                           frames, "env", environment));
        }
        scheduler_init({4, 1000, 250}, true);
        run_on_cpu(*environments[0]);
    }

    ~BootedKernel() { fake::reset(); }
    BootedKernel(const BootedKernel&) = delete;
    BootedKernel& operator=(const BootedKernel&) = delete;

    // What the trap vector leaves when `environment` is on the CPU.
    void run_on_cpu(Environment& environment) {
        fake::hart().current_environment = &environment;
        environment.save_area = &environment.frame();
    }

    SyscallContext context(Environment& caller) { return {machine.state, caller, clock, console}; }

    // A call as the vector would deliver it, through the real dispatch and the one conversion.
    riscv::TrapFrame& call(Environment& caller, uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0,
                           uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
        riscv::TrapFrame& frame = caller.frame();
        frame.x[riscv::reg::a7] = number;
        frame.x[riscv::reg::a0] = a0;
        frame.x[riscv::reg::a1] = a1;
        frame.x[riscv::reg::a2] = a2;
        frame.x[riscv::reg::a3] = a3;
        frame.x[riscv::reg::a4] = a4;
        SyscallContext call_context = context(caller);
        dispatch(call_context, frame).write_to(frame);
        return frame;
    }
    static Error error_of(const riscv::TrapFrame& frame) {
        return static_cast<Error>(frame.x[riscv::reg::a0]);
    }

    FakeMachine machine;
    std::vector<uint16_t> scratch = std::vector<uint16_t>(FakeMachine::kDefaultFrames);
    std::vector<std::byte> image_bytes;
    EmbeddedImage images[1] = {};
    Environment* environments[3] = {};
    fake::Clock clock;
    fake::Console console;
};

}  // namespace exo::test
