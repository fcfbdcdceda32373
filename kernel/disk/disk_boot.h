// The running kernel's disk: found in the device tree at boot, its interrupt routed here.
#pragma once

#include <cstdint>

#include "boot/boot_memory.h"
#include "boot/device_tree.h"
#include "kernel_state.h"

namespace exo {

// Before the frame table: the driver's rings and request slots, from boot memory (so they are
// the kernel's frames), only if a virtio-mmio slot holds a block device.
void disk_reserve_memory(const DeviceTreeInfo& tree, BootMemory& boot_memory);
// After the PLIC: probes every virtio-mmio slot, attaches the first block device that sets up,
// owned whole by the first environment (slot 0); says on the console what it found.
void disk_init(KernelState& state, const DeviceTreeInfo& tree);
// The interrupt path's question and the handler for the disk's line.
bool disk_owns_line(uint32_t line);
void disk_interrupt(KernelState& state);
// The power-cut sweep's boot option (boot_options.h): the machine stops at the interrupt that
// reports the `count`-th completed write, before any environment learns of it.
void disk_cut_after_writes(uint64_t count);

}  // namespace exo
