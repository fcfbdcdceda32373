// The block cache (exos/block_cache.h): hashed lookup and LRU replacement over caller-provided
// slots, dirty blocks written in batches.
#include <exos/block_cache.h>

#include "bytes.h"

namespace exos {

namespace {

// Dirty blocks handed to the device at once by sync(): a bound for the stack, not for the
// batch's benefit (a file system barrier rarely dirties more than a handful).
constexpr uint32_t kSyncBatch = 16;

}  // namespace

BlockCache::BlockCache(BlockDevice& device, std::span<CacheSlot> slots, std::span<uint8_t> data,
                       CachePolicy policy)
    : device_(device), slots_(slots), data_(data), policy_(policy) {
    // A data area too small for the slots shrinks the cache rather than overrunning it; slot
    // indices are 16 bits, kNoSlot excluded.
    if (data_.size() / kBlockSize < slots_.size())
        slots_ = slots_.first(data_.size() / kBlockSize);
    if (slots_.size() >= kNoSlot)
        slots_ = slots_.first(kNoSlot - 1);
    invalidate();
}

void BlockCache::invalidate() {
    device_blocks_ = device_.block_count();  // it may have changed too
    // Every slot empty, unhashed, off the dirty list; the recency list in index order.
    uint16_t count = static_cast<uint16_t>(slots_.size());
    for (uint16_t index = 0; index < count; ++index) {
        slots_[index] = CacheSlot{};
        slots_[index].newer = index == 0 ? kNoSlot : static_cast<uint16_t>(index - 1);
        slots_[index].older = index + 1 == count ? kNoSlot : static_cast<uint16_t>(index + 1);
    }
    most_recent_ = count == 0 ? kNoSlot : 0;
    least_recent_ = count == 0 ? kNoSlot : static_cast<uint16_t>(count - 1);
    dirty_head_ = kNoSlot;
}

uint32_t BlockCache::dirty_count() const {
    uint32_t count = 0;
    for (const CacheSlot& slot : slots_)
        count += slot.valid && slot.dirty ? 1 : 0;
    return count;
}

uint16_t BlockCache::find(uint64_t block) const {
    uint16_t index = slots_[bucket_of(block)].bucket_head;
    while (index != kNoSlot && slots_[index].block != block)
        index = slots_[index].chain_next;
    return index;
}

bool BlockCache::any_cached(uint64_t first, uint32_t count) const {
    if (slots_.empty())
        return false;
    if (count <= slots_.size()) {
        for (uint32_t i = 0; i < count; ++i) {
            if (find(first + i) != kNoSlot)
                return true;
        }
        return false;
    }
    for (const CacheSlot& slot : slots_) {
        if (slot.valid && slot.block - first < count)
            return true;
    }
    return false;
}

void BlockCache::unhash(uint16_t slot) {
    uint16_t* link = &slots_[bucket_of(slots_[slot].block)].bucket_head;
    while (*link != slot)
        link = &slots_[*link].chain_next;
    *link = slots_[slot].chain_next;
    slots_[slot].chain_next = kNoSlot;
}

void BlockCache::make_most_recent(uint16_t slot) {
    if (slot == most_recent_)
        return;
    CacheSlot& entry = slots_[slot];
    // Out of the list (it has a newer neighbour, since it is not the most recent)...
    slots_[entry.newer].older = entry.older;
    if (entry.older != kNoSlot)
        slots_[entry.older].newer = entry.newer;
    else
        least_recent_ = entry.newer;
    // ...and in at the front.
    entry.newer = kNoSlot;
    entry.older = most_recent_;
    slots_[most_recent_].newer = slot;
    most_recent_ = slot;
}

void BlockCache::list_dirty(uint16_t slot) {
    if (slots_[slot].listed)
        return;
    slots_[slot].listed = true;
    slots_[slot].dirty_next = dirty_head_;
    dirty_head_ = slot;
}

FsError BlockCache::write_device(uint64_t first, uint32_t count, const void* source) {
    unflushed_ = true;  // a failed write may have reached the disk too
    return device_.write(first, count, source) == abi::Error::Ok ? FsError::Ok
                                                                  : FsError::IoError;
}

FsError BlockCache::write_out(size_t slot) {
    ++statistics_.device_writes;
    EXOS_TRY(write_device(slots_[slot].block, 1, data_of(slot)));
    slots_[slot].dirty = false;
    return FsError::Ok;
}

FsError BlockCache::lookup(uint64_t block, bool fill, size_t& found) {
    if (slots_.empty() || block >= device_blocks_)
        return slots_.empty() ? FsError::InvalidArgument : FsError::IoError;
    uint16_t index = find(block);
    if (index != kNoSlot) {
        ++statistics_.hits;
        make_most_recent(index);
        found = index;
        return FsError::Ok;
    }
    ++statistics_.misses;
    index = least_recent_;  // an empty slot when there is one: those are never more recent
    CacheSlot& slot = slots_[index];
    if (slot.valid) {
        if (slot.dirty)
            EXOS_TRY(write_out(index));
        unhash(index);
        slot.valid = false;
    }
    if (fill) {
        ++statistics_.device_reads;
        if (device_.read(block, 1, data_of(index)) != abi::Error::Ok)
            return FsError::IoError;  // the slot stays empty and least recent
    }
    slot.block = block;
    slot.valid = true;
    slot.dirty = false;
    uint16_t& head = slots_[bucket_of(block)].bucket_head;
    slot.chain_next = head;
    head = index;
    make_most_recent(index);
    found = index;
    return FsError::Ok;
}

FsError BlockCache::after_write(size_t slot) {
    slots_[slot].dirty = true;
    if (policy_ == CachePolicy::WriteThrough)
        return write_out(slot);
    list_dirty(static_cast<uint16_t>(slot));
    return FsError::Ok;
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
    if (first >= device_blocks_ || count > device_blocks_ - first)
        return FsError::IoError;
    auto* bytes_out = static_cast<uint8_t*>(out);
    if (any_cached(first, count)) {
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
    if (first >= device_blocks_ || count > device_blocks_ - first)
        return FsError::IoError;
    const auto* bytes_in = static_cast<const uint8_t*>(source);
    if (any_cached(first, count)) {
        for (uint32_t i = 0; i < count; ++i)
            EXOS_TRY(write_block(first + i, bytes_in + size_t{i} * kBlockSize));
        return FsError::Ok;
    }
    ++statistics_.device_writes;
    return write_device(first, count, source);
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
    // The dirty list sorted by block (insertion: it is short). Ascending order is one defined
    // order (an elevator sweep), so a test can predict what a sequential device sees; the file
    // system never relies on it: dependent updates are separated by sync() calls.
    uint16_t sorted = kNoSlot;
    for (uint16_t next = dirty_head_; next != kNoSlot;) {
        uint16_t index = next;
        next = slots_[index].dirty_next;
        slots_[index].listed = false;
        if (!slots_[index].valid || !slots_[index].dirty)
            continue;  // written out (evicted) since it was listed
        uint16_t* link = &sorted;
        while (*link != kNoSlot && slots_[*link].block < slots_[index].block)
            link = &slots_[*link].dirty_next;
        slots_[index].dirty_next = *link;
        *link = index;
    }
    dirty_head_ = kNoSlot;
    for (uint16_t next = sorted; next != kNoSlot;) {
        BlockWrite runs[kSyncBatch];
        uint16_t written[kSyncBatch];
        uint32_t count = 0;
        for (; next != kNoSlot && count < kSyncBatch; next = slots_[next].dirty_next) {
            runs[count] = {slots_[next].block, 1, data_of(next)};
            written[count++] = next;
        }
        statistics_.device_writes += count;
        unflushed_ = true;
        if (device_.write_batch({runs, count}) != abi::Error::Ok) {
            // Nothing claims these reached the disk: they and the rest stay dirty.
            for (uint32_t i = 0; i < count; ++i)
                list_dirty(written[i]);
            for (uint16_t rest = next; rest != kNoSlot;) {
                uint16_t index = rest;
                rest = slots_[index].dirty_next;
                list_dirty(index);
            }
            return FsError::IoError;
        }
        for (uint32_t i = 0; i < count; ++i)
            slots_[written[i]].dirty = false;
    }
    if (!unflushed_)
        return FsError::Ok;
    ++statistics_.flushes;
    if (device_.flush() != abi::Error::Ok)
        return FsError::IoError;
    unflushed_ = false;
    return FsError::Ok;
}

}  // namespace exos
