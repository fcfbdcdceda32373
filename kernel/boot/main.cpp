// kmain: from the boot page table to the first environment.
#include <abi/shared_info.h>
#include <cstdint>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/hart_page.h"
#include "arch/riscv64/sbi.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_entry.h"
#include "boot/board.h"
#include "boot/boot_memory.h"
#include "boot/boot_options.h"
#include "boot/device_tree.h"
#include "boot/elf_loader.h"
#include "boot/embedded_images.h"
#include "boot/panic.h"
#include "boot/power.h"
#include "boot/selftest.h"
#include "cpu/fast_paths.h"
#include "cpu/interrupts.h"
#include "cpu/kernel_wait.h"
#include "cpu/scheduler.h"
#include "cpu/trap.h"
#include "disk/disk_boot.h"
#include "net/net_boot.h"
#include "drivers/console.h"
#include "environments/environment_lifecycle.h"
#include "kernel_state.h"
#include "memory/accessed_bits.h"
#include "memory/kernel_memory.h"
#include "memory/physical_memory.h"
#include "syscalls/syscall_table.h"

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern char __boot_stack_top[], __boot_stack_bottom[], __emergency_stack_top[];
[[noreturn]] void kmain(uint64_t hart_id, uint64_t device_tree_physical, uint64_t entry_instret);
}

namespace exo {

std::span<const EmbeddedImage> embedded_images() {
    return {exo_embedded_images, exo_embedded_image_count};
}

namespace {

DeviceTreeInfo tree;
BootMemory boot_memory;
DirectMapPhysical direct_map;
SfenceTlb sfence;

// The first environment gets the frames its image needs plus this many more to start with.
constexpr uint64_t kFirstEnvironmentSpareFrames = 64;
uint64_t first_frames[abi::kMaxCreateFrames];

void parse_tree_or_panic(uint64_t physical) {
    auto* blob = physical_to_virtual<const std::byte>(physical);
    uint32_t size = device_tree_total_size({blob, 40});
    DeviceTreeError error = parse_device_tree({blob, size}, physical, tree);
    if (error != DeviceTreeError::None) panic("device tree at %lx: %s", physical, to_string(error));
}

void attach_devices() {
    if (tree.console.kind != UartKind::None) {
        console_use_uart(tree.console, layout::direct_map(tree.console.window.base));
    } else if (kBoard.fallback_console.kind != UartKind::None) {
        console_use_uart(kBoard.fallback_console,
                         layout::direct_map(kBoard.fallback_console.window.base));
    }
    if (tree.test_finisher.size)
        power_use_test_finisher(layout::direct_map(tree.test_finisher.base));
}

void apply_boot_options() {
    BootOptions options = parse_boot_options(tree.bootargs.data());
    if (options.unknown) {
        kprintf("exo: bootargs '%s': %u word(s) not understood, ignored\n", tree.bootargs.data(),
                options.unknown);
    }
    if (options.cut_after_writes != 0) {
        kprintf("exo: boot option exo.cut_after_writes=%lu: the machine stops at that write\n",
                options.cut_after_writes);
        disk_cut_after_writes(options.cut_after_writes);
    }
    if (!options.fast_paths) {
        kprintf("exo: boot option exo.fast_paths=off: every trap takes the general path\n");
        fast_paths_enabled = false;
        force_exceptions_through_kernel = true;  // the always-busy exception page
    }
}

const CpuInfo* find_cpu(uint64_t hart_id) {
    for (uint32_t i = 0; i < tree.cpu_count; ++i) {
        if (tree.cpus[i].hart_id == hart_id) return &tree.cpus[i];
    }
    return nullptr;
}

void print_banner(uint64_t hart_id, uint64_t device_tree_physical) {
    uint64_t ram = 0;
    for (uint32_t i = 0; i < tree.memory_count; ++i) ram += tree.memory[i].size;
    long version = sbi::implementation_version();
    long spec = sbi::spec_version();
    kprintf("\nexo: RISC-V exokernel on %s (%s)\n", kBoard.name, tree.model.data());
    kprintf("exo: hart %lu, %lu MiB RAM at %lx, timebase %lu Hz, console %s\n", hart_id, ram >> 20,
            tree.memory[0].base, tree.timebase_hz, console_name());
    // Where the boot loader's device tree was (a1 at entry): U-Boot prints the same address
    // ("Booting using the fdt blob at"), which the SD-card boot test compares.
    auto* blob = physical_to_virtual<const std::byte>(device_tree_physical);
    kprintf("exo: device tree at %lx, %u bytes\n", device_tree_physical,
            device_tree_total_size({blob, 40}));
    kprintf("exo: firmware %s v%ld.%ld, SBI spec %ld.%ld\n",
            sbi::implementation_id() == 1 ? "OpenSBI" : "unknown SBI", version >> 16,
            version & 0xffff, (spec >> 24) & 0x7f, spec & 0xffffff);
}

// The timer interrupt goes through the whole trap path once at boot, so a broken vector or
// routing shows here instead of in the first environment.
volatile uint64_t boot_ticks = 0;
void count_boot_tick() {
    boot_ticks = boot_ticks + 1;
    riscv::timer_clear();
}

void check_timer_interrupt() {
    set_timer_handler(count_boot_tick);
    riscv::timer_set(riscv::timer_now() + tree.timebase_hz / 100000);  // 10 us
    while (boot_ticks == 0) wait_for_interrupt_and_take_it();
    set_timer_handler(nullptr);
    kprintf("exo: timer interrupt delivered to the waiting kernel (%s)\n",
            riscv::timer_uses_sstc() ? "sstc" : "sbi");
}

Environment& start_first_environment(uint64_t entry_instret) {
    std::span<const EmbeddedImage> images = embedded_images();
    if (images.empty()) panic("this board image embeds no environment");
    KernelState& state = kernel_state();
    const EmbeddedImage& image = images[0];
    ElfImage elf;
    if (ElfError error = parse_elf(image.bytes(), abi::kSharedInfoAddress, elf);
        error != ElfError::None) {
        panic("environment image '%s': %s", image.name, to_string(error));
    }
    uint64_t count = frames_needed(elf) + kFirstEnvironmentSpareFrames;
    for (uint64_t i = 0; i < count; ++i) {
        std::optional<uint64_t> pfn = state.frames.allocate_any(kNoEnvironment);
        if (!pfn) panic("no frames for the first environment");
        state.zero_frame(*pfn);  // RAM is not zero after a warm reset on real boards
        first_frames[i] = *pfn;
    }
    Environment* first = nullptr;
    if (abi::Error error = create_environment(state, 0, elf, image.bytes(), {first_frames, count},
                                              image.name, first);
        error != abi::Error::Ok) {
        panic("creating environment '%s': %s", image.name, abi::to_string(error));
    }
    kprintf("exo: entering environment '%s' at %lx (kernel entry was at instret %lu)\n",
            image.name, first->main.frame->pc(), entry_instret);
    return *first;
}

}  // namespace

}  // namespace exo

using namespace exo;

void kmain(uint64_t hart_id, uint64_t device_tree_physical, uint64_t entry_instret) {
    KernelState& state = kernel_state();
    for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor) {
        (*constructor)();
    }
    riscv::write<riscv::Csr::stvec>(reinterpret_cast<uint64_t>(&early_trap_entry));

    state.physical = &direct_map;
    state.tlb = &sfence;
    parse_tree_or_panic(device_tree_physical);
    if (tree.timebase_hz == 0) tree.timebase_hz = kBoard.default_timebase_hz;
    attach_devices();
    print_banner(hart_id, device_tree_physical);

    boot_memory.init(tree, kernel_image_range());
    kernel_memory_init(tree, boot_memory);
    riscv::HartPage& hart = riscv::hart_page();
    hart.kernel_stack_top = reinterpret_cast<uint64_t>(__boot_stack_top);
    hart.stack_bottom = reinterpret_cast<uint64_t>(__boot_stack_bottom);
    hart.emergency_stack_top = reinterpret_cast<uint64_t>(__emergency_stack_top);
    hart.hart_id = hart_id;
    state.environments.attach_directory(hart.directory);
    riscv::write<riscv::Csr::sscratch>(hart.kernel_stack_top);
    riscv::write<riscv::Csr::stvec>(reinterpret_cast<uint64_t>(&trap_entry));
    kprintf("exo: kernel page table at %lx (%lu frames for kernel tables)\n",
            kernel_root_pfn() << sv39::kPageShift, boot_memory.frames_allocated());
    state.kernel_root = reinterpret_cast<const sv39::Entry*>(direct_map.frame(kernel_root_pfn()));

    const CpuInfo* cpu = find_cpu(hart_id);
    riscv::timer_init(cpu != nullptr && cpu->has_sstc);
    check_timer_interrupt();
    apply_boot_options();
    run_kernel_selftests();
    install_syscall_table(hart);  // after the options: one may turn the fast paths off
    bool hardware_ad = hardware_sets_accessed_bits();
    if (!hardware_ad || force_exceptions_through_kernel) {
        state.exception_page_override = reinterpret_cast<uint64_t>(&kExceptionsThroughKernel);
    }
    kprintf("exo: accessed/dirty bits set by %s; exceptions %s\n",
            hardware_ad ? "the hardware" : "software",
            state.exception_page_override ? "through the kernel" : "straight to the environment");

    disk_reserve_memory(tree, boot_memory);
    net_reserve_memory(tree, boot_memory);
    frame_table_init(state, tree, boot_memory, kernel_image_range());
    uint16_t asid_bits = asid_bits_probe();
    uint64_t slot_ticks = tree.timebase_hz / 1'000'000 * kBoard.slot_microseconds;
    scheduler_init({kBoard.slots_per_round, slot_ticks, slot_ticks / 4},
                   asid_bits >= 7);  // 64 environments need 7 bits
    interrupts_init(tree, hart_id);
    disk_init(state, tree);
    net_init(state, tree);
    state.timebase_hz = tree.timebase_hz;
    state.slot_ticks = slot_ticks;
    state.images = embedded_images();
    state.audit_scratch = audit_scratch();
    kprintf("exo: %lu frames: %lu free, %lu kernel, %lu reserved; %u ASID bits\n",
            state.frames.frame_count(), state.frames.count(abi::FrameState::Free),
            state.frames.count(abi::FrameState::Kernel),
            state.frames.count(abi::FrameState::Reserved), asid_bits);

    Environment& first = start_first_environment(entry_instret);
    // The first environment starts with every slot; it hands them out as it sees fit.
    for (uint32_t slot = 0; slot < state.slices.count(); ++slot) {
        (void)state.slices.reserve(slot, EnvironmentTable::slot_of(first.id));
    }
    kprintf("exo: %u slots of %lu us each\n", state.slices.count(), kBoard.slot_microseconds);
    return_to_user(scheduler_start());
}
