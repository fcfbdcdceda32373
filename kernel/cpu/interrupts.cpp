// The PLIC for environments (see interrupts.h).
#include "cpu/interrupts.h"

#include <abi/shared_info.h>
#include <abi/trap_page.h>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/plic.h"
#include "cpu/events.h"
#include "cpu/slice_clock.h"
#include "disk/disk_boot.h"
#include "net/net_boot.h"
#include "drivers/console.h"
#include "environments/upcall.h"
#include "kernel_state.h"
#include "memory/kernel_memory.h"
#include "memory/revocation.h"

namespace exo {
namespace {
riscv::Plic plic;
}

void interrupts_init(const DeviceTreeInfo& tree, uint64_t hart_id) {
    KernelState& state = kernel_state();
    InterruptTable& table = state.interrupts;
    if (tree.console.irq) table.reserve_for_kernel(tree.console.irq, abi::LineUse::KernelConsole);
    for (uint32_t i = 0; i < tree.uart_count; ++i) {
        if (tree.uarts[i].window.base != tree.console.window.base) {
            table.add_device(tree.uarts[i].kind == UartKind::Sifive ? abi::DeviceKind::SifiveUart
                                                                    : abi::DeviceKind::Ns16550Uart,
                             tree.uarts[i].window, tree.uarts[i].irq);
        }
    }
    if (tree.rtc.window.size)
        table.add_device(abi::DeviceKind::GoldfishRtc, tree.rtc.window, tree.rtc.irq);

    uint32_t context = kNoContext;
    for (uint32_t i = 0; i < tree.cpu_count; ++i) {
        if (tree.cpus[i].hart_id == hart_id) context = tree.cpus[i].plic_supervisor_context;
    }
    if (tree.plic.window.size == 0 || context == kNoContext) return;
    plic = riscv::Plic(Mmio(layout::direct_map(tree.plic.window.base)), context);
    for (uint32_t line = 1; line < tree.plic.source_count && line < InterruptTable::kMaxLines;
         ++line) {
        plic.set_enabled(line, false);
    }
    plic.set_threshold(0);
    riscv::set_bits<riscv::Csr::sie>(riscv::interrupt::bit(riscv::interrupt::kExternal));
    kprintf("exo: PLIC context %u, %u devices exported\n", context, table.device_count());
    // The console's input: the UART's receive interrupt, for the first environment (slot 0).
    if (tree.console.irq != 0 && tree.console.irq < InterruptTable::kMaxLines &&
        console_enable_input()) {
        state.console_input.attach(tree.console.irq, 0);
        line_enable(tree.console.irq, true);
        kprintf("exo: console input on line %u, for the first environment\n", tree.console.irq);
    }
}

void line_enable(uint32_t line, bool enabled) {
    if (!plic.present()) return;
    if (enabled) plic.set_priority(line, 1);
    plic.set_enabled(line, enabled);
}

void line_complete(uint32_t line) {
    if (plic.present()) plic.complete(line);
}

namespace {

// A claimed line reaches its owner: its bit in irq_pending, the event bit, the count. The open
// claim keeps the line quiet until the owner's IrqAck completes it (the PLIC's gateway forwards
// nothing more from a source in service), so it needs no masking. Returns the owner (`running`,
// found without a lookup, when it is the one in `running_slot`), or nullptr for nobody's line,
// whose claim is completed. Inline: the device-interrupt path counts every instruction.
[[gnu::always_inline]] inline Environment*
publish(KernelState& state, uint32_t line, Environment* running, EnvironmentSlot running_slot) {
    EnvironmentSlot slot = state.interrupts.arrive(line);
    if (slot == kNoEnvironment) return nullptr;  // the caller: unowned_line
    Environment* owner = slot == running_slot ? running : state.environments.at_slot(slot);
    abi::SharedInfo& info = *owner->shared_info;
    info.irq_pending[line / 64] |= uint64_t{1} << (line % 64);
    info.events |= abi::event::kInterrupt;
    ++info.irq_delivered;
    return owner;
}

// Every byte the console UART holds, into the input ring (its interrupt stays raised while one
// waits, so nothing is left behind). Out of line: its buffer and loop would otherwise make
// unowned_line save every callee-saved register on the disk's and the NIC's paths too.
[[gnu::noinline]] void take_console_input(KernelState& state) {
    state.interrupts.count_kernel_interrupt(state.console_input.line());
    uint8_t bytes[64];
    for (uint32_t count = sizeof(bytes); count == sizeof(bytes);) {
        count = console_receive(bytes, sizeof(bytes));
        deliver_console_input(state, {bytes, count});
    }
}

// A line no environment owns: the kernel's own (the disk: completions to their rings; the NIC:
// frames to their rings; owners told), or a race with unbind (the line stays off). Out of line
// and reached by a tail call, so the device-interrupt path needs no stack frame for it. Returns
// what handle_interrupt_fast returns: 0 (the general path) when the disk or the NIC has news for
// the running environment's Event entry, else `sp`.
[[gnu::noinline]] uint64_t unowned_line(uint32_t line, uint64_t sp) {
    // The disk's line first: its completions are the ones benchmarked (docs/benchmarks.md).
    if (disk_owns_line(line)) {
        disk_interrupt(kernel_state());
    } else if (net_owns_line(line)) {
        net_interrupt(kernel_state());
    } else if (line == kernel_state().console_input.line()) {
        take_console_input(kernel_state());
    }
    plic.complete(line);
    return current_environment().event_upcall_pending ? 0 : sp;
}

}  // namespace

void handle_external_interrupt() {
    if (!plic.present()) return;
    KernelState& state = kernel_state();
    for (uint32_t line = plic.claim(); line != 0; line = plic.claim()) {
        Environment* owner = publish(state, line, nullptr, kNoEnvironment);
        if (owner == nullptr) (void)unowned_line(line, 0);
        if (owner)
            owner->event_upcall_pending =
                owner->entries[static_cast<size_t>(abi::Entry::Event)].pc != 0;
    }
}

}  // namespace exo

using namespace exo;

// The trap vector's device-interrupt path (trap_entry.S), with only the caller-saved registers
// saved: claim one line, publish it to its owner, and when the owner is the environment running
// (and not inside an upcall, a call entry or a previous event) enter its Event entry directly,
// keeping the interrupted pc, sp, ra, t0, t1, a0 and a7 in its trap page. Returns the sp the
// environment resumes with, or 0 for the general path (the timer is due as well: the tick needs the
// whole register state). Another pending line raises the interrupt again as soon as this returns.
// `slots` is the vector's save area, by riscv::irq_slot (t0 is on the hart page).
// The vector restores every caller-saved register from its slots after this returns, so it
// skips clearing the ones it used (see cmake/board_image.cmake).
extern "C" [[gnu::zero_call_used_regs("skip")]] uint64_t
handle_interrupt_fast(const uint64_t* slots, uint64_t sp) {
    if (riscv::read<riscv::Csr::sip>() & slice_clock().general_interrupt_bits) return 0;
    uint32_t line = plic.claim();
    if (line == 0) return sp;
    Environment& running = current_environment();
    Environment* owner =
        publish(kernel_state(), line, &running, EnvironmentTable::slot_of(running.id));
    if (owner == nullptr) return unowned_line(line, sp);
    const UpcallEntry& entry = owner->entries[static_cast<size_t>(abi::Entry::Event)];
    if (entry.pc == 0) return sp;
    abi::TrapPage& page = running.trap();
    if (owner != &running || running.in_upcall || running.serving() || page.event_busy != 0) {
        owner->event_upcall_pending = true;  // an upcall when it next runs
        return sp;
    }
    page.event_busy = 1;
    page.event_pc = riscv::read<riscv::Csr::sepc>();
    page.event_sp = sp;
    page.event_ra = slots[riscv::irq_slot::ra];
    page.event_t0 = riscv::hart_page().saved_t0;
    page.event_t1 = slots[riscv::irq_slot::t1];
    page.event_a0 = slots[riscv::irq_slot::a0];
    page.event_a7 = slots[riscv::irq_slot::a7];
    riscv::write<riscv::Csr::sepc>(entry.pc);
    return entry.sp;
}
