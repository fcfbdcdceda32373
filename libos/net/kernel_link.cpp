// KernelNetLink (exos/kernel_link.h): the rings of abi/net.h in this environment's frames.
#include <exos/kernel_link.h>
#include <exos/syscall.h>

#include <optional>

#include "filters.h"

namespace exos {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kReadWrite = abi::permission::kRead | abi::permission::kWrite;

template <typename Entry>
Entry* entries_of(abi::NetRingHeader* ring) {
    return reinterpret_cast<Entry*>(ring + 1);
}

// The kernel writes these words while we run: read them as memory that changes.
uint32_t volatile_read(const uint32_t& word) {
    return *static_cast<const volatile uint32_t*>(&word);
}
// Our reads of a slot (or writes of a request) are done before the kernel sees the index move.
void publish(uint32_t& word, uint32_t value) { __atomic_store_n(&word, value, __ATOMIC_RELEASE); }

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
    receive_ring_ = reinterpret_cast<abi::NetRingHeader*>(va);
    transmit_ring_ = reinterpret_cast<abi::NetRingHeader*>(va + kPage);
    completion_ring_ = reinterpret_cast<abi::NetRingHeader*>(va + 2 * kPage);
    receive_slots_ = reinterpret_cast<uint8_t*>(slots_va);
    transmit_slots_ = reinterpret_cast<uint8_t*>(transmit_va);
    receive_slot_count_ = kReceiveFrames * abi::kNetSlotsPerFrame;
    submitted_tail_ = transmit_ring_->tail;
    for (uint32_t i = 0; i < kTransmitBuffers; ++i) {
        free_buffers_[i] = static_cast<uint8_t>(kTransmitBuffers - 1 - i);
    }
    free_count_ = kTransmitBuffers;
    for (int i = 0; i < 6; ++i) mac_.bytes[i] = static_cast<uint8_t>(mac.value >> (8 * i));
    uint64_t arp = 0, icmp = 0;
    if (abi::Error arp_error = net_filters::install_shared(net_filters::Shared::Arp, &arp);
        arp_error != abi::Error::Ok) {
        return arp_error;
    }
    return net_filters::install_shared(net_filters::Shared::Icmp, &icmp);
}

std::span<const uint8_t> KernelNetLink::receive() {
    uint32_t head = receive_ring_->head;
    if (head == volatile_read(receive_ring_->tail)) return {};
    __atomic_thread_fence(__ATOMIC_ACQUIRE);  // the entry and slot were written before tail
    const abi::NetRxEntry& entry =
        entries_of<abi::NetRxEntry>(receive_ring_)[head % abi::kNetRxEntries];
    // The length is the kernel's, but a slot is what we own: never read past it.
    uint32_t length = entry.length;
    if (length > abi::kNetBufferBytes) length = abi::kNetBufferBytes;
    const uint8_t* slot =
        receive_slots_ + uint64_t{head % receive_slot_count_} * abi::kNetBufferBytes;
    return {slot, length};
}

void KernelNetLink::release_received() { publish(receive_ring_->head, receive_ring_->head + 1); }

uint32_t KernelNetLink::receive_dropped() const {
    return receive_ring_ == nullptr ? 0 : volatile_read(receive_ring_->dropped);
}

std::span<uint8_t> KernelNetLink::transmit_buffer() {
    if (taken_buffer_ < 0) {
        if (free_count_ == 0) reclaim_completions();
        if (free_count_ == 0) return {};
        // The transmit ring has as many entries as there are buffers and more: a free buffer
        // always has an entry to go with it.
        taken_buffer_ = free_buffers_[--free_count_];
    }
    return {transmit_slots_ + uint64_t(taken_buffer_) * abi::kNetBufferBytes,
            NetLink::kMaxFrameBytes};
}

void KernelNetLink::transmit(size_t length) {
    if (taken_buffer_ < 0) return;
    uint32_t buffer = uint32_t(taken_buffer_);
    taken_buffer_ = -1;
    uint32_t tail = transmit_ring_->tail;
    abi::NetTxRequest& request =
        entries_of<abi::NetTxRequest>(transmit_ring_)[tail % abi::kNetTxEntries];
    request = {buffer, transmit_frames_[buffer / abi::kNetSlotsPerFrame],
               static_cast<uint16_t>((buffer % abi::kNetSlotsPerFrame) * abi::kNetBufferBytes),
               static_cast<uint16_t>(length), 0};
    publish(transmit_ring_->tail, tail + 1);
}

void KernelNetLink::flush() {
    // NetSubmit only when there is something new: it takes what the device has room for, and
    // the rest waits for the next flush.
    if (volatile_read(transmit_ring_->head) != transmit_ring_->tail) {
        (void)syscall(abi::Syscall::NetSubmit);
        ++submits_;
    }
    reclaim_completions();
}

void KernelNetLink::reclaim_completions() {
    uint32_t head = completion_ring_->head;
    uint32_t tail = volatile_read(completion_ring_->tail);
    if (head == tail) return;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (; head != tail; ++head) {
        const abi::NetCompletion& done =
            entries_of<abi::NetCompletion>(completion_ring_)[head % abi::kNetCompletionEntries];
        if (done.status != 0) ++refused_;
        // A tag is a buffer index we wrote; one the kernel garbled is ignored, not trusted.
        if (done.tag < kTransmitBuffers && free_count_ < kTransmitBuffers) {
            free_buffers_[free_count_++] = static_cast<uint8_t>(done.tag);
        }
    }
    publish(completion_ring_->head, head);
}

void KernelNetLink::wait(uint32_t milliseconds) {
    uint32_t seen = receive_ring_->head;
    if (volatile_read(receive_ring_->tail) != seen || milliseconds == 0) return;
    if (!spinning_) {
        // The kernel raises event::kNetReceive as it fills the ring; we look at the ring
        // itself in our next slot.
        (void)yield();
        return;
    }
    // Three instructions an iteration, whatever interrupts it (kSpinInstructions).
    uint64_t iterations = spin_iterations_;
    asm volatile(R"(
    1:  addi    %[count], %[count], 1
        lw      t0, 0(%[tail])
        beq     t0, %[seen], 1b
    )"
                 : [count] "+r"(iterations)
                 : [tail] "r"(&receive_ring_->tail), [seen] "r"(seen)
                 : "t0", "memory");
    spin_iterations_ = iterations;
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
