// The FAT itself: reading and writing 12-, 16- and 28-bit entries (every FAT copy is written),
// following chains, allocating and freeing clusters.
#include <exos/fat.h>

#include "bytes.h"

namespace exos::fat {
namespace {

// Bytes [offset, offset + count) of one FAT copy, which cross into the next sector only for a
// FAT12 entry at a sector's last byte. Written with one cache write per sector, so a cut never
// leaves half an entry (except in that one FAT12 case: docs/filesystem.md).
struct FatBytes {
    BlockCache& cache;
    uint64_t start;  // first sector of the copy
    FsError access(uint64_t offset, uint8_t* data, uint32_t count, bool write) {
        while (count > 0) {
            uint32_t within = static_cast<uint32_t>(offset % kBlockSize);
            uint32_t chunk = kBlockSize - within < count ? kBlockSize - within : count;
            uint64_t sector = start + offset / kBlockSize;
            EXOS_TRY(write ? cache.write(sector, within, data, chunk)
                           : cache.read(sector, within, data, chunk));
            offset += chunk;
            data += chunk;
            count -= chunk;
        }
        return FsError::Ok;
    }
};

}  // namespace

bool FileSystem::valid_cluster(uint32_t cluster) const {
    return cluster >= 2 && cluster - 2 < volume_.cluster_count;
}

uint64_t FileSystem::cluster_sector(uint32_t cluster) const {
    return volume_.data_start + uint64_t{cluster - 2} * volume_.sectors_per_cluster;
}

bool FileSystem::end_of_chain(uint32_t value) const {
    switch (volume_.type) {
    case FatType::Fat12: return value >= 0xff8;
    case FatType::Fat16: return value >= 0xfff8;
    case FatType::Fat32: return value >= 0x0ffffff8;
    }
    return true;
}

uint64_t FileSystem::fat_offset(uint32_t cluster) const {
    switch (volume_.type) {
    case FatType::Fat12: return cluster + cluster / 2;
    case FatType::Fat16: return uint64_t{cluster} * 2;
    case FatType::Fat32: return uint64_t{cluster} * 4;
    }
    return 0;
}

bool FileSystem::one_fat_sector(uint32_t low, uint32_t high) const {
    // A FAT12 entry covers two bytes (it may straddle a sector), FAT16 two, FAT32 four; every
    // copy starts on a sector, so one copy answers for all.
    uint32_t width = volume_.type == FatType::Fat32 ? 4 : 2;
    return fat_offset(low) / kBlockSize == (fat_offset(high) + width - 1) / kBlockSize;
}

FsError FileSystem::read_fat(uint32_t cluster, uint32_t& value) {
    uint64_t start = volume_.fat_start + uint64_t{volume_.active_fat} * volume_.fat_sectors;
    uint64_t offset = fat_offset(cluster);
    uint32_t width = volume_.type == FatType::Fat32 ? 4 : 2;
    uint32_t within = static_cast<uint32_t>(offset % kBlockSize);
    uint32_t raw = 0;
    if (within + width <= kBlockSize) {  // read in place: every entry but a straddling FAT12 one
        EXOS_TRY(cache_.inspect(start + offset / kBlockSize, within, width, [&](const uint8_t* at) {
            raw = width == 4 ? bytes::le32(at) : bytes::le16(at);
        }));
    } else {
        uint8_t pair[2] = {};
        EXOS_TRY((FatBytes{cache_, start}.access(offset, pair, width, false)));
        raw = bytes::le16(pair);
    }
    if (volume_.type == FatType::Fat12)
        value = (cluster & 1) ? raw >> 4 : raw & 0xfff;
    else
        value = raw & 0x0fffffff;  // FAT32's top 4 bits are reserved (section 4)
    return FsError::Ok;
}

FsError FileSystem::write_fat(uint32_t cluster, uint32_t value) {
    uint64_t offset = fat_offset(cluster);
    uint32_t width = volume_.type == FatType::Fat32 ? 4 : 2;
    uint32_t within = static_cast<uint32_t>(offset % kBlockSize);
    // An odd FAT12 cluster's entry is the high 12 bits of its byte pair, an even one's the low
    // 12; FAT32 keeps the reserved top 4 bits as they were.
    auto merge = [&](uint32_t old) {
        if (volume_.type == FatType::Fat12)
            return (cluster & 1) ? (old & 0x000f) | (value & 0xfff) << 4
                                 : (old & 0xf000) | (value & 0xfff);
        if (volume_.type == FatType::Fat32)
            return (old & 0xf0000000) | (value & 0x0fffffff);
        return value & 0xffff;
    };
    for (uint32_t copy = 0; copy < volume_.fat_copies; ++copy) {
        uint32_t which = volume_.fat_copies == 1 ? volume_.active_fat : copy;
        uint64_t start = volume_.fat_start + uint64_t{which} * volume_.fat_sectors;
        if (within + width <= kBlockSize) {  // changed in place, one sector
            EXOS_TRY(cache_.change(start + offset / kBlockSize, within, width, [&](uint8_t* at) {
                if (width == 4)
                    bytes::put32(at, merge(bytes::le32(at)));
                else
                    bytes::put16(at, static_cast<uint16_t>(merge(bytes::le16(at))));
            }));
            continue;
        }
        FatBytes fat{cache_, start};
        uint8_t raw[2] = {};
        EXOS_TRY(fat.access(offset, raw, width, false));
        bytes::put16(raw, static_cast<uint16_t>(merge(bytes::le16(raw))));
        EXOS_TRY(fat.access(offset, raw, width, true));
    }
    return FsError::Ok;
}

FsError FileSystem::next_cluster(uint32_t cluster, uint32_t& next, bool& end) {
    if (!valid_cluster(cluster))
        return FsError::Corrupt;
    uint32_t value = 0;
    EXOS_TRY(read_fat(cluster, value));
    end = end_of_chain(value);
    next = value;
    // A free, reserved, bad or out-of-range cluster inside a chain is corruption.
    if (!end && !valid_cluster(value))
        return FsError::Corrupt;
    return FsError::Ok;
}

FsError FileSystem::check_chain(uint32_t first, uint32_t needed, uint32_t scan) {
    // Brent's cycle detection: the hare walks the chain, the tortoise jumps to it at every
    // power of two, so a loop within the first n clusters is found within 3n steps, in O(1)
    // space (callers scan 4n).
    // A chain that ends before `needed` clusters is shorter than the size that needs them.
    if (!valid_cluster(first))
        return FsError::Corrupt;
    uint32_t tortoise = first;
    uint32_t hare = first;
    uint32_t power = 1;
    uint32_t length = 1;
    uint64_t most = uint64_t{volume_.cluster_count} + 1;  // a longer chain must loop
    uint64_t limit = scan < most ? scan : most;
    for (uint64_t walked = 1;; ++walked) {
        uint32_t next = 0;
        bool end = false;
        EXOS_TRY(next_cluster(hare, next, end));
        if (end)
            return walked < needed ? FsError::Corrupt : FsError::Ok;
        if (walked >= limit)
            // Scanned as far as asked without finding a loop; longer than the volume is one.
            return walked > volume_.cluster_count ? FsError::Corrupt : FsError::Ok;
        hare = next;
        if (hare == tortoise)
            return FsError::Corrupt;  // a loop
        if (length == power) {
            tortoise = hare;
            power *= 2;
            length = 0;
        }
        ++length;
    }
}

FsError FileSystem::allocate_cluster(uint32_t& cluster) {
    if (free_clusters_ == 0)
        return FsError::NoSpace;
    uint32_t candidate = valid_cluster(next_free_hint_) ? next_free_hint_ : 2;
    for (uint32_t tried = 0; tried < volume_.cluster_count; ++tried) {
        uint32_t value = 1;
        EXOS_TRY(read_fat(candidate, value));
        if (value == 0) {
            // Marked end-of-chain first: it belongs to no file yet, so a cut leaves it lost.
            EXOS_TRY(write_fat(candidate, 0x0fffffff));
            --free_clusters_;
            fsinfo_dirty_ = true;
            next_free_hint_ = valid_cluster(candidate + 1) ? candidate + 1 : 2;
            cluster = candidate;
            return FsError::Ok;
        }
        candidate = valid_cluster(candidate + 1) ? candidate + 1 : 2;
    }
    free_clusters_ = 0;  // the count was wrong: none is free
    return FsError::NoSpace;
}

FsError FileSystem::free_chain(uint32_t first) {
    uint32_t cluster = first;
    // A loop ends when it comes back to a cluster already freed (its entry reads 0).
    for (uint32_t step = 0; step < volume_.cluster_count && valid_cluster(cluster); ++step) {
        uint32_t value = 0;
        EXOS_TRY(read_fat(cluster, value));
        if (value == 0)
            return FsError::Corrupt;  // a free cluster inside the chain
        EXOS_TRY(write_fat(cluster, 0));
        ++free_clusters_;
        fsinfo_dirty_ = true;
        if (end_of_chain(value))
            return FsError::Ok;
        cluster = value;
    }
    return FsError::Corrupt;
}

FsError FileSystem::zero_cluster(uint32_t cluster) {
    for (uint32_t sector = 0; sector < volume_.sectors_per_cluster; ++sector)
        EXOS_TRY(cache_.zero_block(cluster_sector(cluster) + sector));
    return FsError::Ok;
}

}  // namespace exos::fat
