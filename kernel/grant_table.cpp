// A small fixed table: grants are few and long-lived, so a linear scan is the right structure.
#include "grant_table.h"

namespace exo {

const Grant* GrantTable::find(uint64_t pfn, EnvironmentSlot grantee) const {
    for (const Grant& grant : grants_) {
        if (grant.owner != kNoEnvironment && grant.pfn == pfn && grant.grantee == grantee) {
            return &grant;
        }
    }
    return nullptr;
}

bool GrantTable::any_for(uint64_t pfn) const {
    for (const Grant& grant : grants_) {
        if (grant.owner != kNoEnvironment && grant.pfn == pfn) return true;
    }
    return false;
}

abi::Error GrantTable::add(uint64_t pfn, EnvironmentSlot owner, EnvironmentSlot grantee,
                           uint8_t permissions) {
    if (find(pfn, grantee) != nullptr) return abi::Error::AlreadyExists;
    for (Grant& grant : grants_) {
        if (grant.owner == kNoEnvironment) {
            grant = {pfn, owner, grantee, permissions};
            ++count_;
            return abi::Error::Ok;
        }
    }
    return abi::Error::TooMany;
}

bool GrantTable::remove(uint64_t pfn, EnvironmentSlot grantee) {
    for (Grant& grant : grants_) {
        if (grant.owner != kNoEnvironment && grant.pfn == pfn && grant.grantee == grantee) {
            grant = Grant{};
            --count_;
            return true;
        }
    }
    return false;
}

}  // namespace exo
