// Sv39 walks (Privileged spec 4.3.2), top level first.
#include "memory/page_table.h"

namespace exo {

using sv39::Entry;

Entry* PageTable::walk(uint64_t virtual_address, int target_level, bool create,
                       abi::Error& error) {
    Entry* table = memory_.table(root_pfn_);
    for (int level = sv39::kLevels - 1; level > target_level; --level) {
        Entry& entry = table[sv39::index_at(virtual_address, level)];
        if (entry.is_leaf()) {
            error = abi::Error::AlreadyMapped;  // a larger page already covers this address
            return nullptr;
        }
        if (!entry.valid()) {
            if (!create) {
                error = abi::Error::NotMapped;
                return nullptr;
            }
            std::optional<uint64_t> pfn = memory_.allocate_table();
            if (!pfn) {
                error = abi::Error::NoMemory;
                return nullptr;
            }
            entry = Entry::table(*pfn);
        }
        table = memory_.table(entry.pfn());
    }
    error = abi::Error::Ok;
    return &table[sv39::index_at(virtual_address, target_level)];
}

abi::Error PageTable::map(uint64_t virtual_address, uint64_t pfn, uint64_t flags, int level) {
    abi::Error error;
    Entry* slot = walk(virtual_address, level, true, error);
    if (slot == nullptr) return error;
    if (slot->valid()) return abi::Error::AlreadyMapped;
    *slot = Entry::leaf(pfn, flags);
    return abi::Error::Ok;
}

abi::Error PageTable::map_range(uint64_t virtual_address, uint64_t physical_address,
                                uint64_t size, uint64_t flags) {
    // Counting down what is left (not comparing with an end address) keeps a range that ends at
    // the very top of the address space (the hart page) from wrapping to zero.
    uint64_t remaining = size;
    while (remaining != 0) {
        int level = 0;
        for (int candidate = 2; candidate > 0; --candidate) {
            uint64_t page = sv39::page_size_at(candidate);
            if (((virtual_address | physical_address) & (page - 1)) == 0 && remaining >= page) {
                level = candidate;
                break;
            }
        }
        abi::Error error =
            map(virtual_address, physical_address >> sv39::kPageShift, flags, level);
        if (error != abi::Error::Ok) return error;
        virtual_address += sv39::page_size_at(level);
        physical_address += sv39::page_size_at(level);
        remaining -= sv39::page_size_at(level);
    }
    return abi::Error::Ok;
}

Entry* PageTable::lookup(uint64_t virtual_address, int* level_out) {
    Entry* table = memory_.table(root_pfn_);
    for (int level = sv39::kLevels - 1; level >= 0; --level) {
        Entry& entry = table[sv39::index_at(virtual_address, level)];
        if (!entry.valid()) return nullptr;
        if (entry.is_leaf()) {
            if (level_out) *level_out = level;
            return &entry;
        }
        table = memory_.table(entry.pfn());
    }
    return nullptr;  // a level-0 entry with no R/W/X is malformed; treat it as unmapped
}

}  // namespace exo
