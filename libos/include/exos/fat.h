// A FAT12/FAT16/FAT32 file system with VFAT long names, as a library-OS piece (exos_fs) over a
// BlockCache. Freestanding: no heap, no exceptions; every loop over on-disk data is bounded by
// the volume's cluster count, so a hostile image yields FsError::Corrupt, never a hang.
//
// Paths are absolute UTF-8 ("/dir/sub/File Name.txt"); lookup is case-insensitive (ASCII
// letters), names are kept as given in long-name entries, with an 8.3 alias ("FILENA~1.TXT").
// Durability (docs/filesystem.md): namespace operations are on disk when they return; file data
// and size when fsync() or close() returns. Updates are ordered so that a power cut leaves a
// volume fsck.fat accepts apart from lost clusters.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <exos/block_cache.h>
#include <exos/fs_error.h>

namespace exos::fat {

enum class FatType : uint8_t { Fat12, Fat16, Fat32 };

constexpr const char* to_string(FatType type) {
    return type == FatType::Fat12 ? "FAT12" : type == FatType::Fat16 ? "FAT16" : "FAT32";
}

// open() flags.
inline constexpr uint32_t kRead = 1;
inline constexpr uint32_t kWrite = 2;
inline constexpr uint32_t kCreate = 4;     // create the file when it does not exist
inline constexpr uint32_t kExclusive = 8;  // with kCreate: fail with AlreadyExists if it exists
inline constexpr uint32_t kTruncate = 16;  // with kWrite: size 0 on open
inline constexpr uint32_t kAppend = 32;    // with kWrite: every write goes to the end

// Directory-entry attribute bits (Microsoft FAT specification, section 6).
namespace attribute {
inline constexpr uint8_t kReadOnly = 0x01;
inline constexpr uint8_t kHidden = 0x02;
inline constexpr uint8_t kSystem = 0x04;
inline constexpr uint8_t kVolumeLabel = 0x08;
inline constexpr uint8_t kDirectory = 0x10;
inline constexpr uint8_t kArchive = 0x20;
inline constexpr uint8_t kLongName = 0x0f;
}  // namespace attribute

inline constexpr uint32_t kMaxNameUnits = 255;          // UTF-16 units in a long name
inline constexpr uint32_t kMaxNameBytes = 3 * 255 + 1;  // the same as UTF-8, NUL-terminated
inline constexpr uint32_t kMaxFileSize = 0xffffffff;

// Where an entry set lives: its directory (first cluster; 0 is a FAT12/16 fixed root) and the
// indices (32-byte slots) of its first long-name entry and of its short entry.
struct EntryLocation {
    uint32_t directory = 0;
    uint32_t first_index = 0;
    uint32_t short_index = 0;
};

struct Stat {
    uint32_t size = 0;
    uint32_t first_cluster = 0;
    uint8_t attributes = 0;
    uint16_t modify_date = 0;  // FAT date: year - 1980 << 9 | month << 5 | day
    uint16_t modify_time = 0;  // FAT time: hour << 11 | minute << 5 | seconds / 2
    bool is_directory() const { return (attributes & attribute::kDirectory) != 0; }
};

struct DirectoryEntry {
    char name[kMaxNameBytes] = {};  // the long name when there is a valid one, else the 8.3 one
    char short_name[13] = {};       // "NAME.EXT"
    Stat stat;
    EntryLocation location;
};

// An open file, owned by the caller. Two File objects open on one file do not see each other's
// unsynced size: open a file once for writing.
class File {
public:
    bool is_open() const { return open_; }
    uint32_t size() const { return size_; }
    uint32_t position() const { return position_; }

private:
    friend class FileSystem;
    EntryLocation entry_;
    uint32_t flags_ = 0;
    uint32_t first_cluster_ = 0;
    uint32_t size_ = 0;
    uint32_t position_ = 0;
    bool open_ = false;
    bool entry_dirty_ = false;  // size or first cluster differ from the directory entry
    // The last cluster reached by a walk and its index in the chain (0 cluster: none yet).
    uint32_t cursor_cluster_ = 0;
    uint32_t cursor_index_ = 0;
    // Clusters write() allocated that the on-disk chain does not reach yet: fsync() links
    // `unlinked_first_` after `linked_last_` (or into the entry when linked_last_ is 0).
    uint32_t unlinked_first_ = 0;
    uint32_t linked_last_ = 0;
    // The lowest and highest cluster of that tail: when their FAT entries and linked_last_'s
    // share one sector, fsync() writes the link with the tail (that sector is written whole).
    uint32_t tail_low_ = 0;
    uint32_t tail_high_ = 0;
};

class DirectoryIterator {
private:
    friend class FileSystem;
    uint32_t directory_ = 0;
    uint32_t next_index_ = 0;
    bool open_ = false;
};

// The geometry mount() derives from the boot sector.
struct Volume {
    FatType type = FatType::Fat12;
    uint32_t sectors_per_cluster = 0;
    uint32_t cluster_bytes = 0;
    uint32_t cluster_count = 0;  // data clusters, numbered 2 .. cluster_count + 1
    uint32_t fat_start = 0;      // first sector of the first FAT
    uint32_t fat_sectors = 0;
    uint32_t fat_copies = 0;     // how many FATs writes go to
    uint32_t active_fat = 0;     // the FAT reads come from
    uint32_t root_start = 0;     // FAT12/16: first sector of the fixed root directory
    uint32_t root_entries = 0;   // FAT12/16: its slots
    uint32_t root_cluster = 0;   // FAT32: the root directory's first cluster
    uint32_t data_start = 0;     // sector of cluster 2
    uint32_t total_sectors = 0;
    uint32_t fsinfo_sector = 0;  // FAT32; 0 when the volume has none
};

class FileSystem {
public:
    explicit FileSystem(BlockCache& cache) : cache_(cache) {}

    FsError mount();
    FsError unmount();  // sync, then every call but mount() fails with NotMounted
    bool mounted() const { return mounted_; }
    const Volume& volume() const { return volume_; }

    FsError open(std::string_view path, uint32_t flags, File& file);
    FsError close(File& file);  // fsync, then the File is closed even if that failed
    FsError read(File& file, std::span<uint8_t> buffer, uint32_t& bytes_read);
    FsError write(File& file, std::span<const uint8_t> data, uint32_t& bytes_written);
    FsError seek(File& file, uint32_t position);  // past the end: a write there fills zeros
    FsError truncate(File& file, uint32_t size);   // shrinks, or grows with zeros
    FsError fsync(File& file);

    FsError remove(std::string_view path);  // a file
    FsError make_directory(std::string_view path);
    FsError remove_directory(std::string_view path);  // an empty one
    FsError rename(std::string_view from, std::string_view to);  // to must not exist
    FsError stat(std::string_view path, Stat& stat);

    FsError open_directory(std::string_view path, DirectoryIterator& iterator);
    // The next entry, skipping ".", "..", deleted slots and the volume label;
    // EndOfDirectory after the last.
    FsError read_directory(DirectoryIterator& iterator, DirectoryEntry& entry);

    FsError free_space(uint64_t& bytes);
    FsError sync();

    // The time stamped on entries this file system writes (there is no clock here).
    void set_timestamp(uint16_t date, uint16_t time) {
        date_ = date;
        time_ = time;
    }

    // Internals shared by the fat_*.cpp files; not for applications.
    struct NameUnits {
        uint16_t units[kMaxNameUnits] = {};
        uint32_t length = 0;
    };
    struct Lookup;
    struct SlotCursor {
        uint32_t directory = 0;
        uint32_t cluster_index = 0;  // which cluster of the directory `cluster` is
        uint32_t cluster = 0;
    };

private:
    // fat_mount.cpp
    FsError parse_boot_sector(const uint8_t* sector);
    FsError count_free_clusters();
    FsError barrier();  // the cache's sync(): the ordering point
    FsError write_fsinfo();  // the free count and next-free hint, at sync() and unmount()
    // fat_chain.cpp
    bool valid_cluster(uint32_t cluster) const;
    uint64_t fat_offset(uint32_t cluster) const;  // of its entry, in bytes from the FAT's start
    // Whether the FAT entries of clusters low .. high all lie in one sector of each FAT copy.
    bool one_fat_sector(uint32_t low, uint32_t high) const;
    FsError read_fat(uint32_t cluster, uint32_t& value);
    FsError write_fat(uint32_t cluster, uint32_t value);
    bool end_of_chain(uint32_t value) const;
    FsError next_cluster(uint32_t cluster, uint32_t& next, bool& end);
    // Corrupt when the chain from `first` ends before `needed` clusters, or loops within its
    // first `scan` clusters (Brent's algorithm finds a loop in the first n within 3n steps).
    FsError check_chain(uint32_t first, uint32_t needed, uint32_t scan);
    uint32_t directory_scan() const;  // how far a directory's chain is checked
    FsError allocate_cluster(uint32_t& cluster);
    FsError free_chain(uint32_t first);
    FsError zero_cluster(uint32_t cluster);
    uint64_t cluster_sector(uint32_t cluster) const;
    // fat_directory.cpp
    FsError slot_sector(SlotCursor& cursor, uint32_t index, uint64_t& sector, uint32_t& offset);
    FsError access_slots(SlotCursor& cursor, uint32_t first, uint32_t count, uint8_t* slots,
                         bool write);
    FsError read_slot(SlotCursor& cursor, uint32_t index, uint8_t* slot);
    FsError write_slot(SlotCursor& cursor, uint32_t index, const uint8_t* slot);
    FsError next_entry(SlotCursor& cursor, uint32_t& index, DirectoryEntry& entry);
    FsError find(uint32_t directory, const NameUnits& name, DirectoryEntry& entry);
    FsError check_subdirectory(uint32_t parent, uint32_t directory);
    bool directory_end_before(SlotCursor& cursor, uint32_t index);
    FsError find_free_slots(uint32_t directory, uint32_t count, uint32_t& first);
    FsError grow_directory(uint32_t directory);
    FsError create_entry(uint32_t directory, const NameUnits& name, uint8_t attributes,
                         uint32_t first_cluster, uint32_t size, EntryLocation& location);
    FsError clear_entry(const EntryLocation& location);
    FsError rename_in_sector(const EntryLocation& old, const NameUnits& name, bool& renamed);
    FsError update_entry(const EntryLocation& location, uint32_t first_cluster, uint32_t size);
    FsError make_short_name(uint32_t directory, const NameUnits& name, uint8_t short_name[11],
                            bool& needs_long_name);
    FsError short_name_taken(uint32_t directory, const uint8_t short_name[11], bool& taken);
    FsError directory_empty(uint32_t directory, bool& empty);
    // fat_api.cpp
    FsError resolve(std::string_view path, Lookup& lookup);
    uint32_t root_directory() const;
    // fat_file.cpp
    FsError walk(File& file, uint32_t index, uint32_t& cluster, bool& ended);
    FsError file_next(File& file, uint32_t cluster, uint32_t& next, bool& end);
    FsError cluster_for_write(File& file, uint32_t index, uint32_t& cluster);
    FsError write_bytes(File& file, const uint8_t* data, uint32_t length);
    FsError shrink(File& file, uint32_t size);

    BlockCache& cache_;
    Volume volume_;
    bool mounted_ = false;
    uint32_t free_clusters_ = 0;
    uint32_t next_free_hint_ = 2;
    bool fsinfo_dirty_ = false;
    uint16_t date_ = (2026 - 1980) << 9 | 1 << 5 | 1;  // 2026-01-01
    uint16_t time_ = 0;
};

// What resolve() finds: the directory the last component names an entry in, the component
// itself, and the entry when it exists.
struct FileSystem::Lookup {
    uint32_t parent = 0;
    NameUnits name;
    bool found = false;
    bool is_root = false;  // the path was "/"
    DirectoryEntry entry;
};

}  // namespace exos::fat
