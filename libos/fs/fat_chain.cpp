// The FAT itself: reading and writing 12-, 16- and 28-bit entries (every FAT copy is written),
// following chains, allocating and freeing clusters.
#include <exos/fat.h>

#include "bytes.h"

namespace exos::fat {
namespace {

// Byte `offset` of FAT copy `copy`, which may be the second byte of a FAT12 entry in the next
// sector: entries are read and written a byte at a time through the cache.
struct FatBytes {
    BlockCache& cache;
    uint64_t start;  // first sector of the copy
    FsError read(uint64_t offset, uint8_t& value) {
        return cache.read(start + offset / kBlockSize, offset % kBlockSize, &value, 1);
    }
    FsError write(uint64_t offset, uint8_t value) {
        return cache.write(start + offset / kBlockSize, offset % kBlockSize, &value, 1);
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

FsError FileSystem::read_fat(uint32_t cluster, uint32_t& value) {
    FatBytes fat{cache_, volume_.fat_start + uint64_t{volume_.active_fat} * volume_.fat_sectors};
    uint8_t raw[4] = {};
    uint32_t width = volume_.type == FatType::Fat32 ? 4 : 2;
    uint64_t offset = volume_.type == FatType::Fat12   ? cluster + cluster / 2
                      : volume_.type == FatType::Fat16 ? uint64_t{cluster} * 2
                                                       : uint64_t{cluster} * 4;
    for (uint32_t index = 0; index < width; ++index)
        EXOS_TRY(fat.read(offset + index, raw[index]));
    value = bytes::le32(raw);
    if (volume_.type == FatType::Fat12)
        value = (cluster & 1) ? (value & 0xffff) >> 4 : value & 0xfff;
    else if (volume_.type == FatType::Fat16)
        value &= 0xffff;
    else
        value &= 0x0fffffff;  // the top 4 bits are reserved (section 4)
    return FsError::Ok;
}

FsError FileSystem::write_fat(uint32_t cluster, uint32_t value) {
    for (uint32_t copy = 0; copy < volume_.fat_copies; ++copy) {
        uint32_t which = volume_.fat_copies == 1 ? volume_.active_fat : copy;
        FatBytes fat{cache_, volume_.fat_start + uint64_t{which} * volume_.fat_sectors};
        switch (volume_.type) {
        case FatType::Fat12: {
            uint64_t offset = cluster + cluster / 2;
            uint8_t low = 0;
            uint8_t high = 0;
            EXOS_TRY(fat.read(offset, low));
            EXOS_TRY(fat.read(offset + 1, high));
            // An odd cluster's entry is the high 12 bits of the pair, an even one's the low.
            if (cluster & 1) {
                low = static_cast<uint8_t>((low & 0x0f) | (value << 4 & 0xf0));
                high = static_cast<uint8_t>(value >> 4);
            } else {
                low = static_cast<uint8_t>(value);
                high = static_cast<uint8_t>((high & 0xf0) | (value >> 8 & 0x0f));
            }
            EXOS_TRY(fat.write(offset, low));
            EXOS_TRY(fat.write(offset + 1, high));
            break;
        }
        case FatType::Fat16:
            EXOS_TRY(fat.write(uint64_t{cluster} * 2, static_cast<uint8_t>(value)));
            EXOS_TRY(fat.write(uint64_t{cluster} * 2 + 1, static_cast<uint8_t>(value >> 8)));
            break;
        case FatType::Fat32: {
            uint64_t offset = uint64_t{cluster} * 4;
            uint8_t top = 0;
            EXOS_TRY(fat.read(offset + 3, top));
            for (uint32_t index = 0; index < 3; ++index)
                EXOS_TRY(fat.write(offset + index, static_cast<uint8_t>(value >> (8 * index))));
            // The reserved top 4 bits are kept as they were.
            EXOS_TRY(fat.write(offset + 3, static_cast<uint8_t>((top & 0xf0) | (value >> 24))));
            break;
        }
        }
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
