// copy_from_user (see user_copy.h).
#include "user_copy.h"

#include <abi/shared_info.h>

namespace exo {

abi::Error copy_from_user(KernelState& state, const Environment& environment, uint64_t source,
                          void* destination, size_t size) {
    if (source >= abi::kUserTop || size > abi::kUserTop - source) return abi::Error::BadAddress;
    MemorySystem memory = state.memory();
    auto* out = static_cast<std::byte*>(destination);
    while (size > 0) {
        sv39::Entry entry{address_space::read_entry(memory, environment.space, source)};
        constexpr uint64_t kNeeded = sv39::pte::kValid | sv39::pte::kUser | sv39::pte::kRead;
        if ((entry.raw & kNeeded) != kNeeded) return abi::Error::BadAddress;
        uint64_t offset = source & (sv39::kPageSize - 1);
        uint64_t chunk = sv39::kPageSize - offset < size ? sv39::kPageSize - offset : size;
        const std::byte* from = state.physical->frame(entry.pfn()) + offset;
        for (uint64_t i = 0; i < chunk; ++i) out[i] = from[i];
        out += chunk;
        source += chunk;
        size -= chunk;
    }
    return abi::Error::Ok;
}

}  // namespace exo
