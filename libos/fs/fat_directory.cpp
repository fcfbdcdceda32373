// Directories: 32-byte slots in a cluster chain (or the FAT12/16 fixed root), entry sets of
// long-name slots followed by their short entry (FAT specification, sections 6 and 7), lookup,
// creation and removal of entry sets, in the order docs/filesystem.md gives.
#include <exos/fat.h>

#include "bytes.h"
#include "fat_names.h"

namespace exos::fat {
namespace {

constexpr uint32_t kSlotBytes = 32;
constexpr uint32_t kMaxDirectorySlots = 65536;  // section 6: a directory holds at most 2^16
constexpr uint8_t kDeleted = 0xe5;
constexpr uint32_t kUnitsPerLongSlot = 13;
constexpr uint32_t kMaxLongSlots = 20;          // 20 * 13 >= 255
constexpr uint32_t kMaxTail = 9999;
// Where a long-name slot keeps its 13 UTF-16 units (section 7).
constexpr uint8_t kLongUnitOffsets[kUnitsPerLongSlot] = {1,  3,  5,  7,  9,  14, 16,
                                                         18, 20, 22, 24, 28, 30};

bool dot_entry(const uint8_t* slot) {
    return bytes::equal(slot, ".          ", 11) || bytes::equal(slot, "..         ", 11);
}

}  // namespace

uint32_t entry_cluster(const uint8_t* slot, FatType type) {
    uint32_t high = type == FatType::Fat32 ? bytes::le16(slot + 20) : 0;
    return high << 16 | bytes::le16(slot + 26);
}

void set_entry_cluster(uint8_t* slot, uint32_t cluster) {
    bytes::put16(slot + 20, static_cast<uint16_t>(cluster >> 16));
    bytes::put16(slot + 26, static_cast<uint16_t>(cluster));
}

uint32_t FileSystem::directory_scan() const {
    return 4 * (kMaxDirectorySlots * kSlotBytes / volume_.cluster_bytes) + 4;
}

FsError FileSystem::slot_sector(SlotCursor& cursor, uint32_t index, uint64_t& sector,
                                uint32_t& offset) {
    offset = index * kSlotBytes % kBlockSize;
    if (cursor.directory == 0) {  // the fixed root of FAT12/16
        if (volume_.type == FatType::Fat32 || index >= volume_.root_entries)
            return FsError::EndOfDirectory;
        sector = volume_.root_start + index * kSlotBytes / kBlockSize;
        return FsError::Ok;
    }
    if (index >= kMaxDirectorySlots)
        return FsError::EndOfDirectory;
    uint32_t per_cluster = volume_.cluster_bytes / kSlotBytes;
    uint32_t wanted = index / per_cluster;
    if (cursor.cluster == 0 || cursor.cluster_index > wanted) {
        if (!valid_cluster(cursor.directory))
            return FsError::Corrupt;
        cursor.cluster = cursor.directory;
        cursor.cluster_index = 0;
    }
    while (cursor.cluster_index < wanted) {
        uint32_t next = 0;
        bool end = false;
        EXOS_TRY(next_cluster(cursor.cluster, next, end));
        if (end)
            return FsError::EndOfDirectory;
        if (cursor.cluster_index >= volume_.cluster_count)
            return FsError::Corrupt;  // longer than the volume: a loop
        cursor.cluster = next;
        ++cursor.cluster_index;
    }
    sector = cluster_sector(cursor.cluster) + index % per_cluster * kSlotBytes / kBlockSize;
    return FsError::Ok;
}

// Slots [first, first + count), one cache access per sector they lie in: a set within one
// sector is written by one device write, whole or not at all.
FsError FileSystem::access_slots(SlotCursor& cursor, uint32_t first, uint32_t count,
                                 uint8_t* slots, bool write) {
    for (uint32_t done = 0; done < count;) {
        uint64_t sector = 0;
        uint32_t offset = 0;
        EXOS_TRY(slot_sector(cursor, first + done, sector, offset));
        uint32_t in_sector = (kBlockSize - offset) / kSlotBytes;
        uint32_t chunk = count - done < in_sector ? count - done : in_sector;
        uint8_t* at = slots + done * kSlotBytes;
        EXOS_TRY(write ? cache_.write(sector, offset, at, chunk * kSlotBytes)
                       : cache_.read(sector, offset, at, chunk * kSlotBytes));
        done += chunk;
    }
    return FsError::Ok;
}

FsError FileSystem::read_slot(SlotCursor& cursor, uint32_t index, uint8_t* slot) {
    return access_slots(cursor, index, 1, slot, false);
}

FsError FileSystem::write_slot(SlotCursor& cursor, uint32_t index, const uint8_t* slot) {
    uint8_t copy[kSlotBytes];
    bytes::copy(copy, slot, kSlotBytes);
    return access_slots(cursor, index, 1, copy, true);
}

FsError FileSystem::next_entry(SlotCursor& cursor, uint32_t& index, DirectoryEntry& entry) {
    uint32_t directory = cursor.directory;
    uint16_t units[kMaxLongSlots * kUnitsPerLongSlot];
    uint32_t next_ordinal = 0;  // the long-name slot expected next; 0 when none is pending
    bool long_complete = false;
    uint32_t long_units = 0;
    uint32_t set_start = 0;
    uint8_t sum = 0;
    for (;; ++index) {
        uint8_t slot[kSlotBytes];
        EXOS_TRY(read_slot(cursor, index, slot));
        if (slot[0] == 0)
            return FsError::EndOfDirectory;  // this slot and all after it are free
        if (slot[0] == kDeleted) {
            next_ordinal = 0;
            long_complete = false;
            continue;
        }
        if ((slot[11] & 0x3f) == attribute::kLongName) {
            uint32_t ordinal = slot[0] & 0x3f;
            if (slot[0] & 0x40) {  // the last slot of a name comes first
                next_ordinal = ordinal;
                sum = slot[13];
                set_start = index;
                long_units = ordinal * kUnitsPerLongSlot;
            }
            // An orphan, or a slot out of sequence: the short entry will stand alone.
            if (ordinal == 0 || ordinal > kMaxLongSlots || ordinal != next_ordinal ||
                slot[13] != sum) {
                next_ordinal = 0;
                long_complete = false;
                continue;
            }
            for (uint32_t unit = 0; unit < kUnitsPerLongSlot; ++unit)
                units[(ordinal - 1) * kUnitsPerLongSlot + unit] =
                    bytes::le16(slot + kLongUnitOffsets[unit]);
            --next_ordinal;
            long_complete = next_ordinal == 0;
            continue;
        }
        bool has_long = long_complete && names::checksum(slot) == sum;
        next_ordinal = 0;
        long_complete = false;
        if ((slot[11] & attribute::kVolumeLabel) || dot_entry(slot))
            continue;
        entry = DirectoryEntry{};
        names::short_display(slot, slot[12], entry.short_name);
        uint32_t length = 0;
        while (has_long && length < long_units && length < kMaxNameUnits && units[length] != 0)
            ++length;
        if (has_long && length > 0)
            names::encode(units, length, entry.name);
        else
            bytes::copy(entry.name, entry.short_name, sizeof(entry.short_name));
        entry.stat.attributes = slot[11];
        entry.stat.first_cluster = entry_cluster(slot, volume_.type);
        entry.stat.size = (slot[11] & attribute::kDirectory) ? 0 : bytes::le32(slot + 28);
        entry.stat.modify_time = bytes::le16(slot + 22);
        entry.stat.modify_date = bytes::le16(slot + 24);
        entry.location = {directory, has_long && length > 0 ? set_start : index, index};
        ++index;
        return FsError::Ok;
    }
}

FsError FileSystem::find(uint32_t directory, const NameUnits& name, DirectoryEntry& entry) {
    uint32_t index = 0;
    SlotCursor cursor{directory};  // kept across entries: each chain step is taken once
    for (;;) {
        FsError error = next_entry(cursor, index, entry);
        if (error == FsError::EndOfDirectory)
            return FsError::NotFound;
        EXOS_TRY(error);
        NameUnits candidate;
        if (names::decode(entry.name, candidate) == FsError::Ok && names::same(candidate, name))
            return FsError::Ok;
        NameUnits alias;
        for (uint32_t at = 0; entry.short_name[at] != '\0'; ++at)
            alias.units[alias.length++] = static_cast<uint8_t>(entry.short_name[at]);
        if (names::same(alias, name))
            return FsError::Ok;  // the 8.3 alias names the file too
    }
}

FsError FileSystem::check_subdirectory(uint32_t parent, uint32_t directory) {
    // A directory entry pointing at the root, out of the volume, or at a directory whose "."
    // and ".." disagree with where it was found, is refused: walking it could loop.
    if (!valid_cluster(directory) || directory == root_directory())
        return FsError::Corrupt;
    EXOS_TRY(check_chain(directory, 1, directory_scan()));
    SlotCursor cursor{directory};
    uint8_t dot[kSlotBytes];
    uint8_t dot_dot[kSlotBytes];
    EXOS_TRY(read_slot(cursor, 0, dot));
    EXOS_TRY(read_slot(cursor, 1, dot_dot));
    uint32_t up = entry_cluster(dot_dot, volume_.type);
    bool parent_is_root = parent == root_directory();
    if (!bytes::equal(dot, ".          ", 11) || entry_cluster(dot, volume_.type) != directory ||
        !bytes::equal(dot_dot, "..         ", 11) ||
        !(up == parent || (parent_is_root && up == 0)))
        return FsError::Corrupt;
    return FsError::Ok;
}

// Whether the slot just before `index` is an end-of-directory mark.
bool FileSystem::directory_end_before(SlotCursor& cursor, uint32_t index) {
    uint8_t slot[kSlotBytes];
    return read_slot(cursor, index - 1, slot) == FsError::Ok && slot[0] == 0;
}

FsError FileSystem::find_free_slots(uint32_t directory, uint32_t count, uint32_t& first) {
    SlotCursor cursor{directory};
    uint32_t run = 0;
    for (uint32_t index = 0;; ++index) {
        uint8_t slot[kSlotBytes];
        FsError error = read_slot(cursor, index, slot);
        if (error == FsError::EndOfDirectory)
            return FsError::NoSpace;
        EXOS_TRY(error);
        // A set of up to a sector's 16 slots is kept within one sector (see access_slots).
        bool sector_start = index % (kBlockSize / kSlotBytes) == 0;
        if (slot[0] != 0 && slot[0] != kDeleted) {
            run = 0;
            continue;
        }
        if (sector_start && count <= kBlockSize / kSlotBytes)
            run = 0;
        first = ++run == 1 ? index : first;
        if (run == count)
            return FsError::Ok;
    }
}

FsError FileSystem::grow_directory(uint32_t directory) {
    if (directory == 0)
        return FsError::NoSpace;  // the FAT12/16 root has a fixed size
    uint32_t last = directory;
    for (uint32_t step = 0;; ++step) {
        uint32_t next = 0;
        bool end = false;
        EXOS_TRY(next_cluster(last, next, end));
        if (end)
            break;
        if (step >= volume_.cluster_count)
            return FsError::Corrupt;
        last = next;
    }
    uint32_t added = 0;
    EXOS_TRY(allocate_cluster(added));
    // Zeroed and on disk before the chain reaches it: a directory has no size, so every slot
    // of a linked cluster is read, and zeros say "end of directory".
    EXOS_TRY(zero_cluster(added));
    EXOS_TRY(barrier());
    EXOS_TRY(write_fat(last, added));
    return barrier();
}

FsError FileSystem::short_name_taken(uint32_t directory, const uint8_t short_name[11],
                                     bool& taken) {
    SlotCursor cursor{directory};
    taken = false;
    for (uint32_t index = 0;; ++index) {
        uint8_t slot[kSlotBytes];
        FsError error = read_slot(cursor, index, slot);
        if (error == FsError::EndOfDirectory)
            return FsError::Ok;
        EXOS_TRY(error);
        if (slot[0] == 0)
            return FsError::Ok;
        if (slot[0] != kDeleted && (slot[11] & 0x3f) != attribute::kLongName &&
            bytes::equal(slot, short_name, 11)) {
            taken = true;
            return FsError::Ok;
        }
    }
}

FsError FileSystem::make_short_name(uint32_t directory, const NameUnits& name,
                                    uint8_t short_name[11], bool& needs_long_name) {
    uint8_t basis[11];
    bool lossy = false;
    names::basis(name, basis, lossy, needs_long_name);
    bool taken = true;
    if (!lossy) {
        bytes::copy(short_name, basis, 11);
        EXOS_TRY(short_name_taken(directory, short_name, taken));
        if (!taken)
            return FsError::Ok;
    }
    needs_long_name = true;  // the alias differs from the name, which must be kept
    for (uint32_t tail = 1; tail <= kMaxTail; ++tail) {
        names::with_tail(basis, tail, short_name);
        EXOS_TRY(short_name_taken(directory, short_name, taken));
        if (!taken)
            return FsError::Ok;
    }
    return FsError::NoSpace;
}

namespace {

// Long-name slots for `name` (last part first) in set[0 .. count - 2], and the 8.3 name in the
// short slot set[count - 1], whose other fields the caller fills.
void fill_entry_set(const FileSystem::NameUnits& name, const uint8_t short_name[11],
                    uint32_t count, uint8_t* set) {
    bytes::copy(set + (count - 1) * kSlotBytes, short_name, 11);
    uint8_t sum = names::checksum(short_name);
    for (uint32_t index = 0; index + 1 < count; ++index) {
        uint32_t ordinal = count - 1 - index;
        uint8_t* long_slot = set + index * kSlotBytes;
        bytes::fill(long_slot, 0, kSlotBytes);
        long_slot[0] = static_cast<uint8_t>(ordinal | (index == 0 ? 0x40 : 0));
        long_slot[11] = attribute::kLongName;
        long_slot[13] = sum;
        for (uint32_t unit = 0; unit < kUnitsPerLongSlot; ++unit) {
            uint32_t at = (ordinal - 1) * kUnitsPerLongSlot + unit;
            // The name, one NUL after it when it does not fill the slot, then 0xFFFF padding.
            uint16_t value = at < name.length ? name.units[at] : at == name.length ? 0 : 0xffff;
            bytes::put16(long_slot + kLongUnitOffsets[unit], value);
        }
    }
}

uint32_t slots_for(const FileSystem::NameUnits& name, bool needs_long_name) {
    return needs_long_name ? 1 + (name.length + kUnitsPerLongSlot - 1) / kUnitsPerLongSlot : 1;
}

}  // namespace

FsError FileSystem::create_entry(uint32_t directory, const NameUnits& name, uint8_t attributes,
                                 uint32_t first_cluster, uint32_t size, EntryLocation& location) {
    uint8_t short_name[11];
    bool needs_long_name = false;
    EXOS_TRY(make_short_name(directory, name, short_name, needs_long_name));
    uint32_t count = slots_for(name, needs_long_name);
    uint32_t first = 0;
    for (uint32_t attempt = 0;; ++attempt) {
        FsError error = find_free_slots(directory, count, first);
        if (error != FsError::NoSpace || attempt == 2)
            EXOS_TRY(error);
        if (error == FsError::Ok)
            break;
        EXOS_TRY(grow_directory(directory));
    }
    // The set as it will lie on disk: long-name slots, last part first, then the short entry.
    uint8_t set[(kMaxLongSlots + 1) * kSlotBytes] = {};
    uint8_t* slot = set + (count - 1) * kSlotBytes;
    slot[11] = attributes;
    bytes::put16(slot + 14, time_);
    bytes::put16(slot + 16, date_);
    bytes::put16(slot + 18, date_);
    bytes::put16(slot + 22, time_);
    bytes::put16(slot + 24, date_);
    set_entry_cluster(slot, first_cluster);
    bytes::put32(slot + 28, size);
    fill_entry_set(name, short_name, count, set);
    // A set moved to the next sector leaves the slots it skipped behind; any still 0 ("end of
    // directory") would hide it, so they become deleted slots first.
    SlotCursor cursor{directory};
    uint32_t slots_per_sector = kBlockSize / kSlotBytes;
    if (first % slots_per_sector == 0 && first > 0 && directory_end_before(cursor, first)) {
        uint8_t skipped[kBlockSize];
        uint32_t start = first - slots_per_sector;
        EXOS_TRY(access_slots(cursor, start, slots_per_sector, skipped, false));
        for (uint32_t index = 0; index < slots_per_sector; ++index)
            if (skipped[index * kSlotBytes] == 0)
                skipped[index * kSlotBytes] = kDeleted;
        EXOS_TRY(access_slots(cursor, start, slots_per_sector, skipped, true));
    }
    // One sector write for any set of up to 16 slots (find_free_slots keeps it in one sector).
    EXOS_TRY(access_slots(cursor, first, count, set, true));
    location = {directory, first, first + count - 1};
    return FsError::Ok;
}

FsError FileSystem::rename_in_sector(const EntryLocation& old, const NameUnits& name,
                                     bool& renamed) {
    // Within one directory, when the old set lies in one sector and the new one fits in that
    // sector (the old set's slots counted free), one sector write replaces the old name with
    // the new: no cut can leave both names or neither.
    renamed = false;
    uint32_t slots_per_sector = kBlockSize / kSlotBytes;
    uint32_t base = old.first_index - old.first_index % slots_per_sector;
    if (old.short_index - base >= slots_per_sector)
        return FsError::Ok;
    uint8_t short_name[11];
    bool needs_long_name = false;
    EXOS_TRY(make_short_name(old.directory, name, short_name, needs_long_name));
    uint32_t count = slots_for(name, needs_long_name);
    SlotCursor cursor{old.directory};
    uint8_t sector[kBlockSize];
    FsError error = access_slots(cursor, base, slots_per_sector, sector, false);
    if (error == FsError::EndOfDirectory)
        return FsError::Ok;  // a fixed root whose last sector is not whole
    EXOS_TRY(error);
    uint8_t set[(kMaxLongSlots + 1) * kSlotBytes] = {};
    bytes::copy(set + (count - 1) * kSlotBytes, sector + (old.short_index - base) * kSlotBytes,
                kSlotBytes);
    for (uint32_t index = old.first_index; index <= old.short_index; ++index)
        sector[(index - base) * kSlotBytes] = kDeleted;
    uint32_t run = 0;
    for (uint32_t index = 0; index < slots_per_sector; ++index) {
        uint8_t first_byte = sector[index * kSlotBytes];
        run = first_byte == 0 || first_byte == kDeleted ? run + 1 : 0;
        if (run == count) {
            fill_entry_set(name, short_name, count, set);
            bytes::copy(sector + (index + 1 - count) * kSlotBytes, set, count * kSlotBytes);
            EXOS_TRY(access_slots(cursor, base, slots_per_sector, sector, true));
            renamed = true;
            return FsError::Ok;
        }
    }
    return FsError::Ok;  // no room in that sector: the caller renames in two steps
}

FsError FileSystem::clear_entry(const EntryLocation& location) {
    SlotCursor cursor{location.directory};
    uint32_t count = location.short_index - location.first_index + 1;
    if (count > kMaxLongSlots + 1)
        return FsError::Corrupt;
    uint8_t set[(kMaxLongSlots + 1) * kSlotBytes];
    EXOS_TRY(access_slots(cursor, location.first_index, count, set, false));
    for (uint32_t index = 0; index < count; ++index)
        set[index * kSlotBytes] = kDeleted;
    return access_slots(cursor, location.first_index, count, set, true);
}

FsError FileSystem::update_entry(const EntryLocation& location, uint32_t first_cluster,
                                 uint32_t size) {
    SlotCursor cursor{location.directory};
    uint64_t sector = 0;
    uint32_t offset = 0;
    EXOS_TRY(slot_sector(cursor, location.short_index, sector, offset));
    // A slot never crosses a sector (32 divides 512): changed in place, one sector write.
    return cache_.change(sector, offset, kSlotBytes, [&](uint8_t* slot) {
        set_entry_cluster(slot, first_cluster);
        bytes::put32(slot + 28, size);
        bytes::put16(slot + 22, time_);
        bytes::put16(slot + 24, date_);
        slot[11] |= attribute::kArchive;
    });
}

FsError FileSystem::directory_empty(uint32_t directory, bool& empty) {
    uint32_t index = 0;
    DirectoryEntry entry;
    SlotCursor cursor{directory};
    FsError error = next_entry(cursor, index, entry);
    empty = error == FsError::EndOfDirectory;
    return empty ? FsError::Ok : error;
}

}  // namespace exos::fat
