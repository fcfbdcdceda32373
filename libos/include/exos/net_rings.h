// The library OS's side of the kernel's network rings (abi/net.h), as memory operations only:
// the receive ring and its slots, the transmit ring and the buffers its requests name, the
// completion ring. KernelNetLink (exos/kernel_link.h) puts them in frames and adds the syscalls;
// the host suite drives them against a fake kernel writing the same memory.
#pragma once

#include <abi/net.h>
#include <cstddef>
#include <cstdint>
#include <span>

namespace exos {

struct NetRingMemory {
    abi::NetRingHeader* receive;     // a page: header and kNetRxEntries entries
    const uint8_t* slots;            // slot_count slots of kNetBufferBytes
    uint32_t slot_count;
    abi::NetRingHeader* transmit;    // a page: header and kNetTxEntries requests
    abi::NetRingHeader* completion;  // a page: header and kNetCompletionEntries completions
    uint8_t* buffers;                // buffer_count transmit buffers of kNetBufferBytes
    const uint64_t* buffer_frames;   // the frame number under each pair of buffers
    uint32_t buffer_count;           // at most kMaxBuffers
};

class NetRings {
public:
    static constexpr uint32_t kMaxBuffers = 64;

    void attach(const NetRingMemory& memory);

    // The next received frame (never longer than its slot, whatever the entry says), or empty.
    std::span<const uint8_t> receive() const;
    void release_received();
    bool receive_pending() const;
    // The word the kernel advances as it fills the receive ring (for a spinning wait).
    const uint32_t* receive_tail() const { return &memory_.receive->tail; }
    uint32_t receive_head() const { return memory_.receive->head; }
    uint32_t receive_dropped() const;

    // A free transmit buffer (reclaiming completions first when none is free), or empty.
    std::span<uint8_t> transmit_buffer();
    // Queues a request for the buffer transmit_buffer() gave, `length` bytes from its start.
    void transmit(size_t length);
    // Requests written that the kernel has not taken yet.
    bool unsubmitted() const;
    // Gives the buffers of completed requests back; counts refusals. A tag that names no
    // buffer of ours, or one not in flight, is ignored.
    void reclaim_completions();
    uint64_t refused() const { return refused_; }
    // The word the kernel advances as it completes requests (for a spinning wait).
    const uint32_t& completion_ring_tail() const { return memory_.completion->tail; }
    uint32_t completion_tail() const {
        return *static_cast<const volatile uint32_t*>(&memory_.completion->tail);
    }
    uint32_t free_buffers() const { return free_count_; }

private:
    NetRingMemory memory_ = {};
    uint8_t free_[kMaxBuffers] = {};  // a stack of free buffer indexes
    bool in_flight_[kMaxBuffers] = {};
    uint32_t free_count_ = 0;
    int taken_ = -1;  // handed out by transmit_buffer(), not yet transmitted
    uint64_t refused_ = 0;
};

}  // namespace exos
