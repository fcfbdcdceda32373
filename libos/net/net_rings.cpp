// NetRings (exos/net_rings.h): indices count forever and wrap at 2^32; an entry's place is the
// count modulo the ring's capacity (abi/net.h).
#include <exos/net_rings.h>

namespace exos {

namespace {

template <typename Entry>
Entry* entries_of(abi::NetRingHeader* ring) {
    return reinterpret_cast<Entry*>(ring + 1);
}

// The kernel writes these words while we run: read them as memory that changes.
uint32_t volatile_read(const uint32_t& word) {
    return *static_cast<const volatile uint32_t*>(&word);
}
// What we read of a slot, or wrote of a request, is done before the kernel sees the index move.
void publish(uint32_t& word, uint32_t value) { __atomic_store_n(&word, value, __ATOMIC_RELEASE); }

}  // namespace

void NetRings::attach(const NetRingMemory& memory) {
    memory_ = memory;
    if (memory_.buffer_count > kMaxBuffers) memory_.buffer_count = kMaxBuffers;
    free_count_ = 0;
    for (uint32_t i = memory_.buffer_count; i > 0; --i) {
        free_[free_count_++] = static_cast<uint8_t>(i - 1);
        in_flight_[i - 1] = false;
    }
    taken_ = -1;
}

std::span<const uint8_t> NetRings::receive() const {
    uint32_t head = memory_.receive->head;
    if (head == volatile_read(memory_.receive->tail)) return {};
    __atomic_thread_fence(__ATOMIC_ACQUIRE);  // the entry and the slot were written before tail
    const abi::NetRxEntry& entry =
        entries_of<abi::NetRxEntry>(memory_.receive)[head % abi::kNetRxEntries];
    // The length is the kernel's, but only the slot is ours to read: never past it.
    uint32_t length = entry.length;
    if (length > abi::kNetBufferBytes) length = abi::kNetBufferBytes;
    return {memory_.slots + uint64_t{head % memory_.slot_count} * abi::kNetBufferBytes, length};
}

void NetRings::release_received() {
    uint32_t head = memory_.receive->head;
    if (head != volatile_read(memory_.receive->tail)) publish(memory_.receive->head, head + 1);
}

bool NetRings::receive_pending() const {
    return memory_.receive->head != volatile_read(memory_.receive->tail);
}

uint32_t NetRings::receive_dropped() const {
    return memory_.receive == nullptr ? 0 : volatile_read(memory_.receive->dropped);
}

std::span<uint8_t> NetRings::transmit_buffer() {
    if (taken_ < 0) {
        if (free_count_ == 0) reclaim_completions();
        // The transmit ring has more entries than there are buffers: a free buffer always has
        // an entry to go with it.
        if (free_count_ == 0) return {};
        taken_ = free_[--free_count_];
    }
    return {memory_.buffers + uint64_t(taken_) * abi::kNetBufferBytes, abi::kNetMaxFrameBytes};
}

void NetRings::transmit(size_t length) {
    if (taken_ < 0) return;
    auto buffer = static_cast<uint32_t>(taken_);
    taken_ = -1;
    in_flight_[buffer] = true;
    uint32_t tail = memory_.transmit->tail;
    entries_of<abi::NetTxRequest>(memory_.transmit)[tail % abi::kNetTxEntries] = {
        buffer, memory_.buffer_frames[buffer / abi::kNetSlotsPerFrame],
        static_cast<uint16_t>((buffer % abi::kNetSlotsPerFrame) * abi::kNetBufferBytes),
        static_cast<uint16_t>(length), 0};
    publish(memory_.transmit->tail, tail + 1);
}

bool NetRings::unsubmitted() const {
    return volatile_read(memory_.transmit->head) != memory_.transmit->tail;
}

void NetRings::reclaim_completions() {
    uint32_t head = memory_.completion->head;
    uint32_t tail = volatile_read(memory_.completion->tail);
    if (head == tail) return;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    // A kernel that moved tail more than a ring ahead wrote nonsense: take one ring's worth.
    if (tail - head > abi::kNetCompletionEntries) head = tail - abi::kNetCompletionEntries;
    for (; head != tail; ++head) {
        const abi::NetCompletion& done =
            entries_of<abi::NetCompletion>(memory_.completion)[head % abi::kNetCompletionEntries];
        if (done.tag >= memory_.buffer_count || !in_flight_[done.tag]) continue;
        if (done.status != 0) ++refused_;
        in_flight_[done.tag] = false;
        free_[free_count_++] = static_cast<uint8_t>(done.tag);
    }
    publish(memory_.completion->head, head);
}

}  // namespace exos
