// The running kernel's NIC: found in the device tree at boot, its interrupt routed here.
#pragma once

#include <cstdint>

#include "boot/boot_memory.h"
#include "boot/device_tree.h"
#include "kernel_state.h"

namespace exo {

// Before the frame table: the driver's queues, receive buffers and transmit slots, from boot
// memory (so they are the kernel's frames), only if a virtio-mmio slot holds a network device.
void net_reserve_memory(const DeviceTreeInfo& tree, BootMemory& boot_memory);
// After the PLIC: attaches the first network device that sets up; says what it found.
void net_init(KernelState& state, const DeviceTreeInfo& tree);
// The interrupt path's question and the handler for the NIC's line.
bool net_owns_line(uint32_t line);
void net_interrupt(KernelState& state);

}  // namespace exo
