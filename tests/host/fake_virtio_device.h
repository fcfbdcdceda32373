// A virtio-mmio device for the host tests: the register file (legacy and modern), the device side
// of a split virtqueue that reads and writes through "physical" addresses (host addresses here,
// each access checked against the memory the test allowed), and a block device over an
// in-memory disk. Every knob that lets it lie is a public field: the hostile tests turn them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "drivers/virtio/dma.h"
#include "drivers/virtio/virtio_mmio.h"
#include "drivers/virtio/virtqueue.h"

namespace exo::virtio::test {

enum class Transport { Legacy, Modern };
inline constexpr Transport kBothTransports[] = {Transport::Legacy, Transport::Modern};
const char* to_string(Transport transport);

// Page-aligned host memory standing in for physically contiguous memory, at a made-up physical
// address below 2^44 (host addresses are higher, and the legacy queue's page number is 32 bits).
// Each buffer gets its own range, a guard page apart, so a wrong address lands in no buffer.
class DmaBuffer {
public:
    explicit DmaBuffer(size_t bytes) : storage_(bytes + kAlignment), bytes_(bytes) {
        const uintptr_t start = reinterpret_cast<uintptr_t>(storage_.data());
        offset_ = (kAlignment - start % kAlignment) % kAlignment;
        phys_ = next_phys_;
        next_phys_ += (bytes + 2 * kAlignment - 1) / kAlignment * kAlignment;
    }
    std::byte* data() { return storage_.data() + offset_; }
    size_t size() const { return bytes_; }
    uint64_t phys(size_t offset = 0) const { return phys_ + offset; }
    DmaRegion region() { return {data(), phys(), bytes_}; }

private:
    static constexpr size_t kAlignment = 4096;
    static inline uint64_t next_phys_ = uint64_t{1} << 32;
    std::vector<std::byte> storage_;
    size_t bytes_;
    size_t offset_ = 0;
    uint64_t phys_ = 0;
};

// The device's DMA: physical addresses translated through the ranges the test allowed; anything
// else is recorded as a violation (a wrong address fails its test here, not by luck).
class FakeDma {
public:
    void allow(uint64_t phys, std::byte* host, size_t bytes);
    void allow(DmaBuffer& buffer) { allow(buffer.phys(), buffer.data(), buffer.size()); }
    bool read(uint64_t phys, void* out, size_t bytes);
    bool write(uint64_t phys, const void* in, size_t bytes);
    std::vector<std::string> violations;

private:
    std::byte* find(uint64_t phys, size_t bytes);
    struct Range {
        uint64_t phys;
        std::byte* host;
        size_t bytes;
    };
    std::vector<Range> ranges_;
};

// The device side of one split virtqueue.
class FakeRing {
public:
    struct Buffer {
        uint64_t phys;
        uint32_t length;
        bool writable;
    };
    struct Chain {
        uint16_t head = 0;
        std::vector<Buffer> buffers;
    };

    explicit FakeRing(FakeDma& dma) : dma_(dma) {}
    void attach(uint16_t size, const QueueAddresses& addresses);
    void detach() { size_ = 0; }
    bool attached() const { return size_ != 0; }
    uint16_t size() const { return size_; }
    const QueueAddresses& addresses() const { return addresses_; }

    // The next chain the driver made available, or false. A malformed chain (a loop, a link
    // outside the table) is a violation and is not returned.
    bool pop(Chain& chain);
    uint16_t driver_available_index();

    // The used side, honest: the entry at the device's index, then the index moves.
    void push_used(uint32_t id, uint32_t length);
    // ... and the ways to lie: any entry, any index, any flags.
    void write_used_entry(uint16_t ring_index, uint32_t id, uint32_t length);
    void set_used_index(uint16_t index);
    void set_used_flags(uint16_t flags);
    uint16_t used_index() const { return used_index_; }

private:
    FakeDma& dma_;
    uint16_t size_ = 0;
    QueueAddresses addresses_{};
    uint16_t next_available_ = 0;
    uint16_t used_index_ = 0;
};

class FakeVirtioDevice final : public VirtioRegisters {
public:
    FakeVirtioDevice(Transport transport, uint32_t device_id, uint64_t features);
    uint32_t read32(uint32_t offset) override;
    void write32(uint32_t offset, uint32_t value) override;

    void set_config32(uint32_t offset, uint32_t value);
    void raise(uint32_t bits) { interrupt_status |= bits; }
    bool live() const { return (status & status::kDriverOk) != 0 && ring.attached(); }
    static constexpr uint32_t kMaxQueues = 2;

    // What the device shows; tests change these to make it lie.
    Transport transport;
    uint32_t magic = kMagic;
    uint32_t version;
    uint32_t device_id;
    uint32_t vendor_id = 0x554d4551;  // "QEMU"
    uint64_t device_features;
    uint32_t queue_size_max = 256;
    uint32_t queue_count = 1;  // queues 0 .. queue_count - 1 exist (at most kMaxQueues)
    bool keep_features_ok = true;     // false: clears FEATURES_OK, refusing the driver's subset
    bool finish_reset = true;         // false: Status never reads back 0 after a reset
    bool generation_changes = false;  // true: ConfigGeneration moves on every read
    uint32_t config_generation = 0;
    std::vector<uint8_t> config = std::vector<uint8_t>(256, 0);

    // What the driver did.
    uint32_t status = 0;
    uint64_t driver_features = 0;
    uint32_t queue_select = 0;
    uint32_t queue_size = 0;
    uint32_t guest_page_size = 0;
    uint32_t queue_align = 0;
    uint32_t queue_pfn = 0;
    uint32_t queue_ready = 0;
    QueueAddresses queue_addresses{};
    uint32_t notifications = 0;
    uint32_t interrupt_status = 0;
    uint32_t resets = 0;
    uint32_t register_writes = 0;
    std::vector<std::string> protocol_errors;  // the driver broke a rule of the spec

    FakeDma dma;
    FakeRing rings[kMaxQueues] = {FakeRing{dma}, FakeRing{dma}};
    FakeRing& ring = rings[0];  // the only queue of a single-queue device
    std::function<void()> on_notify;               // a notify of queue 0
    std::function<void(uint32_t)> on_notify_queue;  // any queue's, with its index

private:
    void write_status(uint32_t value);
    void protocol_error(const std::string& what) { protocol_errors.push_back(what); }
    uint32_t feature_select_device_ = 0;
    uint32_t feature_select_driver_ = 0;
    bool driver_features_written_ = false;
};

// A virtio-blk device: requests against an in-memory disk, completed on notify (or by serve()).
class FakeBlockDevice {
public:
    FakeBlockDevice(Transport transport, uint64_t sectors, uint64_t features);

    // Performs every available request and completes it; returns how many.
    uint32_t serve();
    uint32_t requests_seen(uint32_t type) const;

    FakeVirtioDevice device;
    std::vector<uint8_t> disk;
    bool complete_on_notify = true;
    int forced_status = -1;    // >= 0: every request ends with this status byte
    bool skip_status = false;  // completes without writing the status byte
    std::vector<uint32_t> types_seen;
    std::vector<std::string>& errors() { return device.protocol_errors; }

private:
    uint32_t perform(const FakeRing::Chain& chain, uint32_t& written);
};

}  // namespace exo::virtio::test
