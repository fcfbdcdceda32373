// The block cache (exos/block_cache.h): LRU replacement over caller-provided slots.
#include <exos/block_cache.h>

#include "bytes.h"

namespace exos {

BlockCache::BlockCache(BlockDevice& device, std::span<CacheSlot> slots, std::span<uint8_t> data,
                       CachePolicy policy)
    : device_(device), slots_(slots), data_(data), policy_(policy) {
    // A data area too small for the slots shrinks the cache rather than overrunning it.
    if (data_.size() / kBlockSize < slots_.size())
        slots_ = slots_.first(data_.size() / kBlockSize);
    invalidate();
}

void BlockCache::invalidate() {
    for (CacheSlot& slot : slots_)
        slot = CacheSlot{};
}

uint32_t BlockCache::dirty_count() const {
    uint32_t count = 0;
    for (const CacheSlot& slot : slots_)
        count += slot.dirty ? 1 : 0;
    return count;
}

FsError BlockCache::write_out(size_t slot) {
    ++statistics_.device_writes;
    if (device_.write(slots_[slot].block, 1, data_of(slot)) != abi::Error::Ok)
        return FsError::IoError;
    slots_[slot].dirty = false;
    return FsError::Ok;
}

FsError BlockCache::lookup(uint64_t block, bool fill, size_t& found) {
    if (slots_.empty() || block >= device_.block_count())
        return slots_.empty() ? FsError::InvalidArgument : FsError::IoError;
    size_t victim = 0;
    for (size_t index = 0; index < slots_.size(); ++index) {
        CacheSlot& slot = slots_[index];
        if (slot.valid && slot.block == block) {
            ++statistics_.hits;
            slot.last_use = ++use_counter_;
            found = index;
            return FsError::Ok;
        }
        // An empty slot is taken before any used one; among used ones the least recent.
        const CacheSlot& best = slots_[victim];
        if (best.valid && (!slot.valid || slot.last_use < best.last_use))
            victim = index;
    }
    ++statistics_.misses;
    if (slots_[victim].valid && slots_[victim].dirty)
        EXOS_TRY(write_out(victim));
    slots_[victim].valid = false;
    if (fill) {
        ++statistics_.device_reads;
        if (device_.read(block, 1, data_of(victim)) != abi::Error::Ok)
            return FsError::IoError;
    }
    slots_[victim] = CacheSlot{block, ++use_counter_, true, false};
    found = victim;
    return FsError::Ok;
}

FsError BlockCache::after_write(size_t slot) {
    slots_[slot].dirty = true;
    return policy_ == CachePolicy::WriteThrough ? write_out(slot) : FsError::Ok;
}

FsError BlockCache::read(uint64_t block, uint32_t offset, void* out, uint32_t length) {
    if (offset > kBlockSize || length > kBlockSize - offset)
        return FsError::InvalidArgument;
    size_t slot = 0;
    EXOS_TRY(lookup(block, true, slot));
    bytes::copy(out, data_of(slot) + offset, length);
    return FsError::Ok;
}

FsError BlockCache::read_blocks(uint64_t first, uint32_t count, void* out) {
    if (count == 0) return FsError::Ok;
    if (first >= device_.block_count() || count > device_.block_count() - first)
        return FsError::IoError;
    bool cached = false;
    for (const CacheSlot& slot : slots_)
        cached = cached || (slot.valid && slot.block - first < count);
    auto* bytes_out = static_cast<uint8_t*>(out);
    if (cached) {
        for (uint32_t i = 0; i < count; ++i)
            EXOS_TRY(read(first + i, 0, bytes_out + size_t{i} * kBlockSize, kBlockSize));
        return FsError::Ok;
    }
    ++statistics_.device_reads;
    statistics_.misses += count;
    return device_.read(first, count, out) == abi::Error::Ok ? FsError::Ok : FsError::IoError;
}

FsError BlockCache::write_blocks(uint64_t first, uint32_t count, const void* source) {
    if (count == 0) return FsError::Ok;
    if (first >= device_.block_count() || count > device_.block_count() - first)
        return FsError::IoError;
    bool cached = false;
    for (const CacheSlot& slot : slots_)
        cached = cached || (slot.valid && slot.block - first < count);
    const auto* bytes_in = static_cast<const uint8_t*>(source);
    if (cached) {
        for (uint32_t i = 0; i < count; ++i)
            EXOS_TRY(write_block(first + i, bytes_in + size_t{i} * kBlockSize));
        return FsError::Ok;
    }
    ++statistics_.device_writes;
    return device_.write(first, count, source) == abi::Error::Ok ? FsError::Ok
                                                                  : FsError::IoError;
}

FsError BlockCache::write(uint64_t block, uint32_t offset, const void* source, uint32_t length) {
    if (offset > kBlockSize || length > kBlockSize - offset)
        return FsError::InvalidArgument;
    size_t slot = 0;
    EXOS_TRY(lookup(block, length != kBlockSize, slot));
    bytes::copy(data_of(slot) + offset, source, length);
    return after_write(slot);
}

FsError BlockCache::write_block(uint64_t block, const void* source) {
    return write(block, 0, source, kBlockSize);
}

FsError BlockCache::zero_block(uint64_t block) {
    size_t slot = 0;
    EXOS_TRY(lookup(block, false, slot));
    bytes::fill(data_of(slot), 0, kBlockSize);
    return after_write(slot);
}

FsError BlockCache::sync() {
    // Ascending block order: one defined order (an elevator sweep), so a test can predict it.
    // The file system never relies on it: dependent updates are separated by sync() calls.
    for (;;) {
        size_t next = slots_.size();
        for (size_t index = 0; index < slots_.size(); ++index) {
            if (slots_[index].valid && slots_[index].dirty &&
                (next == slots_.size() || slots_[index].block < slots_[next].block))
                next = index;
        }
        if (next == slots_.size())
            break;
        EXOS_TRY(write_out(next));
    }
    ++statistics_.flushes;
    return device_.flush() == abi::Error::Ok ? FsError::Ok : FsError::IoError;
}

}  // namespace exos
