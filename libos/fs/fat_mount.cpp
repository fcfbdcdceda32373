// Mounting a FAT volume: the boot sector's BPB checked and turned into a Volume, the type
// decided by cluster count as the Microsoft FAT specification (section 3.5) says, the free
// count, and the FSInfo sector FAT32 keeps it in.
#include <exos/fat.h>

#include "bytes.h"

namespace exos::fat {
namespace {

bool power_of_two(uint32_t value) { return value != 0 && (value & (value - 1)) == 0; }

// FSInfo (FAT specification, section 5): signatures at 0, 484 and 508; free count at 488.
constexpr uint32_t kFsInfoLead = 0x41615252;
constexpr uint32_t kFsInfoStruct = 0x61417272;
constexpr uint32_t kFsInfoTrail = 0xaa550000;

}  // namespace

FsError FileSystem::parse_boot_sector(const uint8_t* sector) {
    using bytes::le16;
    using bytes::le32;
    Volume volume;
    // A jump instruction first and 0x55 0xAA at 510 mark a boot sector at all.
    if ((sector[0] != 0xeb && sector[0] != 0xe9) || sector[510] != 0x55 || sector[511] != 0xaa)
        return FsError::BadVolume;
    uint32_t bytes_per_sector = le16(sector + 11);
    volume.sectors_per_cluster = sector[13];
    uint32_t reserved = le16(sector + 14);
    uint32_t fat_count = sector[16];
    uint32_t root_entries = le16(sector + 17);
    uint32_t total16 = le16(sector + 19);
    uint32_t fat_size16 = le16(sector + 22);
    uint32_t total32 = le32(sector + 32);
    uint32_t fat_size32 = le32(sector + 36);
    // Only 512-byte sectors: the cache's block is the sector (larger ones are refused).
    if (bytes_per_sector != kBlockSize || !power_of_two(volume.sectors_per_cluster) ||
        reserved == 0 || fat_count == 0 || fat_count > 4)
        return FsError::BadVolume;
    volume.cluster_bytes = volume.sectors_per_cluster * kBlockSize;
    volume.total_sectors = total16 != 0 ? total16 : total32;
    volume.fat_sectors = fat_size16 != 0 ? fat_size16 : fat_size32;
    uint32_t root_sectors = (root_entries * 32 + kBlockSize - 1) / kBlockSize;
    uint64_t metadata = uint64_t{reserved} + uint64_t{fat_count} * volume.fat_sectors +
                        root_sectors;
    if (volume.fat_sectors == 0 || metadata >= volume.total_sectors)
        return FsError::BadVolume;
    if (volume.total_sectors > cache_.device().block_count())
        return FsError::BadVolume;  // the volume claims more sectors than the disk has
    volume.cluster_count =
        static_cast<uint32_t>((volume.total_sectors - metadata) / volume.sectors_per_cluster);
    // Section 3.5: the cluster count alone decides the type.
    volume.type = volume.cluster_count < 4085    ? FatType::Fat12
                  : volume.cluster_count < 65525 ? FatType::Fat16
                                                 : FatType::Fat32;
    volume.fat_start = reserved;
    volume.fat_copies = fat_count;
    volume.data_start = static_cast<uint32_t>(metadata);
    if (volume.type == FatType::Fat32) {
        // FAT32 has no fixed root and a 32-bit FAT size; version 0.0 is the only one defined.
        if (root_entries != 0 || fat_size16 != 0 || le16(sector + 42) != 0)
            return FsError::BadVolume;
        uint32_t extended_flags = le16(sector + 40);
        if (extended_flags & 0x80) {  // mirroring off: only the active FAT is used
            volume.active_fat = extended_flags & 0x0f;
            if (volume.active_fat >= fat_count)
                return FsError::BadVolume;
            volume.fat_copies = 1;
        }
        volume.root_cluster = le32(sector + 44);
        volume.fsinfo_sector = le16(sector + 48);
        if (volume.fsinfo_sector == 0 || volume.fsinfo_sector >= reserved)
            volume.fsinfo_sector = 0;
    } else {
        if (root_entries == 0)
            return FsError::BadVolume;
        volume.root_start = reserved + fat_count * volume.fat_sectors;
        volume.root_entries = root_entries;
    }
    // The FAT must have an entry for every cluster (12, 16 or 32 bits each).
    uint32_t bits = volume.type == FatType::Fat12 ? 12 : volume.type == FatType::Fat16 ? 16 : 32;
    if (uint64_t{volume.fat_sectors} * kBlockSize * 8 / bits < uint64_t{volume.cluster_count} + 2)
        return FsError::BadVolume;
    volume_ = volume;
    if (volume.type == FatType::Fat32 && !valid_cluster(volume.root_cluster))
        return FsError::BadVolume;
    return FsError::Ok;
}

FsError FileSystem::mount() {
    mounted_ = false;
    if (cache_.device().block_size() != kBlockSize || cache_.device().block_count() == 0)
        return FsError::BadVolume;
    uint8_t sector[kBlockSize];
    EXOS_TRY(cache_.read(0, 0, sector, kBlockSize));
    EXOS_TRY(parse_boot_sector(sector));
    if (volume_.type == FatType::Fat32)
        EXOS_TRY(check_chain(volume_.root_cluster, 1, directory_scan()));
    EXOS_TRY(count_free_clusters());
    mounted_ = true;
    return FsError::Ok;
}

FsError FileSystem::count_free_clusters() {
    // Counted rather than taken from FSInfo, which the specification calls a hint: a wrong
    // count written back would make fsck.fat report a mismatch. FAT16 and FAT32 entries never
    // cross a sector, so those FATs are read a sector at a time; FAT12 is at most 4084 entries.
    uint32_t free = 0;
    uint32_t first_free = 0;
    uint32_t width = volume_.type == FatType::Fat32 ? 4 : 2;
    uint8_t sector[kBlockSize];
    uint64_t loaded = ~uint64_t{0};
    uint64_t fat = volume_.fat_start + uint64_t{volume_.active_fat} * volume_.fat_sectors;
    for (uint32_t cluster = 2; cluster < volume_.cluster_count + 2; ++cluster) {
        uint32_t value = 0;
        if (volume_.type == FatType::Fat12) {
            EXOS_TRY(read_fat(cluster, value));
        } else {
            uint64_t offset = fat_offset(cluster);
            if (offset / kBlockSize != loaded) {
                loaded = offset / kBlockSize;
                EXOS_TRY(cache_.read(fat + loaded, 0, sector, kBlockSize));
            }
            const uint8_t* entry = sector + offset % kBlockSize;
            value = width == 4 ? bytes::le32(entry) & 0x0fffffff : bytes::le16(entry);
        }
        if (value == 0) {
            ++free;
            first_free = first_free == 0 ? cluster : first_free;
        }
    }
    free_clusters_ = free;
    next_free_hint_ = first_free == 0 ? 2 : first_free;
    fsinfo_dirty_ = volume_.fsinfo_sector != 0;
    return FsError::Ok;
}

FsError FileSystem::write_fsinfo() {
    if (!fsinfo_dirty_ || volume_.fsinfo_sector == 0)
        return FsError::Ok;
    uint8_t info[kBlockSize];
    EXOS_TRY(cache_.read(volume_.fsinfo_sector, 0, info, kBlockSize));
    // Rewritten only over a valid FSInfo; anything else is left as it was.
    if (bytes::le32(info) == kFsInfoLead && bytes::le32(info + 484) == kFsInfoStruct &&
        bytes::le32(info + 508) == kFsInfoTrail) {
        bytes::put32(info + 488, free_clusters_);
        bytes::put32(info + 492, next_free_hint_);
        EXOS_TRY(cache_.write(volume_.fsinfo_sector, 0, info, kBlockSize));
    }
    fsinfo_dirty_ = false;
    return FsError::Ok;
}

// FSInfo is a hint (specification, section 5: a reader must check it): it is brought up to date
// by sync() and unmount(), not at every ordering point, so an fsync or a namespace operation
// writes no sector it does not need. After a cut, fsck.fat may find its count stale.
FsError FileSystem::barrier() { return cache_.sync(); }

FsError FileSystem::sync() {
    if (!mounted_)
        return FsError::NotMounted;
    EXOS_TRY(write_fsinfo());
    return barrier();
}

FsError FileSystem::unmount() {
    if (!mounted_)
        return FsError::NotMounted;
    FsError result = write_fsinfo();
    if (result == FsError::Ok)
        result = barrier();
    mounted_ = false;
    return result;
}

FsError FileSystem::free_space(uint64_t& bytes) {
    if (!mounted_)
        return FsError::NotMounted;
    bytes = uint64_t{free_clusters_} * volume_.cluster_bytes;
    return FsError::Ok;
}

}  // namespace exos::fat
