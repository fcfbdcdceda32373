// The kernel's ownership state in one place: frames, grants, environments, slots, interrupt
// lines, and how to reach physical memory and the TLB. The syscalls act on it (through their
// context); host tests build one over fake memory. Also the running kernel's two singletons:
// that state and the environment on the CPU.
#pragma once

#include <cstddef>
#include <span>

#include "arch/riscv64/hart_page.h"

#include "boot/embedded_images.h"
#include "cpu/interrupt_table.h"
#include "cpu/slice_vector.h"
#include "disk/disk.h"
#include "drivers/console_input.h"
#include "environments/environment.h"
#include "memory/address_space.h"
#include "memory/frame_table.h"
#include "memory/grant_table.h"
#include "net/filter_classifier.h"
#include "net/filter/packet_filters.h"
#include "net/net.h"

namespace exo {

struct KernelState {
    FrameTable frames;
    GrantTable grants;
    EnvironmentTable environments;
    SliceVector slices;
    InterruptTable interrupts;
    PhysicalMemory* physical = nullptr;
    TlbControl* tlb = nullptr;
    const sv39::Entry* kernel_root = nullptr;  // upper half copied into every address space
    uint64_t timebase_hz = 0;   // published in every shared info page
    // Set by every revocation request, cleared by a deadline scan that finds none outstanding:
    // the timer tick skips both scans while no request is (the common case).
    bool revocations_outstanding = false;
    // Nonzero: the page every new environment's exception_page points at instead of its trap
    // page (an always-busy one, when the hardware leaves accessed/dirty bits to software).
    uint64_t exception_page_override = 0;
    uint64_t slot_ticks = 0;
    // The board's environment images, by EnvCreate's index (the fuzzer gives its own).
    std::span<const EmbeddedImage> images;
    // The audit's per-frame counts (one entry per frame in the table).
    std::span<uint16_t> audit_scratch;
    // Last: it is large, and the fields above are reached from the fast paths by small offsets.
    Disk disk;
    Net net;
    // Who owns a received frame, and which ports a sender holds: the installed packet filters,
    // the net layer's classifier (host tests may give the layer another).
    PacketFilters packet_filters;
    FilterClassifier classifier{&packet_filters};
    ConsoleInput console_input;  // the UART's received bytes, for the first environment

    MemorySystem memory() { return {*physical, frames, grants, *tlb, &interrupts}; }

    // Frames change hands zeroed: what one environment wrote never reaches the next owner.
    void zero_frame(uint64_t pfn) {
        auto* words = reinterpret_cast<uint64_t*>(physical->frame(pfn));
        for (uint64_t i = 0; i < sv39::kPageSize / sizeof(uint64_t); i += 4) {
            words[i] = words[i + 1] = words[i + 2] = words[i + 3] = 0;
        }
    }
};

// The running kernel's state (kernel_state.cpp; a host test's on the host).
KernelState& kernel_state();

// The environment on the CPU: the trap vector's fast transfers change it without the C++.
inline Environment& current_environment() {
    return *static_cast<Environment*>(riscv::hart_page().current_environment);
}

}  // namespace exo
