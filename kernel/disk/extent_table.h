// Block ownership: which environment may read or write which sectors (Xok's XN, without
// templates: the disk's blocks are named by number and owned in extents).
//
// The first environment owns the whole disk. An owner delegates part of an extent to a child
// (DiskExtentGrant) with the same or fewer rights; it keeps its own. It revokes visibly
// (DiskExtentRevoke): the extent closes at once to new requests, stays until the child's
// requests in flight on it have finished (the caller hears Busy and asks again), then goes, with
// whatever the child granted from it, and the child is told (event::kDiskExtentRevoked).
// Read-only sharing is a grant of kRead to several children.
#pragma once

#include <abi/syscall.h>
#include <array>
#include <cstdint>

#include "memory/frame_table.h"

namespace exo {

struct Extent {
    uint64_t start = 0;
    uint64_t count = 0;  // 0: the entry is unused
    EnvironmentSlot owner = kNoEnvironment;
    EnvironmentSlot granter = kNoEnvironment;  // kNoEnvironment: the whole disk, at boot
    uint8_t rights = 0;                        // abi::disk_rights
    bool closing = false;                      // being revoked: no new request uses it

    bool covers(uint64_t first, uint64_t sectors) const {
        return count != 0 && first >= start && sectors <= count && first - start <= count - sectors;
    }
    bool overlaps(uint64_t first, uint64_t sectors) const {
        return count != 0 && first < start + count && start < first + sectors;
    }
};

class ExtentTable {
public:
    static constexpr size_t kMaxExtents = 128;

    // Forgets every extent; `first` (if any) owns [0, capacity) with every right.
    void reset(uint64_t capacity, EnvironmentSlot first);
    uint64_t capacity() const { return capacity_; }

    // Ok when [first, first + sectors) lies within one open extent of `slot` with `rights`;
    // OutOfRange past the disk's end, NotOwner otherwise. sectors == 0 is InvalidArgument.
    abi::Error check(EnvironmentSlot slot, uint64_t first, uint64_t sectors, uint8_t rights) const;

    // `from` gives `to` [first, first + sectors) with `rights`, from within one of its own open
    // extents that has those rights.
    abi::Error grant(EnvironmentSlot from, EnvironmentSlot to, uint64_t first, uint64_t sectors,
                     uint8_t rights);

    // Revokes the extent starting at `first` that `from` granted `to`. `busy(start, count)` says
    // whether `to` has requests in flight on those sectors: then the extent only closes and the
    // answer is Busy (ask again). Else it goes, with every extent granted from within it.
    template <typename InFlight>
    abi::Error revoke(EnvironmentSlot from, EnvironmentSlot to, uint64_t first, InFlight&& busy) {
        Extent* extent = find_granted(from, to, first);
        if (extent == nullptr) return abi::Error::NotOwner;
        extent->closing = true;
        if (busy(extent->start, extent->count)) return abi::Error::Busy;
        remove(*extent);
        return abi::Error::Ok;
    }

    // Every extent `slot` owns, and every extent granted from them, goes (its environment ended).
    void forget(EnvironmentSlot slot);

    const std::array<Extent, kMaxExtents>& extents() const { return extents_; }

private:
    Extent* find_granted(EnvironmentSlot from, EnvironmentSlot to, uint64_t first);
    void remove(Extent& extent);  // and, recursively, what its owner granted from within it

    uint64_t capacity_ = 0;
    std::array<Extent, kMaxExtents> extents_{};
};

}  // namespace exo
