// The running kernel's NIC (net_boot.h).
#include "net/net_boot.h"

#include <optional>

#include "cpu/interrupts.h"
#include "drivers/console.h"
#include "memory/kernel_memory.h"
#include "net/filter/filter_code_target.h"
#include "net/virtio_nic.h"

namespace exo {

namespace {

std::optional<virtio::MmioVirtioRegisters> registers;
std::optional<VirtioNic> device;
virtio::DmaRegion memory;
uint32_t net_line = 0;

bool is_network_device(const IrqDevice& slot) {
    virtio::MmioVirtioRegisters probe_registers(Mmio(layout::direct_map(slot.window.base)));
    virtio::VirtioTransport probe(probe_registers);
    return probe.probe() && probe.device_id() == virtio::kDeviceIdNetwork;
}

}  // namespace

void net_reserve_memory(const DeviceTreeInfo& tree, BootMemory& boot_memory) {
    bool any = false;
    for (uint32_t i = 0; i < tree.virtio_count && !any; ++i) {
        any = is_network_device(tree.virtio[i]);
    }
    if (!any) return;  // no frames for a NIC the machine does not have
    const uint64_t pages = (virtio::VirtioNet::kDmaBytes + sv39::kPageSize - 1) / sv39::kPageSize;
    std::optional<uint64_t> first = boot_memory.allocate_contiguous(pages);
    if (!first) return;  // then no NIC: net_init says so
    memory = {reinterpret_cast<std::byte*>(layout::direct_map(*first)), *first,
              pages * sv39::kPageSize};
    for (uint64_t i = 0; i < memory.size; ++i) memory.virt[i] = std::byte{0};
}

void net_init(KernelState& state, const DeviceTreeInfo& tree) {
    for (uint32_t i = 0; i < tree.virtio_count && memory.virt != nullptr; ++i) {
        const IrqDevice& slot = tree.virtio[i];
        if (!is_network_device(slot)) continue;
        registers.emplace(Mmio(layout::direct_map(slot.window.base)));
        device.emplace(*registers);
        if (!device->initialize(memory)) {
            kprintf("exo: virtio-net at %lx refused: %s\n", slot.window.base, device->failure());
            device.reset();
            continue;
        }
        net_line = slot.irq;
        state.interrupts.reserve_for_kernel(net_line);
        line_enable(net_line, true);
        // The filters run as generated code from the kernel's W^X window (net/filter); where
        // it cannot be loaded they are walked as a tree, with the same verdicts.
        if (!state.packet_filters.attach_code(&kernel_filter_code())) {
            kprintf("exo: net: packet filters walked, not compiled\n");
        }
        state.net.attach(&*device, &state.classifier);
        const uint64_t mac = device->mac();
        kprintf("exo: net: virtio-net (%s) at %lx, line %u: MAC %02lx:%02lx:%02lx:%02lx:%02lx:"
                "%02lx, %u receive buffers\n",
                device->legacy() ? "legacy" : "modern", slot.window.base, net_line, mac & 0xff,
                (mac >> 8) & 0xff, (mac >> 16) & 0xff, (mac >> 24) & 0xff, (mac >> 32) & 0xff,
                (mac >> 40) & 0xff, device->receive_buffers());
        return;
    }
    state.net.attach(nullptr, nullptr);
    kprintf("exo: no network\n");
}

bool net_owns_line(uint32_t line) { return line != 0 && line == net_line; }

void net_interrupt(KernelState& state) {
    if (!device) return;
    device->acknowledge_interrupt();
    state.net.interrupt(state);
    static bool reported = false;
    if (device->failed() && !reported) {
        reported = true;
        kprintf("exo: network disabled: %s\n", device->failure());
    }
}

}  // namespace exo
