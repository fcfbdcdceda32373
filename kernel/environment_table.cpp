// Environment slots and generation-checked ids.
#include "environment.h"

namespace exo {

Environment* EnvironmentTable::allocate() {
    for (size_t slot = 0; slot < kMaxEnvironments; ++slot) {
        if (slots_[slot].live) continue;
        // Generations start at 1 and skip 0 on wrap-around, so no id is ever 0 or reused soon.
        uint32_t generation = generations_[slot] + 1;
        if (generation == 0) generation = 1;
        generations_[slot] = generation;
        slots_[slot] = Environment{};
        slots_[slot].id = (uint64_t{generation} << 16) | (slot + 1);
        slots_[slot].live = true;
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
}

size_t EnvironmentTable::live_count() const {
    size_t count = 0;
    for (const Environment& environment : slots_) count += environment.live;
    return count;
}

}  // namespace exo
