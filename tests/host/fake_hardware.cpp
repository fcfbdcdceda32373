// The fakes of fake_hardware.h: what the kernel's files expect from assembly, the linker script,
// the CSRs, SBI and the PLIC, defined over one Hardware record.
#include "fake_hardware.h"

#include <cstdarg>
#include <cstdio>

#include "arch/riscv64/fpu.h"
#include "arch/riscv64/guarded_copy.h"
#include "arch/riscv64/plic.h"
#include "arch/riscv64/timer.h"
#include "boot/panic.h"
#include "boot/power.h"
#include "cpu/trap.h"
#include "disk/disk_boot.h"
#include "net/net_boot.h"
#include "drivers/console.h"
#include "kernel_state.h"
#include "memory/accessed_bits.h"
#include "syscalls/syscall_table.h"

namespace exo::fake {
namespace {
Hardware the_hardware;
alignas(4096) riscv::HartPage the_hart;
KernelState* the_state = nullptr;
Clock the_clock;
class PrintingConsole final : public SyscallConsole {
public:
    void write(const char* text, size_t length) override {
        the_hardware.console.append(text, length);
    }
} the_console;
}  // namespace

Hardware& hardware() { return the_hardware; }
riscv::HartPage& hart() { return the_hart; }
void use_state(KernelState& state) { the_state = &state; }
void reset() {
    the_hardware = Hardware{};
    the_hardware.console.shrink_to_fit();  // a moved-in empty string keeps the old buffer
    the_hardware.uart_input.shrink_to_fit();
    the_hart = riscv::HartPage{};
    the_state = nullptr;
}

}  // namespace exo::fake

using exo::fake::hardware;

namespace riscv {
HartPage& hart_page() { return exo::fake::hart(); }
uint64_t host_csr_read(Csr csr) {
    if (csr == Csr::time) return hardware().time;
    return hardware().csrs[static_cast<uint16_t>(csr)];
}
void host_csr_write(Csr csr, uint64_t value) {
    hardware().csrs[static_cast<uint16_t>(csr)] = value;
}
uint64_t read_instret() { return 0; }
void flush_tlb_all() { ++hardware().tlb_flushes; }
void flush_tlb_page(uint64_t, uint64_t) { ++hardware().tlb_flushes; }
void wait_for_interrupt() {}

void timer_init(bool has_sstc) { hardware().sstc = has_sstc; }
bool timer_uses_sstc() { return hardware().sstc; }
uint64_t timer_now() { return hardware().time; }
void timer_set(uint64_t deadline) { hardware().timer_deadline = deadline; }
void timer_clear() { hardware().timer_deadline = ~uint64_t{0}; }

// The PLIC's behaviour, not its registers: claim hands out the pending lines in order.
void Plic::set_priority(uint32_t, uint32_t) const {}
void Plic::set_enabled(uint32_t line, bool enabled) const {
    hardware().plic_enables.emplace_back(line, enabled);
}
void Plic::set_threshold(uint32_t) const {}
uint32_t Plic::claim() const {
    if (hardware().plic_pending.empty()) return 0;
    uint32_t line = hardware().plic_pending.front();
    hardware().plic_pending.erase(hardware().plic_pending.begin());
    return line;
}
void Plic::complete(uint32_t line) const { hardware().plic_completed.push_back(line); }
}  // namespace riscv

extern "C" {
void fpu_save(riscv::FpState*) { ++hardware().fpu_saves; }
void fpu_restore(const riscv::FpState*) { ++hardware().fpu_restores; }
void fpu_clear() { ++hardware().fpu_clears; }
// Assembly entry points and linker-script labels: only their addresses mean anything.
void trap_entry() {}
void early_trap_entry() {}
void kernel_wait_entry() {}
void syscall_with_frame() {}
void upcall_return_entry() {}
extern const char guarded_copy_begin[4] = {}, guarded_copy_end[4] = {}, guarded_copy_fault[4] = {};
char __boot_stack_guard[16], __boot_stack_bottom[16], __emergency_stack_guard[16],
    __emergency_stack_bottom[16];
[[noreturn]] void return_to_user(riscv::TrapFrame* frame) { throw exo::fake::ReturnToUser{frame}; }
[[noreturn]] void idle_on_kernel_stack() { throw exo::fake::Idle{}; }
}

namespace exo {

KernelState& kernel_state() { return *fake::the_state; }

SyscallContext running_context() {
    return {kernel_state(), current_environment(), fake::the_clock, fake::the_console};
}

bool skip_accessed_bit_probe_fault(riscv::TrapFrame&) { return false; }

// The running kernel's disk and NIC are found at boot (disk_boot.cpp, net_boot.cpp); host tests
// attach their own to KernelState::disk and ::net, and no line is theirs.
bool disk_owns_line(uint32_t) { return false; }
void disk_interrupt(KernelState&) {}
bool net_owns_line(uint32_t) { return false; }
void net_interrupt(KernelState&) {}

void console_write(const char* text, size_t length) { hardware().console.append(text, length); }
void console_put(char c) { hardware().console.push_back(c); }
const char* console_name() { return "fake"; }
bool console_enable_input() { return true; }
// The fake UART's receive FIFO: what a test typed, taken in order.
uint32_t console_receive(uint8_t* bytes, uint32_t max) {
    std::string& typed = hardware().uart_input;
    uint32_t count = 0;
    while (count < max && count < typed.size()) {
        bytes[count] = static_cast<uint8_t>(typed[count]);
        ++count;
    }
    typed.erase(0, count);
    return count;
}
void kprintf(const char* format, ...) {
    char buffer[512];
    va_list arguments;
    va_start(arguments, format);
    std::vsnprintf(buffer, sizeof(buffer), format, arguments);
    va_end(arguments);
    hardware().console += buffer;
}

[[noreturn]] void shutdown(int status) { throw fake::Shutdown{status}; }
[[noreturn]] void panic(const char* format, ...) {
    char buffer[512];
    va_list arguments;
    va_start(arguments, format);
    std::vsnprintf(buffer, sizeof(buffer), format, arguments);
    va_end(arguments);
    throw fake::Panic{buffer};
}
[[noreturn]] void panic_trap(const char* why, const riscv::TrapFrame&) { throw fake::Panic{why}; }

}  // namespace exo
