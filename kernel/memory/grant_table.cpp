// A small fixed table: grants are few and long-lived, so a linear scan over the live ones is the
// right structure.
#include "memory/grant_table.h"

namespace exo {

const Grant* GrantTable::find(uint64_t pfn, EnvironmentSlot grantee) const {
    for (size_t i = 0; i < count_; ++i) {
        if (grants_[i].pfn == pfn && grants_[i].grantee == grantee) return &grants_[i];
    }
    return nullptr;
}

bool GrantTable::any_for(uint64_t pfn) const {
    for (size_t i = 0; i < count_; ++i) {
        if (grants_[i].pfn == pfn) return true;
    }
    return false;
}

abi::Error GrantTable::add(uint64_t pfn, EnvironmentSlot owner, EnvironmentSlot grantee,
                           uint8_t permissions) {
    if (find(pfn, grantee) != nullptr) return abi::Error::AlreadyExists;
    if (count_ == kCapacity) return abi::Error::TooMany;
    grants_[count_++] = {pfn, owner, grantee, permissions};
    return abi::Error::Ok;
}

void GrantTable::remove_at(size_t index) {
    grants_[index] = grants_[--count_];
    grants_[count_] = Grant{};
}

bool GrantTable::remove(uint64_t pfn, EnvironmentSlot grantee) {
    for (size_t i = 0; i < count_; ++i) {
        if (grants_[i].pfn == pfn && grants_[i].grantee == grantee) {
            remove_at(i);
            return true;
        }
    }
    return false;
}

}  // namespace exo
