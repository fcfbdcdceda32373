// A fixed-size cache of 512-byte blocks over a BlockDevice, in storage the caller provides (no
// heap). Its policy is chosen per instance:
//   WriteBack     writes reach the device on eviction (least recently used first) or sync();
//   WriteThrough  every write reaches the device before write() returns.
// sync() writes the dirty blocks in ascending block order, as one batch (BlockDevice::write_batch:
// the device may complete them in any order), then flushes the device. The file system keeps
// its ordering promises by calling sync() between dependent updates, so whatever is dirty at
// any moment may reach the disk in any order (docs/filesystem.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <exos/block_device.h>
#include <exos/fs_error.h>

namespace exos {

inline constexpr uint32_t kBlockSize = 512;

enum class CachePolicy : uint8_t { WriteBack, WriteThrough };

inline constexpr uint16_t kNoSlot = 0xffff;

// A slot's block and its links, all slot indices (kNoSlot for none), so a lookup, a touch and
// an eviction cost a few instructions whatever the cache's size: a hash chain (the buckets are
// as many as the slots, and slot i keeps the head of bucket i), the recency list (an empty slot
// is never more recent than a used one), and the dirty list sync() walks.
struct CacheSlot {
    uint64_t block = 0;
    uint16_t chain_next = kNoSlot;   // the next slot in this slot's bucket
    uint16_t bucket_head = kNoSlot;  // the first slot of bucket number <this slot's index>
    uint16_t newer = kNoSlot;
    uint16_t older = kNoSlot;
    uint16_t dirty_next = kNoSlot;
    bool valid = false;
    bool dirty = false;
    bool listed = false;  // on the dirty list (it may have been written since: sync skips it)
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
    // Small on-disk fields (a FAT entry, a directory slot) in place, with one lookup and no
    // copy: inspect(bytes) reads bytes [offset, offset + length) of the cached block (loaded
    // on a miss); change(bytes) may also change them, and the block then counts as written,
    // as by write(). Neither function may call into the cache.
    template <typename Inspect>
    FsError inspect(uint64_t block, uint32_t offset, uint32_t length, Inspect&& inspect) {
        size_t slot = 0;
        EXOS_TRY(in_place(block, offset, length, slot));
        inspect(static_cast<const uint8_t*>(data_of(slot) + offset));
        return FsError::Ok;
    }
    template <typename Change>
    FsError change(uint64_t block, uint32_t offset, uint32_t length, Change&& change) {
        size_t slot = 0;
        EXOS_TRY(in_place(block, offset, length, slot));
        change(data_of(slot) + offset);
        return after_write(slot);
    }
    // The whole block, without reading it from the device first.
    FsError write_block(uint64_t block, const void* source);
    FsError zero_block(uint64_t block);

    // The dirty blocks, then BlockDevice::flush; the flush is skipped when nothing was written
    // through this cache since the last one succeeded (nothing new to make durable).
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
    uint16_t bucket_of(uint64_t block) const {
        return static_cast<uint16_t>(block % slots_.size());
    }
    uint16_t find(uint64_t block) const;  // its slot, or kNoSlot
    bool any_cached(uint64_t first, uint32_t count) const;
    void unhash(uint16_t slot);
    void make_most_recent(uint16_t slot);
    void list_dirty(uint16_t slot);
    // The slot holding `block`, loaded from the device unless `fill` is false.
    FsError lookup(uint64_t block, bool fill, size_t& slot);
    FsError in_place(uint64_t block, uint32_t offset, uint32_t length, size_t& slot) {
        if (offset > kBlockSize || length > kBlockSize - offset)
            return FsError::InvalidArgument;
        return lookup(block, true, slot);
    }
    FsError write_out(size_t slot);
    FsError after_write(size_t slot);
    FsError write_device(uint64_t first, uint32_t count, const void* source);

    BlockDevice& device_;
    uint64_t device_blocks_ = 0;  // device_.block_count(), asked at invalidate(), not per lookup
    std::span<CacheSlot> slots_;
    std::span<uint8_t> data_;
    CachePolicy policy_;
    uint16_t most_recent_ = kNoSlot;
    uint16_t least_recent_ = kNoSlot;
    uint16_t dirty_head_ = kNoSlot;
    bool unflushed_ = false;  // a write reached the device after the last successful flush
    CacheStatistics statistics_;
};

}  // namespace exos
