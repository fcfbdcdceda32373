// The address space tests' shared part: what Map writes for a frame of the caller's own and
// for a granted one, and the addresses and permission sets the tests use.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernel_test_names.h"
#include "memory/address_space_fast.h"

namespace address_space_test {

constexpr uint64_t kVa = kFreeVa;
constexpr uint64_t kRX = permission::kRead | permission::kExecute;
constexpr uint64_t kRWX = permission::kAll;

// The entry Map writes for a frame of the caller's own (marked so: kPteOwnFrame)...
inline uint64_t leaf(uint64_t pfn, uint64_t permissions) {
    return sv39::Entry::leaf(pfn, address_space::user_pte_flags(permissions)).raw |
           exo::kPteOwnFrame;
}

// ...and for a frame granted to it.
inline uint64_t granted_leaf(uint64_t pfn, uint64_t permissions) {
    return sv39::Entry::leaf(pfn, address_space::user_pte_flags(permissions)).raw;
}

inline uint64_t pfn_of(uint64_t raw) {
    return sv39::Entry{raw}.pfn();
}

}  // namespace address_space_test
