// A fixed-size cache of 512-byte blocks over a BlockDevice, in storage the caller provides (no
// heap). Its policy is chosen per instance:
//   WriteBack     writes reach the device on eviction (least recently used first) or sync();
//   WriteThrough  every write reaches the device before write() returns.
// sync() writes the dirty blocks in ascending block order, then flushes the device. The file
// system keeps its ordering promises by calling sync() between dependent updates, so whatever
// is dirty at any moment may reach the disk in any order (docs/filesystem.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <exos/block_device.h>
#include <exos/fs_error.h>

namespace exos {

inline constexpr uint32_t kBlockSize = 512;

enum class CachePolicy : uint8_t { WriteBack, WriteThrough };

struct CacheSlot {
    uint64_t block = 0;
    uint64_t last_use = 0;  // the cache's use counter when the slot was last touched
    bool valid = false;
    bool dirty = false;
};

struct CacheStatistics {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t device_reads = 0;
    uint64_t device_writes = 0;
    uint64_t flushes = 0;
};

// Storage for a cache of `Blocks` blocks, for callers that want it in one object.
template <size_t Blocks>
struct BlockCacheStorage {
    CacheSlot slots[Blocks];
    alignas(8) uint8_t data[Blocks * kBlockSize];
};

class BlockCache {
public:
    // `data` holds slots.size() blocks of kBlockSize bytes; both outlive the cache.
    BlockCache(BlockDevice& device, std::span<CacheSlot> slots, std::span<uint8_t> data,
               CachePolicy policy);
    template <size_t Blocks>
    BlockCache(BlockDevice& device, BlockCacheStorage<Blocks>& storage, CachePolicy policy)
        : BlockCache(device, storage.slots, storage.data, policy) {}

    // Bytes [offset, offset + length) of `block`; offset + length <= kBlockSize.
    FsError read(uint64_t block, uint32_t offset, void* out, uint32_t length);
    // Whole blocks [first, first + count) into `out`: with one device read, not through the
    // cache's slots, when none of them is cached (a large file read should neither cost a
    // request per block nor evict the metadata); block by block through the cache otherwise,
    // so a cached (perhaps dirty) copy is what is read.
    FsError read_blocks(uint64_t first, uint32_t count, void* out);
    // Whole blocks from `source`, the same way: one device write when none of them is cached
    // (they reach the device before any metadata the cache holds, which only helps the write
    // ordering, and the next sync's flush makes them durable), else through the cache.
    FsError write_blocks(uint64_t first, uint32_t count, const void* source);
    FsError write(uint64_t block, uint32_t offset, const void* source, uint32_t length);
    // The whole block, without reading it from the device first.
    FsError write_block(uint64_t block, const void* source);
    FsError zero_block(uint64_t block);

    FsError sync();
    // Forgets every block (dirty ones too): for a device that changed under the cache.
    void invalidate();

    BlockDevice& device() { return device_; }
    CachePolicy policy() const { return policy_; }
    uint32_t capacity() const { return static_cast<uint32_t>(slots_.size()); }
    uint32_t dirty_count() const;
    const CacheStatistics& statistics() const { return statistics_; }

private:
    uint8_t* data_of(size_t slot) { return data_.data() + slot * kBlockSize; }
    // The slot holding `block`, loaded from the device unless `fill` is false.
    FsError lookup(uint64_t block, bool fill, size_t& slot);
    FsError write_out(size_t slot);
    FsError after_write(size_t slot);

    BlockDevice& device_;
    std::span<CacheSlot> slots_;
    std::span<uint8_t> data_;
    CachePolicy policy_;
    uint64_t use_counter_ = 0;
    CacheStatistics statistics_;
};

}  // namespace exos
