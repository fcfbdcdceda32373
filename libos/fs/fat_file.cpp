// Files: reading, writing, seeking, truncating and fsync. write() allocates clusters as an
// unlinked tail that no directory entry or chain reaches; fsync() puts data and that tail on
// disk, then links it, then records the size (docs/filesystem.md, "Write ordering").
#include <exos/fat.h>

#include "bytes.h"

namespace exos::fat {
namespace {

constexpr uint8_t kZeros[kBlockSize] = {};

}  // namespace

FsError FileSystem::file_next(File& file, uint32_t cluster, uint32_t& next, bool& end) {
    if (file.unlinked_first_ != 0 && cluster == file.linked_last_) {
        next = file.unlinked_first_;
        end = false;
        return FsError::Ok;
    }
    return next_cluster(cluster, next, end);
}

FsError FileSystem::walk(File& file, uint32_t index, uint32_t& cluster, bool& ended) {
    ended = false;
    if (file.first_cluster_ == 0) {
        ended = true;
        cluster = 0;
        return FsError::Ok;
    }
    uint32_t current = file.first_cluster_;
    uint32_t at = 0;
    if (file.cursor_cluster_ != 0 && file.cursor_index_ <= index) {
        current = file.cursor_cluster_;
        at = file.cursor_index_;
    }
    if (!valid_cluster(current))
        return FsError::Corrupt;
    while (at < index) {
        if (at >= volume_.cluster_count)
            return FsError::Corrupt;  // longer than the volume: a loop
        uint32_t next = 0;
        bool end = false;
        EXOS_TRY(file_next(file, current, next, end));
        if (end) {
            ended = true;
            break;
        }
        current = next;
        ++at;
    }
    file.cursor_cluster_ = current;
    file.cursor_index_ = at;
    cluster = current;
    return FsError::Ok;
}

FsError FileSystem::cluster_for_write(File& file, uint32_t index, uint32_t& cluster) {
    uint32_t last = 0;
    bool ended = false;
    EXOS_TRY(walk(file, index, last, ended));
    if (!ended) {
        cluster = last;
        return FsError::Ok;
    }
    uint32_t count = file.first_cluster_ == 0 ? 0 : file.cursor_index_ + 1;
    while (count <= index) {
        uint32_t added = 0;
        EXOS_TRY(allocate_cluster(added));
        if (file.first_cluster_ == 0) {
            file.first_cluster_ = added;  // the entry gets it at fsync
            file.unlinked_first_ = added;
            file.linked_last_ = 0;
            file.entry_dirty_ = true;
        } else if (file.unlinked_first_ == 0) {
            file.unlinked_first_ = added;  // the on-disk chain still ends at `last`
            file.linked_last_ = last;
        } else {
            EXOS_TRY(write_fat(last, added));  // within the tail nothing on disk reaches yet
        }
        bool first_of_tail = file.unlinked_first_ == added;
        file.tail_low_ = first_of_tail || added < file.tail_low_ ? added : file.tail_low_;
        file.tail_high_ = first_of_tail || added > file.tail_high_ ? added : file.tail_high_;
        last = added;
        file.cursor_cluster_ = added;
        file.cursor_index_ = count++;
    }
    cluster = last;
    return FsError::Ok;
}

FsError FileSystem::write_bytes(File& file, const uint8_t* data, uint32_t length) {
    while (length > 0) {
        uint32_t within = file.position_ % volume_.cluster_bytes;
        uint32_t cluster = 0;
        EXOS_TRY(cluster_for_write(file, file.position_ / volume_.cluster_bytes, cluster));
        uint64_t sector = cluster_sector(cluster) + within / kBlockSize;
        uint32_t offset = within % kBlockSize;
        uint32_t chunk = kBlockSize - offset < length ? kBlockSize - offset : length;
        uint32_t whole = length / kBlockSize;
        uint32_t to_cluster_end = (volume_.cluster_bytes - within) / kBlockSize;
        if (offset == 0 && data != nullptr && whole > 1) {
            // Whole blocks to the cluster's end (or as many as given) in one device write.
            chunk = (whole < to_cluster_end ? whole : to_cluster_end) * kBlockSize;
            EXOS_TRY(cache_.write_blocks(sector, chunk / kBlockSize, data));
        } else {
            EXOS_TRY(cache_.write(sector, offset, data != nullptr ? data : kZeros, chunk));
        }
        file.position_ += chunk;
        length -= chunk;
        data = data != nullptr ? data + chunk : nullptr;
        if (file.position_ > file.size_) {
            file.size_ = file.position_;
            file.entry_dirty_ = true;
        }
    }
    return FsError::Ok;
}

FsError FileSystem::read(File& file, std::span<uint8_t> buffer, uint32_t& bytes_read) {
    bytes_read = 0;
    if (!mounted_)
        return FsError::NotMounted;
    if (!file.open_ || !(file.flags_ & kRead))
        return FsError::InvalidArgument;
    uint32_t left = file.position_ >= file.size_ ? 0 : file.size_ - file.position_;
    uint32_t wanted = buffer.size() < left ? static_cast<uint32_t>(buffer.size()) : left;
    while (bytes_read < wanted) {
        uint32_t within = file.position_ % volume_.cluster_bytes;
        uint32_t cluster = 0;
        bool ended = false;
        EXOS_TRY(walk(file, file.position_ / volume_.cluster_bytes, cluster, ended));
        if (ended)
            return FsError::Corrupt;  // the chain is shorter than the size says
        uint32_t offset = within % kBlockSize;
        uint32_t chunk = kBlockSize - offset < wanted - bytes_read ? kBlockSize - offset
                                                                   : wanted - bytes_read;
        uint64_t sector = cluster_sector(cluster) + within / kBlockSize;
        // Whole blocks to the cluster's end (or as many as wanted) in one device read.
        uint32_t whole = (wanted - bytes_read) / kBlockSize;
        uint32_t to_cluster_end = (volume_.cluster_bytes - within) / kBlockSize;
        if (offset == 0 && whole > 1) {
            chunk = (whole < to_cluster_end ? whole : to_cluster_end) * kBlockSize;
            EXOS_TRY(cache_.read_blocks(sector, chunk / kBlockSize, buffer.data() + bytes_read));
        } else {
            EXOS_TRY(cache_.read(sector, offset, buffer.data() + bytes_read, chunk));
        }
        file.position_ += chunk;
        bytes_read += chunk;
    }
    return FsError::Ok;
}

FsError FileSystem::write(File& file, std::span<const uint8_t> data, uint32_t& bytes_written) {
    bytes_written = 0;
    if (!mounted_)
        return FsError::NotMounted;
    if (!file.open_)
        return FsError::InvalidArgument;
    if (!(file.flags_ & kWrite))
        return FsError::ReadOnly;
    if (file.flags_ & kAppend)
        file.position_ = file.size_;
    if (data.size() > kMaxFileSize - file.position_)
        return FsError::FileTooLarge;
    if (file.position_ > file.size_) {  // a seek past the end: the gap reads as zeros
        uint32_t target = file.position_;
        file.position_ = file.size_;
        EXOS_TRY(write_bytes(file, nullptr, target - file.size_));
    }
    uint32_t start = file.position_;
    FsError error = write_bytes(file, data.data(), static_cast<uint32_t>(data.size()));
    bytes_written = file.position_ - start;
    return error;
}

FsError FileSystem::seek(File& file, uint32_t position) {
    if (!file.open_)
        return FsError::InvalidArgument;
    file.position_ = position;
    return FsError::Ok;
}

FsError FileSystem::fsync(File& file) {
    if (!mounted_)
        return FsError::NotMounted;
    if (!file.open_)
        return FsError::InvalidArgument;
    // 1. Data and the tail's FAT entries: nothing on disk reaches them yet. When the link's FAT
    //    entry shares its sector with every entry of the tail (an append of a few clusters
    //    allocated in order), the link goes with them: that sector is written whole, so no cut
    //    shows the link without the tail's entries, and a cut before the data is in leaves a
    //    chain longer than the size (fsck.fat truncates it back to the last synced size, and
    //    the clusters past it are lost ones), as between steps 2 and 3 below.
    bool linking = file.unlinked_first_ != 0 && file.linked_last_ != 0;
    bool link_now =
        linking && one_fat_sector(file.tail_low_ < file.linked_last_ ? file.tail_low_
                                                                     : file.linked_last_,
                                  file.tail_high_ > file.linked_last_ ? file.tail_high_
                                                                      : file.linked_last_);
    if (link_now)
        EXOS_TRY(write_fat(file.linked_last_, file.unlinked_first_));
    EXOS_TRY(barrier());
    // 2. Otherwise the chain reaches the tail now (a cut here: a chain longer than the size,
    //    which fsck.fat truncates back to the last synced size).
    if (linking && !link_now) {
        EXOS_TRY(write_fat(file.linked_last_, file.unlinked_first_));
        EXOS_TRY(barrier());
    }
    file.unlinked_first_ = 0;
    file.linked_last_ = 0;
    // 3. The entry: first cluster and size in one 32-byte slot, so one sector write.
    if (file.entry_dirty_) {
        EXOS_TRY(update_entry(file.entry_, file.first_cluster_, file.size_));
        EXOS_TRY(barrier());
        file.entry_dirty_ = false;
    }
    return FsError::Ok;
}

FsError FileSystem::close(File& file) {
    if (!file.open_)
        return FsError::InvalidArgument;
    FsError result = (file.flags_ & kWrite) ? fsync(file) : FsError::Ok;
    file.open_ = false;
    return result;
}

FsError FileSystem::shrink(File& file, uint32_t size) {
    EXOS_TRY(fsync(file));  // the chain and entry on disk match the file before it shrinks
    uint32_t keep = size == 0 ? 0 : (size - 1) / volume_.cluster_bytes + 1;
    uint32_t cut_from = 0;  // the first cluster to free
    if (keep == 0) {
        cut_from = file.first_cluster_;
        file.first_cluster_ = 0;
    } else {
        uint32_t last = 0;
        bool ended = false;
        EXOS_TRY(walk(file, keep - 1, last, ended));
        if (ended)
            return FsError::Corrupt;
        bool end = false;
        EXOS_TRY(next_cluster(last, cut_from, end));
        cut_from = end ? 0 : cut_from;
        // The entry shrinks first; a cut then leaves a chain longer than the size (lost
        // clusters to fsck.fat), never a chain shorter than the size.
        EXOS_TRY(update_entry(file.entry_, file.first_cluster_, size));
        EXOS_TRY(barrier());
        if (cut_from != 0) {
            EXOS_TRY(write_fat(last, 0x0fffffff));
            EXOS_TRY(barrier());
        }
    }
    if (keep == 0) {
        EXOS_TRY(update_entry(file.entry_, 0, 0));
        EXOS_TRY(barrier());
    }
    file.size_ = size;
    file.cursor_cluster_ = 0;
    file.cursor_index_ = 0;
    if (cut_from != 0)
        EXOS_TRY(free_chain(cut_from));
    return barrier();
}

FsError FileSystem::truncate(File& file, uint32_t size) {
    if (!mounted_)
        return FsError::NotMounted;
    if (!file.open_)
        return FsError::InvalidArgument;
    if (!(file.flags_ & kWrite))
        return FsError::ReadOnly;
    if (size < file.size_)
        return shrink(file, size);
    if (size > file.size_) {
        uint32_t position = file.position_;
        file.position_ = file.size_;
        FsError error = write_bytes(file, nullptr, size - file.size_);
        file.position_ = position;
        return error;
    }
    return FsError::Ok;
}

}  // namespace exos::fat
