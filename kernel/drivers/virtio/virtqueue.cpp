// The split virtqueue's driver side: free list, chain publication, and the checks on every
// used-ring entry (docs/virtio.md, "What every completion is checked for").
#include "drivers/virtio/virtqueue.h"
#include "register_hygiene.h"

namespace exo::virtio {

namespace {
constexpr bool is_power_of_two(uint32_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}
}  // namespace

bool Virtqueue::initialize(DmaRegion memory, uint16_t size, RingLayout layout) {
    if (!is_power_of_two(size) || size > kMaxSize) {
        failure_ = "queue size is not a power of two within the driver's limit";
        return false;
    }
    const VirtqueueLayout shape = virtqueue_layout(size, layout);
    if (memory.virt == nullptr || memory.size < shape.bytes || memory.phys % shape.alignment != 0 ||
        memory.phys + shape.bytes < memory.phys) {
        failure_ = "queue memory is too small or misaligned";
        return false;
    }
    ring_ = memory.virt;
    layout_ = shape;
    size_ = size;
    addresses_ = {memory.phys + shape.descriptors, memory.phys + shape.available,
                  memory.phys + shape.used};
    // Zeroed through volatile stores: the device may already be looking (a stale queue address).
    volatile std::byte* bytes = ring_;
    for (uint64_t i = 0; i < shape.bytes; ++i)
        bytes[i] = std::byte{0};

    for (uint16_t i = 0; i < size; ++i) {
        next_[i] = static_cast<uint16_t>(i + 1);
        chain_length_[i] = 0;
        writable_bytes_[i] = 0;
    }
    free_head_ = 0;
    free_count_ = size;
    outstanding_ = 0;
    next_available_ = 0;
    staged_ = 0;
    next_used_ = 0;
    failure_ = nullptr;
    return true;
}

EXO_KEEPS_USED_REGISTERS
void Virtqueue::fail(const char* reason) {
    if (failure_ == nullptr) failure_ = reason;
}

// reinterpret_cast: the ring parts are device-shared bytes at offsets the layout fixed and
// aligned; volatile because the device reads and writes them behind the compiler's back.
EXO_KEEPS_USED_REGISTERS
volatile VirtqDescriptor* Virtqueue::descriptor(uint16_t index) const {
    return reinterpret_cast<volatile VirtqDescriptor*>(ring_ + layout_.descriptors) + index;
}
EXO_KEEPS_USED_REGISTERS
volatile uint16_t* Virtqueue::available_field(uint32_t index) const {
    return reinterpret_cast<volatile uint16_t*>(ring_ + layout_.available) + index;
}
EXO_KEEPS_USED_REGISTERS
volatile uint16_t* Virtqueue::used_header_field(uint32_t index) const {
    return reinterpret_cast<volatile uint16_t*>(ring_ + layout_.used) + index;
}
EXO_KEEPS_USED_REGISTERS
volatile VirtqUsedElement* Virtqueue::used_element(uint16_t slot) const {
    return reinterpret_cast<volatile VirtqUsedElement*>(ring_ + layout_.used + kRingHeaderBytes) +
           slot;
}

uint16_t Virtqueue::add_chain(const ChainBuffer* buffers, uint16_t count) {
    const uint16_t head = stage_chain(buffers, count);
    if (head != kNoHead) publish();
    return head;
}

EXO_KEEPS_USED_REGISTERS
uint16_t Virtqueue::stage_chain(const ChainBuffer* buffers, uint16_t count) {
    if (failed() || count == 0 || count > free_count_) return kNoHead;
    const uint16_t head = free_head_;
    uint16_t index = head;
    uint64_t writable = 0;
    for (uint16_t i = 0; i < count; ++i) {
        const bool last = i + 1 == count;
        uint16_t flags = last ? 0 : descriptor_flag::kNext;
        if (buffers[i].device_writable) {
            flags |= descriptor_flag::kDeviceWritable;
            writable += buffers[i].length;
        }
        // The private link, not the shared one, says where the chain goes when it comes back.
        const uint16_t next = last ? 0 : next_[index];
        // Two stores a descriptor: the address, then length, flags and next as one word
        // (VirtqDescriptor's little-endian layout).
        volatile uint64_t* words = reinterpret_cast<volatile uint64_t*>(descriptor(index));
        words[0] = buffers[i].phys;
        words[1] = buffers[i].length | uint64_t{flags} << 32 | uint64_t{next} << 48;
        if (!last) index = next;
    }
    free_head_ = next_[index];
    free_count_ = static_cast<uint16_t>(free_count_ - count);
    chain_length_[head] = count;
    writable_bytes_[head] = writable;
    ++outstanding_;
    *available_field(2 + (static_cast<uint16_t>(next_available_ + staged_) & (size_ - 1))) = head;
    ++staged_;
    return head;
}

EXO_KEEPS_USED_REGISTERS
uint16_t Virtqueue::stage_short_chain(ChainBuffer header, ChainBuffer middle, ChainBuffer tail) {
    const uint16_t count = middle.length != 0 ? 3 : 2;
    if (failed() || count > free_count_) return kNoHead;
    // Two stores a descriptor, as in stage_chain; the private links say where the chain goes.
    volatile uint64_t* table = reinterpret_cast<volatile uint64_t*>(ring_ + layout_.descriptors);
    auto write = [table](uint16_t index, const ChainBuffer& buffer, uint16_t flags,
                         uint16_t next) {
        if (buffer.device_writable) flags |= descriptor_flag::kDeviceWritable;
        table[2 * index] = buffer.phys;
        table[2 * index + 1] = buffer.length | uint64_t{flags} << 32 | uint64_t{next} << 48;
    };
    const uint16_t head = free_head_;
    uint16_t last = next_[head];
    write(head, header, descriptor_flag::kNext, last);
    uint64_t writable = header.device_writable ? header.length : 0;
    if (middle.length != 0) {
        const uint16_t second = last;
        last = next_[second];
        write(second, middle, descriptor_flag::kNext, last);
        if (middle.device_writable) writable += middle.length;
    }
    write(last, tail, 0, 0);
    if (tail.device_writable) writable += tail.length;
    free_head_ = next_[last];
    free_count_ = static_cast<uint16_t>(free_count_ - count);
    chain_length_[head] = static_cast<uint16_t>(count);
    writable_bytes_[head] = writable;
    ++outstanding_;
    // The size is a power of two (initialize): a mask, not a division.
    *available_field(2 + (static_cast<uint16_t>(next_available_ + staged_) & (size_ - 1))) = head;
    ++staged_;
    return head;
}

EXO_KEEPS_USED_REGISTERS
bool Virtqueue::publish() {
    if (staged_ == 0) return false;
    // virtio 1.2 2.7.13.2: the descriptors and ring entries are visible before the index moves.
    dma_fence();
    next_available_ = static_cast<uint16_t>(next_available_ + staged_);
    staged_ = 0;
    *available_field(1) = next_available_;
    return true;
}

EXO_KEEPS_USED_REGISTERS
bool Virtqueue::should_notify() const {
    if (failed()) return false;
    // 2.7.13.3: the new index must be visible before the device's suppression flag is read.
    dma_fence();
    return (*used_header_field(0) & kUsedFlagNoNotify) == 0;
}

EXO_KEEPS_USED_REGISTERS
uint16_t Virtqueue::used_ready() {
    if (failed()) return 0;
    const uint16_t device_index = *used_header_field(1);  // read once: the device may change it
    const uint16_t ready = static_cast<uint16_t>(device_index - next_used_);
    // More new entries than chains we handed out means the index is a lie (or garbage), and
    // reading that many entries would hand back chains that were never completed.
    if (ready > outstanding_) {
        fail("used index advanced past the outstanding chains");
        return 0;
    }
    // 2.7.13 (reading the used ring): the index before the entries it covers.
    dma_fence();
    return ready;
}

EXO_KEEPS_USED_REGISTERS
bool Virtqueue::take_used(UsedChain& used) {
    volatile VirtqUsedElement* element = used_element(next_used_ & (size_ - 1));  // a power of 2
    // Each field read exactly once, then checked, then used: no second fetch can differ.
    const uint32_t id = element->id;
    const uint32_t written = element->length;
    if (id >= size_) {
        fail("used entry names a descriptor outside the queue");
        return false;
    }
    if (chain_length_[id] == 0) {
        // Never submitted, already completed, or the middle of a chain: not ours to free.
        fail("used entry names no outstanding chain head");
        return false;
    }
    if (written > writable_bytes_[id]) {
        fail("used entry claims more bytes written than the chain offered");
        return false;
    }
    ++next_used_;
    release_chain(static_cast<uint16_t>(id));
    used = {static_cast<uint16_t>(id), written};
    return true;
}

EXO_KEEPS_USED_REGISTERS
void Virtqueue::release_chain(uint16_t head) {
    uint16_t tail = head;
    for (uint16_t i = 1; i < chain_length_[head]; ++i)
        tail = next_[tail];
    next_[tail] = free_head_;
    free_head_ = head;
    free_count_ = static_cast<uint16_t>(free_count_ + chain_length_[head]);
    chain_length_[head] = 0;
    writable_bytes_[head] = 0;
    --outstanding_;
}

}  // namespace exo::virtio
