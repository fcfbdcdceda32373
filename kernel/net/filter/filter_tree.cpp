// The merged tree, walked in C++ (filter_tree.h).
#include "net/filter/filter_tree.h"

#include "net/filter/filter_interpreter.h"

namespace exo {
namespace {

void accept(const FilterTree& tree, uint32_t position, Classification& result) {
    const InstalledFilter& installed = tree.installed(position);
    if (installed.filter.shared) {
        result.shared_owners |= uint64_t{1} << installed.owner;
    } else {
        result.exclusive = uint64_t{tree.order[position]} + 1;
    }
}

// The first position in [low, high) whose atom `depth` has a value key not below `key`: the
// values of a group are sorted by native_key, as the compiled binary search compares them.
uint32_t lower_bound(const FilterTree& tree, uint32_t low, uint32_t high, uint32_t depth,
                     uint64_t key) {
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        const abi::FilterAtom& atom = tree.atom(middle, depth);
        if (native_key(atom.value, atom.size) < key) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low;
}

void walk(const FilterTree& tree, uint32_t low, uint32_t high, uint32_t depth,
          const uint8_t* packet, uint64_t length, Classification& result) {
    uint32_t position = low;
    for (; position < high && tree.at(position).atom_count == depth; ++position)
        accept(tree, position, result);
    while (position < high) {
        uint32_t group_end = tree.key_run_end(position, high, depth);
        const abi::FilterAtom& key = tree.atom(position, depth);
        uint32_t field;
        if (read_field(key, packet, length, field)) {
            uint64_t wanted = native_key(field & key.mask, key.size);
            uint32_t child = lower_bound(tree, position, group_end, depth, wanted);
            if (child < group_end) {
                const abi::FilterAtom& found = tree.atom(child, depth);
                if (native_key(found.value, found.size) == wanted) {
                    walk(tree, child, tree.value_run_end(child, group_end, depth), depth + 1,
                         packet, length, result);
                }
            }
        }
        position = group_end;
    }
}

}  // namespace

uint32_t FilterTree::key_run_end(uint32_t position, uint32_t end, uint32_t depth) const {
    const abi::FilterAtom& first = atom(position, depth);
    uint32_t next = position + 1;
    while (next < end && compare_keys(atom(next, depth), first) == 0) ++next;
    return next;
}

uint32_t FilterTree::value_run_end(uint32_t position, uint32_t end, uint32_t depth) const {
    const abi::FilterAtom& first = atom(position, depth);
    uint32_t next = position + 1;
    while (next < end && compare_atoms(atom(next, depth), first) == 0) ++next;
    return next;
}

Classification walk_tree(const FilterTree& tree, const uint8_t* packet, uint64_t length) {
    Classification result;
    walk(tree, 0, tree.count, 0, packet, length, result);
    return result;
}

}  // namespace exo
