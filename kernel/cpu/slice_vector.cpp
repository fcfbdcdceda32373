// Slot ownership and penalties (see slice_vector.h).
#include "cpu/slice_vector.h"

namespace exo {

void SliceVector::init(uint32_t slots) {
    count_ = slots < kMaxSlots ? slots : kMaxSlots;
    owners_.fill(kNoEnvironment);
    penalties_.fill(0);
    outstanding_ = 0;
}

abi::Error SliceVector::reserve(uint32_t slot, EnvironmentSlot environment) {
    if (slot >= count_) return abi::Error::OutOfRange;
    if (owners_[slot] == environment) return abi::Error::Ok;
    if (owners_[slot] != kNoEnvironment) return abi::Error::Busy;
    owners_[slot] = environment;
    return abi::Error::Ok;
}

abi::Error SliceVector::release(uint32_t slot, EnvironmentSlot environment) {
    if (slot >= count_) return abi::Error::OutOfRange;
    if (owners_[slot] != environment) return abi::Error::NotOwner;
    owners_[slot] = kNoEnvironment;
    return abi::Error::Ok;
}

void SliceVector::release_all(EnvironmentSlot environment) {
    for (uint32_t slot = 0; slot < count_; ++slot) {
        if (owners_[slot] == environment) owners_[slot] = kNoEnvironment;
    }
    if (environment < penalties_.size()) {
        outstanding_ -= penalties_[environment];
        penalties_[environment] = 0;
    }
}

uint32_t SliceVector::owned_by(EnvironmentSlot environment) const {
    uint32_t owned = 0;
    for (uint32_t slot = 0; slot < count_; ++slot) owned += owners_[slot] == environment;
    return owned;
}

void SliceVector::penalize(EnvironmentSlot environment) {
    if (environment < penalties_.size() && penalties_[environment] < 0xffff) {
        ++penalties_[environment];
        ++outstanding_;
    }
}

bool SliceVector::forfeits(EnvironmentSlot environment) {
    if (environment >= penalties_.size() || penalties_[environment] == 0) return false;
    --penalties_[environment];
    --outstanding_;
    return true;
}

uint32_t SliceVector::penalties(EnvironmentSlot environment) const {
    return environment < penalties_.size() ? penalties_[environment] : 0;
}

}  // namespace exo
