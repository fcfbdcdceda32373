// The hart under the scheduler in host suites (see fake_hart.h).
#include "fake_hart.h"

#include <cstring>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/fpu.h"
#include "arch/riscv64/hart_page.h"
#include "arch/riscv64/timer.h"
#include "frame_table.h"
#include "power.h"
#include "system.h"
#include "trap.h"

namespace {
riscv::HartPage page;
uint64_t csrs[4096];
uint64_t now = 0;
exo::KernelState* state = nullptr;
}  // namespace

namespace exo::test::hart {
void reset(KernelState& kernel_state) {
    std::memset(static_cast<void*>(&page), 0, sizeof(page));
    std::memset(csrs, 0, sizeof(csrs));
    now = 0;
    state = &kernel_state;
}
void set_time(uint64_t time) { now = time; }
}  // namespace exo::test::hart

namespace riscv {
HartPage& hart_page() { return page; }
uint64_t host_read_csr(Csr csr) { return csrs[static_cast<uint16_t>(csr)]; }
void host_write_csr(Csr csr, uint64_t value) { csrs[static_cast<uint16_t>(csr)] = value; }
void timer_init(bool) {}
bool timer_uses_sstc() { return true; }
uint64_t timer_now() { return now; }
void timer_set(uint64_t) {}
void timer_clear() {}
}  // namespace riscv

namespace exo {
KernelState& kernel_state() { return *state; }
void shutdown(int) { throw test::hart::LeftKernel{"shutdown", nullptr}; }
void zero_free_frames_while_idle() {}
void wait_for_interrupt_and_take_it() {}
}  // namespace exo

extern "C" {
void fpu_save(riscv::FpState*) {}
void fpu_restore(const riscv::FpState*) {}
void fpu_clear() {}
void idle_on_kernel_stack() { throw exo::test::hart::LeftKernel{"idle", nullptr}; }
void return_to_user(riscv::TrapFrame* frame) { throw exo::test::hart::LeftKernel{"return_to_user", frame}; }
}
