// The running kernel's side of the syscall table (syscall_table.h): the context its fast entries
// hand the handlers (the kernel's state, the environment on the CPU, the timer and the console)
// and the frame path the trap vector calls, handle_syscall_with_frame.
#include "arch/riscv64/timer.h"
#include "cpu/scheduler.h"
#include "cpu/trap.h"
#include "drivers/console.h"
#include "kernel_state.h"
#include "syscalls/syscall_table.h"

namespace exo {

namespace {

class KernelClock final : public SyscallClock {
public:
    uint64_t now() override { return riscv::timer_now(); }
};

class KernelConsole final : public SyscallConsole {
public:
    void write(const char* text, size_t length) override { console_write(text, length); }
};

KernelClock kernel_clock;
KernelConsole kernel_console;

}  // namespace

// Inlined into every fast entry: the state's and the hart page's addresses are constants, so it
// costs the one load of the current environment.
SyscallContext running_context() {
    return {kernel_state(), current_environment(), kernel_clock, kernel_console};
}

}  // namespace exo

// The registers the trap vector used on its way here hold its values (kernel addresses among
// them), never the caller's: the ABI clobbers them, and they come back zero (docs/abi.md).
// Transfers used t0, t1 and a6 and pass every other register through, ra included; table calls
// used ra (the return into the vector), t0 and t1.
static void clear_vector_registers(riscv::TrapFrame& frame, bool transfer) {
    using namespace riscv::reg;
    frame.x[t0] = 0;
    frame.x[t1] = 0;
    frame.x[transfer ? a6 : ra] = 0;
}

// The vector restores every register from a frame after this returns: nothing here can reach
// the environment, so it skips clearing the registers it used (see cmake/board_image.cmake).
[[gnu::zero_call_used_regs("skip")]] riscv::TrapFrame*
handle_syscall_with_frame(riscv::TrapFrame* frame) {
    using namespace exo;
    note_running();
    clear_vector_registers(*frame, frame->x[riscv::reg::a7] >= abi::kTransferBase);
    SyscallContext context = running_context();
    dispatch(context, *frame).write_to(*frame);
    return current_environment().save_area;
}
