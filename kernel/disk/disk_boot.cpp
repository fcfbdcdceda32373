// The running kernel's disk (disk_boot.h).
#include "disk/disk_boot.h"

#include <optional>

#include "cpu/interrupts.h"
#include "disk/virtio_disk.h"
#include "boot/power.h"
#include "drivers/console.h"
#include "memory/kernel_memory.h"

namespace exo {

namespace {

std::optional<virtio::MmioVirtioRegisters> registers;
std::optional<VirtioDisk> device;
virtio::DmaRegion memory;
uint32_t disk_line = 0;
uint64_t cut_after_writes = 0;  // 0: never (exo.cut_after_writes)

bool is_block_device(const IrqDevice& slot) {
    virtio::MmioVirtioRegisters probe_registers(Mmio(layout::direct_map(slot.window.base)));
    virtio::VirtioTransport probe(probe_registers);
    return probe.probe() && probe.device_id() == virtio::kDeviceIdBlock;
}

}  // namespace

void disk_reserve_memory(const DeviceTreeInfo& tree, BootMemory& boot_memory) {
    bool any = false;
    for (uint32_t i = 0; i < tree.virtio_count && !any; ++i) any = is_block_device(tree.virtio[i]);
    if (!any) return;  // no frames for a disk the machine does not have
    uint64_t pages = (virtio::VirtioBlock::kDmaBytes + sv39::kPageSize - 1) / sv39::kPageSize;
    std::optional<uint64_t> first = boot_memory.allocate_contiguous(pages);
    if (!first) return;  // then no disk: disk_init says so
    memory = {reinterpret_cast<std::byte*>(layout::direct_map(*first)), *first,
              pages * sv39::kPageSize};
    for (uint64_t i = 0; i < memory.size; ++i) memory.virt[i] = std::byte{0};
}

void disk_init(KernelState& state, const DeviceTreeInfo& tree) {
    for (uint32_t i = 0; i < tree.virtio_count && memory.virt != nullptr; ++i) {
        const IrqDevice& slot = tree.virtio[i];
        if (!is_block_device(slot)) continue;
        registers.emplace(Mmio(layout::direct_map(slot.window.base)));
        device.emplace(*registers);
        if (!device->initialize(memory)) {
            kprintf("exo: virtio-blk at %lx refused: %s\n", slot.window.base, device->failure());
            device.reset();
            continue;
        }
        disk_line = slot.irq;
        state.interrupts.reserve_for_kernel(disk_line, abi::LineUse::KernelDisk);
        line_enable(disk_line, true);
        state.disk.attach(&*device, 0);
        kprintf(
            "exo: disk: virtio-blk (%s) at %lx, line %u: %lu sectors, %u requests at once%s%s\n",
            device->legacy() ? "legacy" : "modern", slot.window.base, disk_line, device->capacity(),
            device->depth(), (device->features() & abi::disk_feature::kFlush) ? ", flush" : "",
            (device->features() & abi::disk_feature::kDiscard) ? ", discard" : "");
        return;
    }
    state.disk.attach(nullptr, 0);
    kprintf("exo: no disk\n");
}

void disk_cut_after_writes(uint64_t count) { cut_after_writes = count; }

bool disk_owns_line(uint32_t line) { return line != 0 && line == disk_line; }

void disk_interrupt(KernelState& state) {
    if (!device) return;
    device->acknowledge_interrupt();
    state.disk.complete(state);
    if (cut_after_writes != 0 && state.disk.writes_completed() >= cut_after_writes) {
        kprintf("exo: power cut after %lu completed writes (exo.cut_after_writes=%lu)\n",
                state.disk.writes_completed(), cut_after_writes);
        shutdown(0);
    }
    static bool reported = false;
    if (device->failed() && !reported) {
        reported = true;
        kprintf("exo: disk disabled: %s\n", device->failure());
    }
}

}  // namespace exo
