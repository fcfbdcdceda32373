// The path-level operations: resolving "/a/b/c", open and create, remove, mkdir, rmdir, rename,
// stat and directory listing. Each namespace operation ends with a barrier, so it is on disk
// when it returns.
#include <exos/fat.h>

#include "bytes.h"
#include "fat_names.h"

namespace exos::fat {
namespace {

constexpr uint32_t kSlotBytes = 32;

// The clusters "." and ".." hold in a new directory; ".." is 0 when the parent is the root.
void make_dot_slots(uint8_t* slots, uint32_t self, uint32_t parent, uint16_t date,
                    uint16_t time) {
    bytes::fill(slots, 0, 2 * kSlotBytes);
    for (uint32_t which = 0; which < 2; ++which) {
        uint8_t* slot = slots + which * kSlotBytes;
        bytes::copy(slot, which == 0 ? ".          " : "..         ", 11);
        slot[11] = attribute::kDirectory;
        bytes::put16(slot + 14, time);
        bytes::put16(slot + 16, date);
        bytes::put16(slot + 18, date);
        bytes::put16(slot + 22, time);
        bytes::put16(slot + 24, date);
        set_entry_cluster(slot, which == 0 ? self : parent);
    }
}

}  // namespace

uint32_t FileSystem::root_directory() const {
    return volume_.type == FatType::Fat32 ? volume_.root_cluster : 0;
}

FsError FileSystem::resolve(std::string_view path, Lookup& lookup) {
    if (!mounted_)
        return FsError::NotMounted;
    if (path.empty() || path[0] != '/')
        return FsError::InvalidPath;
    lookup.parent = root_directory();
    lookup.found = false;
    lookup.is_root = true;
    size_t at = 0;
    for (;;) {
        while (at < path.size() && path[at] == '/')
            ++at;
        if (at == path.size())
            return FsError::Ok;  // "/" itself, or every component "."
        size_t end = at;
        while (end < path.size() && path[end] != '/')
            ++end;
        std::string_view component(path.data() + at, end - at);
        at = end;
        while (at < path.size() && path[at] == '/')
            ++at;
        bool last = at == path.size();
        if (component == ".") {
            if (last && lookup.is_root)
                return FsError::Ok;
            if (last)
                return FsError::InvalidPath;  // "/a/." would name a but has no parent slot
            continue;
        }
        if (component == "..")
            return FsError::InvalidPath;
        if (lookup.found) {  // the previous component must be a directory to go on
            if (!lookup.entry.stat.is_directory())
                return FsError::NotDirectory;
            EXOS_TRY(check_subdirectory(lookup.parent, lookup.entry.stat.first_cluster));
            lookup.parent = lookup.entry.stat.first_cluster;
        }
        lookup.is_root = false;
        if (names::decode(component, lookup.name) != FsError::Ok)
            return FsError::InvalidName;
        FsError error = find(lookup.parent, lookup.name, lookup.entry);
        if (error == FsError::NotFound && !last)
            return FsError::NotFound;
        if (error != FsError::NotFound)
            EXOS_TRY(error);
        lookup.found = error == FsError::Ok;
        if (last)
            return FsError::Ok;
    }
}

FsError FileSystem::open(std::string_view path, uint32_t flags, File& file) {
    file = File{};
    bool writes = (flags & kWrite) != 0;
    if (!(flags & (kRead | kWrite)) || ((flags & (kTruncate | kAppend)) && !writes))
        return FsError::InvalidArgument;
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root)
        return FsError::IsDirectory;
    if (lookup.found) {
        const Stat& stat = lookup.entry.stat;
        if ((flags & kCreate) && (flags & kExclusive))
            return FsError::AlreadyExists;
        if (stat.is_directory())
            return FsError::IsDirectory;
        if (writes && (stat.attributes & attribute::kReadOnly))
            return FsError::ReadOnly;
        // The chain must hold the size and must not loop; a chain longer than the size is
        // what a cut inside fsync leaves (docs/filesystem.md), and is read as it is.
        uint32_t needed = stat.size == 0 ? 0 : (stat.size - 1) / volume_.cluster_bytes + 1;
        if (stat.first_cluster == 0 && needed > 0)
            return FsError::Corrupt;
        if (stat.first_cluster != 0)
            EXOS_TRY(check_chain(stat.first_cluster, needed, needed * 4 + 4));
        file.entry_ = lookup.entry.location;
        file.first_cluster_ = stat.first_cluster;
        file.size_ = stat.size;
    } else {
        if (!(flags & kCreate))
            return FsError::NotFound;
        if (!writes)
            return FsError::InvalidArgument;
        if (!names::valid_long_name(lookup.name))
            return FsError::InvalidName;
        EXOS_TRY(create_entry(lookup.parent, lookup.name, attribute::kArchive, 0, 0,
                              file.entry_));
        EXOS_TRY(barrier());
    }
    file.flags_ = flags;
    file.open_ = true;
    if ((flags & kTruncate) && file.size_ > 0) {
        FsError error = truncate(file, 0);
        if (error != FsError::Ok) {
            file.open_ = false;
            return error;
        }
    }
    return FsError::Ok;
}

FsError FileSystem::remove(std::string_view path) {
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root)
        return FsError::Busy;
    if (!lookup.found)
        return FsError::NotFound;
    if (lookup.entry.stat.is_directory())
        return FsError::IsDirectory;
    // The entry goes first: a cut then leaves lost clusters, never an entry on freed ones.
    EXOS_TRY(clear_entry(lookup.entry.location));
    EXOS_TRY(barrier());
    if (lookup.entry.stat.first_cluster != 0)
        EXOS_TRY(free_chain(lookup.entry.stat.first_cluster));
    return barrier();
}

FsError FileSystem::make_directory(std::string_view path) {
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root || lookup.found)
        return FsError::AlreadyExists;
    if (!names::valid_long_name(lookup.name))
        return FsError::InvalidName;
    uint32_t cluster = 0;
    EXOS_TRY(allocate_cluster(cluster));
    // The new directory is complete on disk before its parent names it.
    EXOS_TRY(zero_cluster(cluster));
    uint8_t dots[2 * kSlotBytes];
    make_dot_slots(dots, cluster, lookup.parent == root_directory() ? 0 : lookup.parent, date_,
                   time_);
    EXOS_TRY(cache_.write(cluster_sector(cluster), 0, dots, sizeof(dots)));
    EXOS_TRY(barrier());
    EntryLocation location;
    FsError error = create_entry(lookup.parent, lookup.name, attribute::kDirectory, cluster, 0,
                                 location);
    if (error != FsError::Ok) {
        (void)free_chain(cluster);  // nothing names it: give it back
        (void)barrier();
        return error;
    }
    return barrier();
}

FsError FileSystem::remove_directory(std::string_view path) {
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root)
        return FsError::Busy;
    if (!lookup.found)
        return FsError::NotFound;
    if (!lookup.entry.stat.is_directory())
        return FsError::NotDirectory;
    uint32_t cluster = lookup.entry.stat.first_cluster;
    EXOS_TRY(check_subdirectory(lookup.parent, cluster));
    bool empty = false;
    EXOS_TRY(directory_empty(cluster, empty));
    if (!empty)
        return FsError::NotEmpty;
    EXOS_TRY(clear_entry(lookup.entry.location));
    EXOS_TRY(barrier());
    EXOS_TRY(free_chain(cluster));
    return barrier();
}

FsError FileSystem::rename(std::string_view from, std::string_view to) {
    Lookup source;
    EXOS_TRY(resolve(from, source));
    if (source.is_root)
        return FsError::Busy;
    if (!source.found)
        return FsError::NotFound;
    Lookup target;
    EXOS_TRY(resolve(to, target));
    if (target.is_root)
        return FsError::AlreadyExists;
    if (target.found) {
        const EntryLocation& a = source.entry.location;
        const EntryLocation& b = target.entry.location;
        bool same = a.directory == b.directory && a.short_index == b.short_index;
        return same ? FsError::Ok : FsError::AlreadyExists;  // a case-only rename is kept as is
    }
    if (!names::valid_long_name(target.name))
        return FsError::InvalidName;
    const Stat& stat = source.entry.stat;
    bool moves_directory = stat.is_directory() && target.parent != source.parent;
    if (moves_directory) {
        // Not into itself or below: walk up from the target's parent by "..", bounded.
        EXOS_TRY(check_subdirectory(source.parent, stat.first_cluster));
        uint32_t directory = target.parent;
        for (uint32_t step = 0; directory != root_directory(); ++step) {
            if (directory == stat.first_cluster)
                return FsError::Busy;
            if (step > volume_.cluster_count)
                return FsError::Corrupt;
            SlotCursor cursor{directory};
            uint8_t dot_dot[kSlotBytes];
            EXOS_TRY(read_slot(cursor, 1, dot_dot));
            directory = entry_cluster(dot_dot, volume_.type);
            directory = directory == 0 ? root_directory() : directory;
        }
    }
    if (target.parent == source.parent) {
        bool renamed = false;
        EXOS_TRY(rename_in_sector(source.entry.location, target.name, renamed));
        if (renamed)
            return barrier();
    }
    // The new name first, then the old one goes: a cut between leaves both naming the same
    // clusters (docs/filesystem.md), never neither.
    EntryLocation location;
    EXOS_TRY(create_entry(target.parent, target.name, stat.attributes, stat.first_cluster,
                          stat.size, location));
    EXOS_TRY(barrier());
    if (moves_directory) {
        SlotCursor cursor{stat.first_cluster};
        uint8_t dot_dot[kSlotBytes];
        EXOS_TRY(read_slot(cursor, 1, dot_dot));
        set_entry_cluster(dot_dot, target.parent == root_directory() ? 0 : target.parent);
        EXOS_TRY(write_slot(cursor, 1, dot_dot));
        EXOS_TRY(barrier());
    }
    EXOS_TRY(clear_entry(source.entry.location));
    return barrier();
}

FsError FileSystem::stat(std::string_view path, Stat& stat) {
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root) {
        stat = Stat{};
        stat.attributes = attribute::kDirectory;
        stat.first_cluster = root_directory();
        return FsError::Ok;
    }
    if (!lookup.found)
        return FsError::NotFound;
    stat = lookup.entry.stat;
    return FsError::Ok;
}

FsError FileSystem::open_directory(std::string_view path, DirectoryIterator& iterator) {
    iterator = DirectoryIterator{};
    Lookup lookup;
    EXOS_TRY(resolve(path, lookup));
    if (lookup.is_root) {
        iterator.directory_ = root_directory();
    } else {
        if (!lookup.found)
            return FsError::NotFound;
        if (!lookup.entry.stat.is_directory())
            return FsError::NotDirectory;
        EXOS_TRY(check_subdirectory(lookup.parent, lookup.entry.stat.first_cluster));
        iterator.directory_ = lookup.entry.stat.first_cluster;
    }
    iterator.open_ = true;
    return FsError::Ok;
}

FsError FileSystem::read_directory(DirectoryIterator& iterator, DirectoryEntry& entry) {
    if (!mounted_)
        return FsError::NotMounted;
    if (!iterator.open_)
        return FsError::InvalidArgument;
    SlotCursor cursor{iterator.directory_};
    return next_entry(cursor, iterator.next_index_, entry);
}

}  // namespace exos::fat
