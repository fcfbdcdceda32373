// The hardware and the running kernel's singletons, faked for host builds of the kernel's own
// files (scheduler, interrupts, trap decisions, the syscall table's entries): CSRs, the timer,
// the FPU, the PLIC, the console, power-off and the hart page. The kernel's [[noreturn]] exits
// (return_to_user, the idle loop, shutdown, panic) throw, so a test sees where control went.
// No CppUTest here: the fuzzer links it too.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/hart_page.h"
#include "kernel_state.h"
#include "syscalls/syscall_context.h"

namespace exo::fake {

// Thrown by return_to_user: the frame the kernel would resume.
struct ReturnToUser {
    riscv::TrapFrame* frame;
};
struct Idle {};  // the hart would wait in wfi: nobody to run
struct Shutdown {
    int status;
};
struct Panic {
    std::string message;
};

struct Hardware {
    uint64_t csrs[4096] = {};
    uint64_t time = 0;              // the `time` CSR, what timer_now returns
    uint64_t timer_deadline = ~uint64_t{0};
    bool sstc = true;
    unsigned tlb_flushes = 0;
    unsigned fpu_saves = 0, fpu_restores = 0, fpu_clears = 0;
    std::vector<uint32_t> plic_pending;     // lines claim() hands out, in order
    std::vector<uint32_t> plic_completed;
    std::vector<std::pair<uint32_t, bool>> plic_enables;
    std::string console;                    // everything printed
    std::string uart_input;                 // bytes waiting in the console UART's receive FIFO
};

// The one fake machine under the kernel's singletons: reset() before and after each test (it
// frees what a test left in the logs).
Hardware& hardware();
riscv::HartPage& hart();
// kernel_state() returns this state (a test's FakeMachine::state, typically).
void use_state(KernelState& state);
void reset();

// A clock and a console for contexts a test builds itself.
class Clock final : public SyscallClock {
public:
    uint64_t now() override { return hardware().time; }
};
class Console final : public SyscallConsole {
public:
    void write(const char* text, size_t length) override { written.append(text, length); }
    std::string written;
};

}  // namespace exo::fake
