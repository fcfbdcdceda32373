// The kernel's view of physical memory after boot: the frame table over all RAM, reached
// through the direct map, and TLB maintenance with sfence.vma.
#pragma once

#include <span>

#include "boot/boot_memory.h"
#include "boot/device_tree.h"
#include "kernel_state.h"
#include "memory/address_space.h"

namespace exo {

// The kernel's PhysicalMemory: the base class's inline direct-map access.
class DirectMapPhysical final : public PhysicalMemory {};

// The kernel's TlbControl: the base class's inline sfence.vma.
class SfenceTlb final : public TlbControl {};

// Sizes the frame table to RAM, takes its storage (and the audit's) from boot memory, and
// classifies every frame: kernel image and boot tables Kernel, firmware and the device tree
// Reserved, the rest Free.
void frame_table_init(KernelState& state, const DeviceTreeInfo& tree, BootMemory& boot_memory,
                      AddressRange kernel_image);

std::span<uint16_t> audit_scratch();

// Address-space ids: 0 when the hart implements none (then every switch flushes the TLB).
uint16_t asid_bits_probe();

}  // namespace exo
