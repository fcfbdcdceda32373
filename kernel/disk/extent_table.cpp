// The block ownership table (extent_table.h).
#include "disk/extent_table.h"
#include "register_hygiene.h"

#include <abi/disk.h>

namespace exo {

void ExtentTable::reset(uint64_t capacity, EnvironmentSlot first) {
    extents_ = {};
    capacity_ = capacity;
    if (first != kNoEnvironment && capacity != 0) {
        extents_[0] = {0, capacity, first, kNoEnvironment,
                       abi::disk_rights::kRead | abi::disk_rights::kWrite, false};
    }
}

EXO_KEEPS_USED_REGISTERS
abi::Error ExtentTable::check(EnvironmentSlot slot, uint64_t first, uint64_t sectors,
                              uint8_t rights) const {
    if (sectors == 0) return abi::Error::InvalidArgument;
    if (first >= capacity_ || sectors > capacity_ - first) return abi::Error::OutOfRange;
    for (const Extent& extent : extents_) {
        if (extent.owner == slot && !extent.closing && (extent.rights & rights) == rights &&
            extent.covers(first, sectors)) {
            return abi::Error::Ok;
        }
    }
    return abi::Error::NotOwner;
}

abi::Error ExtentTable::grant(EnvironmentSlot from, EnvironmentSlot to, uint64_t first,
                              uint64_t sectors, uint8_t rights) {
    constexpr uint8_t kAll = abi::disk_rights::kRead | abi::disk_rights::kWrite;
    if (rights == 0 || (rights & ~kAll) != 0 || from == to) return abi::Error::InvalidArgument;
    if (abi::Error error = check(from, first, sectors, rights); error != abi::Error::Ok) {
        return error;
    }
    for (const Extent& extent : extents_) {
        if (extent.owner == to && extent.granter == from && extent.start == first) {
            return abi::Error::AlreadyExists;  // revocation names an extent by its start
        }
    }
    for (Extent& extent : extents_) {
        if (extent.count == 0) {
            extent = {first, sectors, to, from, rights, false};
            return abi::Error::Ok;
        }
    }
    return abi::Error::TooMany;
}

Extent* ExtentTable::find_granted(EnvironmentSlot from, EnvironmentSlot to, uint64_t first) {
    for (Extent& extent : extents_) {
        if (extent.count != 0 && extent.owner == to && extent.granter == from &&
            extent.start == first) {
            return &extent;
        }
    }
    return nullptr;
}

void ExtentTable::remove(Extent& removed) {
    Extent gone = removed;
    removed = {};
    // What its owner granted from within it goes too (the owner's other extents may still
    // cover some of it, but a delegation lives only as long as the extent it came from).
    for (Extent& extent : extents_) {
        if (extent.count != 0 && extent.granter == gone.owner &&
            gone.covers(extent.start, extent.count)) {
            remove(extent);
        }
    }
}

void ExtentTable::forget(EnvironmentSlot slot) {
    for (Extent& extent : extents_) {
        if (extent.count != 0 && (extent.owner == slot || extent.granter == slot)) remove(extent);
    }
}

}  // namespace exo
