// KernelNetLink (exos/kernel_link.h): the rings of abi/net.h in this environment's frames.
#include <exos/kernel_link.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include <optional>

#include "filters.h"

namespace exos {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kReadWrite = abi::permission::kRead | abi::permission::kWrite;

// `count` physically consecutive frames: one from the kernel, then its neighbours by name,
// upwards and downwards. A run too short is given to the pool and another start is tried.
std::optional<uint64_t> take_consecutive(FramePool& pool, uint32_t count) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        SyscallReturn first = frame_alloc();
        if (first.error != abi::Error::Ok) return std::nullopt;
        uint64_t low = first.value, high = first.value;
        while (high - low + 1 < count && frame_alloc(high + 1).error == abi::Error::Ok) ++high;
        while (high - low + 1 < count && low != 0 &&
               frame_alloc(low - 1).error == abi::Error::Ok) {
            --low;
        }
        if (high - low + 1 == count) return low;
        for (uint64_t frame = low; frame <= high; ++frame) pool.add(frame);
    }
    return std::nullopt;
}

}  // namespace

abi::Error KernelNetLink::open(FramePool& pool, uint64_t va) {
    SyscallReturn mac = syscall(abi::Syscall::NetInfo, uint64_t(abi::NetInfoField::Mac));
    if (mac.error != abi::Error::Ok) return mac.error;
    std::optional<uint64_t> rings[3] = {pool.take(), pool.take(), pool.take()};
    std::optional<uint64_t> slots = take_consecutive(pool, kReceiveFrames);
    if (!rings[0] || !rings[1] || !rings[2] || !slots) return abi::Error::NoMemory;
    for (uint32_t i = 0; i < kTransmitFrames; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return abi::Error::NoMemory;
        transmit_frames_[i] = *frame;
    }
    for (int i = 0; i < 3; ++i) {
        if (abi::Error error = map(va + uint64_t(i) * kPage, *rings[i], 1, kReadWrite);
            error != abi::Error::Ok) {
            return error;
        }
    }
    uint64_t slots_va = va + 3 * kPage;
    if (abi::Error error = map(slots_va, *slots, kReceiveFrames, kReadWrite);
        error != abi::Error::Ok) {
        return error;
    }
    uint64_t transmit_va = slots_va + kReceiveFrames * kPage;
    for (uint32_t i = 0; i < kTransmitFrames; ++i) {
        if (abi::Error error = map(transmit_va + i * kPage, transmit_frames_[i], 1, kReadWrite);
            error != abi::Error::Ok) {
            return error;
        }
    }
    abi::Error error = syscall(abi::Syscall::NetRings, *rings[0], *slots, kReceiveFrames,
                               *rings[1], *rings[2]).error;
    if (error != abi::Error::Ok) return error;
    rings_.attach({reinterpret_cast<abi::NetRingHeader*>(va),
                   reinterpret_cast<const uint8_t*>(slots_va),
                   kReceiveFrames * abi::kNetSlotsPerFrame,
                   reinterpret_cast<abi::NetRingHeader*>(va + kPage),
                   reinterpret_cast<abi::NetRingHeader*>(va + 2 * kPage),
                   reinterpret_cast<uint8_t*>(transmit_va), transmit_frames_, kTransmitBuffers});
    for (int i = 0; i < 6; ++i) mac_.bytes[i] = static_cast<uint8_t>(mac.value >> (8 * i));
    uint64_t arp = 0, icmp = 0;
    if (abi::Error arp_error = net_filters::install_shared(net_filters::Shared::Arp, &arp);
        arp_error != abi::Error::Ok) {
        return arp_error;
    }
    return net_filters::install_shared(net_filters::Shared::Icmp, &icmp);
}

void KernelNetLink::flush() {
    // NetSubmit only when there is something new: it takes what the device has room for, and
    // the rest waits for the next flush.
    if (rings_.unsubmitted()) {
        (void)syscall(abi::Syscall::NetSubmit);
        ++submits_;
    }
    rings_.reclaim_completions();
}

void KernelNetLink::wait(uint32_t milliseconds) {
    if (rings_.receive_pending() || milliseconds == 0) return;
    if (!spinning_) {
        // The kernel raises event::kNetReceive as it fills the ring; we look at the ring
        // itself in our next slot.
        (void)yield();
        return;
    }
    spin(rings_.receive_tail(), rings_.receive_head(), milliseconds);
}

void KernelNetLink::wait_for_transmit() {
    flush();
    if (rings_.free_buffers() != 0) return;
    // Every buffer is on the device: its completions come with its interrupt.
    uint32_t seen = rings_.completion_tail();
    if (!spinning_) {
        (void)yield();
    } else {
        spin(&rings_.completion_ring_tail(), seen, 1);
    }
    rings_.reclaim_completions();
}

void KernelNetLink::spin(const uint32_t* word, uint32_t seen, uint32_t milliseconds) {
    // Until the kernel changes *word or the deadline passes, five instructions an iteration;
    // the iteration that sees the change stops after three (kSpinInstructions).
    uint64_t now;
    asm volatile("rdtime %0" : "=r"(now));  // the time CSR, readable from U-mode
    uint64_t deadline = now + uint64_t{milliseconds} * (shared_info().timebase_hz / 1000);
    uint64_t iterations = 0;
    uint32_t observed;
    asm volatile(R"(
    1:  addi    %[count], %[count], 1
        lw      %[observed], 0(%[word])
        bne     %[observed], %[seen], 2f
        rdtime  t0
        bltu    t0, %[deadline], 1b
    2:
    )"
                 : [count] "+r"(iterations), [observed] "=&r"(observed)
                 : [word] "r"(word), [seen] "r"(seen), [deadline] "r"(deadline)
                 : "t0", "memory");
    spin_instructions_ += iterations * kSpinInstructions - (observed != seen ? 2 : 0);
}

abi::Error KernelNetLink::claim_port(IpProtocol protocol, uint16_t port) {
    for (int i = 0; i < port_count_; ++i) {
        if (ports_[i].protocol == protocol && ports_[i].port == port) {
            return abi::Error::AlreadyExists;
        }
    }
    if (port_count_ == kMaxPortFilters) return abi::Error::TooMany;
    uint64_t filter = 0;
    if (abi::Error error = net_filters::install_port(protocol, port, &filter);
        error != abi::Error::Ok) {
        return error;
    }
    ports_[port_count_++] = {protocol, port, filter};
    return abi::Error::Ok;
}

void KernelNetLink::release_port(IpProtocol protocol, uint16_t port) {
    for (int i = 0; i < port_count_; ++i) {
        if (ports_[i].protocol != protocol || ports_[i].port != port) continue;
        (void)net_filters::remove(ports_[i].filter);
        ports_[i] = ports_[--port_count_];
        return;
    }
}

}  // namespace exos
