// The installed filters merged into one decision tree, DPF's trie: filters kept in
// compare_filters order, so every subtree is a run of that order. A node is the run of filters
// that share their first `depth` atoms: those with no atom left accept there; the others fall in
// groups by the key (base, offset, size, mask) of their next atom, and a group dispatches on that
// field's value to one child run per value. Shared prefixes are tested once, and a group with
// many values is a binary search, so a frame's cost grows with the tree's depth, not with the
// number of filters. The compiler (filter_compiler.h) emits exactly this walk; walk_tree runs it
// in C++ (the fallback while no code is loaded, and the tests' middle step).
#pragma once

#include <cstdint>

#include "memory/frame_table.h"
#include "net/filter/filter.h"
#include "net/filter/filter_code.h"

namespace exo {

struct InstalledFilter {
    Filter filter;
    EnvironmentSlot owner = kNoEnvironment;  // kNoEnvironment: the entry is free
    uint16_t generation = 0;                 // counts the entry's uses; part of the FilterId
};

struct FilterTree {
    const InstalledFilter* filters;  // by table index
    const uint16_t* order;           // table indices, in compare_filters order
    uint32_t count;

    const InstalledFilter& installed(uint32_t position) const { return filters[order[position]]; }
    const Filter& at(uint32_t position) const { return installed(position).filter; }
    const abi::FilterAtom& atom(uint32_t position, uint32_t depth) const {
        return at(position).atoms[depth];
    }
    // The end of the run from `position` (below `end`) whose atom `depth` has the same key
    // (a group), or the same key and value (a child).
    uint32_t key_run_end(uint32_t position, uint32_t end, uint32_t depth) const;
    uint32_t value_run_end(uint32_t position, uint32_t end, uint32_t depth) const;
};

// What the tree decides for a frame: equal to every installed filter's filter_accepts (while
// exclusive filters are disjoint, as PacketFilters keeps them).
Classification walk_tree(const FilterTree& tree, const uint8_t* packet, uint64_t length);

}  // namespace exo
