// The reference interpreter: a filter's meaning, read straight from its atoms. The compiled code
// must agree with it on every frame (the differential tests hold it to that); the kernel also
// falls back on it, through the tree, while no compiled code is loaded.
#pragma once

#include <abi/net_filter.h>
#include <cstdint>

#include "net/filter/filter.h"

namespace exo {

// Where the transport header starts: 14 + 4 * IHL; 0 when the frame has none (shorter than 15
// bytes, or IHL below 5). Whether the frame is IPv4 is the filter's own atoms' business.
uint64_t transport_start(const uint8_t* packet, uint64_t length);

// The field's number (read big-endian), or false when any of its bytes lies past `length` or
// its base does not exist in this frame: a read past the end never happens.
bool read_field(const abi::FilterAtom& atom, const uint8_t* packet, uint64_t length,
                uint32_t& field);

bool filter_accepts(const Filter& filter, const uint8_t* packet, uint64_t length);

}  // namespace exo
