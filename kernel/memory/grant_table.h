// Grants: an owner's permission for another environment to map one of its frames.
#pragma once

#include <abi/syscall.h>
#include <array>
#include <cstdint>

#include "memory/frame_table.h"

namespace exo {

struct Grant {
    uint64_t pfn = 0;
    EnvironmentSlot owner = kNoEnvironment;
    EnvironmentSlot grantee = kNoEnvironment;
    uint8_t permissions = 0;  // abi::permission bits
};

class GrantTable {
public:
    static constexpr size_t kCapacity = 256;

    const Grant* find(uint64_t pfn, EnvironmentSlot grantee) const;
    bool any_for(uint64_t pfn) const;
    // Adds a grant; the caller has checked ownership and permissions.
    abi::Error add(uint64_t pfn, EnvironmentSlot owner, EnvironmentSlot grantee,
                   uint8_t permissions);
    bool remove(uint64_t pfn, EnvironmentSlot grantee);
    size_t count() const { return count_; }

    // Calls visit(grant) for each grant, and removes it if visit returns true.
    template <typename Visit>
    void remove_if(Visit&& visit) {
        for (size_t i = 0; i < count_;) {
            if (visit(grants_[i])) {
                remove_at(i);  // the last grant moved into place i: look at it next
            } else {
                ++i;
            }
        }
    }
    template <typename Visit>
    void for_each(Visit&& visit) const {
        for (size_t i = 0; i < count_; ++i) visit(grants_[i]);
    }

private:
    void remove_at(size_t index);

    // Dense: the live grants are grants_[0, count_), so every scan (FrameFree's among them) costs
    // what the grants in use cost, not the capacity.
    std::array<Grant, kCapacity> grants_{};
    size_t count_ = 0;
};

}  // namespace exo
