// Environment slots and generation-checked ids.
#include "environments/environment.h"

namespace exo {

namespace {
// Stand-ins for absent environments, read only as a gate. Index 0 holds 1 and every other
// unused index 0: an id that selects index i has (id & 63) == i, so it can equal neither.
constexpr uint64_t kNeverAccepts[2] = {0, 1};

uint64_t absent(size_t index) {
    return reinterpret_cast<uint64_t>(&kNeverAccepts[index == 0 ? 1 : 0]);
}
}  // namespace

void EnvironmentTable::attach_directory(uint64_t* directory) {
    directory_ = directory;
    for (size_t index = 0; index < kDirectorySize; ++index) directory_[index] = absent(index);
    for (size_t slot = 0; slot < kMaxEnvironments; ++slot) {
        if (slots_[slot].live)
            directory_[directory_index(slot)] = reinterpret_cast<uint64_t>(&slots_[slot]);
    }
}

Environment* EnvironmentTable::allocate() {
    for (size_t slot = 0; slot < kMaxEnvironments; ++slot) {
        if (slots_[slot].live) continue;
        // Generations start at 1 and skip 0 on wrap-around, so no id is ever 0 or reused soon.
        uint32_t generation = generations_[slot] + 1;
        if (generation == 0) generation = 1;
        generations_[slot] = generation;
        slots_[slot] = Environment{};
        slots_[slot].upcall.frame = &slots_[slot].upcall_frame;
        slots_[slot].id = (uint64_t{generation} << 16) | (slot + 1);
        slots_[slot].live = true;
        live_mask_ |= uint64_t{1} << slot;
        if (directory_)
            directory_[directory_index(slot)] = reinterpret_cast<uint64_t>(&slots_[slot]);
        return &slots_[slot];
    }
    return nullptr;
}

Environment* EnvironmentTable::find(EnvironmentId id) {
    uint64_t slot_number = id & 0xffff;
    if (slot_number == 0 || slot_number > kMaxEnvironments) return nullptr;
    Environment& environment = slots_[slot_number - 1];
    return environment.live && environment.id == id ? &environment : nullptr;
}

void EnvironmentTable::release(Environment& environment) {
    environment.live = false;
    environment.id = 0;
    // A gate that equals no id, the released one's 0 included: nothing takes this slot's
    // environment for an idle one (the trap vector's timer path compares gate and id).
    environment.gate = gate::kDead;
    size_t slot = static_cast<size_t>(&environment - slots_.data());
    live_mask_ &= ~(uint64_t{1} << slot);
    if (directory_) directory_[directory_index(slot)] = absent(directory_index(slot));
}

size_t EnvironmentTable::live_count() const {
    size_t count = 0;
    for (uint64_t mask = live_mask_; mask != 0; mask &= mask - 1) ++count;
    return count;
}

}  // namespace exo
