// The verifier: what a library OS's PacketFilter must satisfy before the kernel keeps it, and
// its canonical form (docs/net-filters.md, "The verifier's rules"). It reads a kernel copy of
// the filter (copied once from the caller), so nothing changes under it.
#pragma once

#include <abi/net_filter.h>
#include <abi/syscall.h>
#include <cstdint>

#include "net/filter/filter.h"

namespace exo {

// The first rule a filter breaks; every one is abi::Error::InvalidArgument to the caller.
enum class FilterFault : uint8_t {
    None = 0,
    AtomCount,             // 0 atoms, or more than kFilterMaxAtoms
    Flags,                 // a flag bit with no meaning
    Reserved,              // the reserved word is not 0
    Base,                  // neither Frame nor Transport
    Size,                  // not 1, 2 or 4
    Offset,                // the field ends past the longest frame (from its base's nearest start)
    Mask,                  // 0, or bits beyond the field's size
    ValueOutsideMask,      // value has a bit the mask does not cover
    TransportWithoutIpv4,  // reads the transport header without requiring the IPv4 ethertype
};

const char* to_string(FilterFault fault);

// Checks `filter` and, when it passes, writes its canonical form to `out` (atoms in
// compare_atoms order, duplicates dropped, the required lengths computed).
FilterFault verify_filter(const abi::PacketFilter& filter, Filter& out);

}  // namespace exo
