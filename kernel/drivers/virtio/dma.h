// Memory the device reads and writes by physical address, and the one fence that orders it.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(EXO_HOST)
#include <atomic>
#endif

namespace exo::virtio {

// A physically contiguous block the caller gives a driver: the kernel's view (virt) and the
// device's (phys) of the same bytes. Host tests pass phys == the host address.
struct DmaRegion {
    std::byte* virt = nullptr;
    uint64_t phys = 0;
    uint64_t size = 0;
};

// Orders memory and device accesses both ways (virtio 1.2 2.7.13: descriptors and ring entry
// before the available index, the index before the notify and before reading the used flags;
// the used index before the used entries). On RISC-V the device's memory accesses and the MMIO
// notify are I/O as far as the hart is concerned, so the fence covers both: "fence iorw, iorw".
inline void dma_fence() {
#if defined(EXO_HOST)
    std::atomic_thread_fence(std::memory_order_seq_cst);
#else
    asm volatile("fence iorw, iorw" ::: "memory");  // see above: memory and device, both ways
#endif
}

}  // namespace exo::virtio
