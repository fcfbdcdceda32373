// A packet filter as the kernel keeps it once verified (canonical: atoms sorted, no duplicate),
// and what can be said of filters without a packet: their order in the merged tree, whether two
// are disjoint, which bytes a filter fixes. docs/net-filters.md describes the language.
#pragma once

#include <abi/net_filter.h>
#include <cstdint>
#include <optional>

namespace exo {

struct Filter {
    abi::FilterAtom atoms[abi::kFilterMaxAtoms];
    uint8_t atom_count = 0;
    bool shared = false;
    // Every frame the filter accepts is at least this long: its frame atoms' furthest end, and
    // for a filter that reads the transport header, kMinTransportStart past the furthest end
    // there. The compiled code tests the length once for a whole subtree with it.
    uint16_t required_frame = 0;
    // The furthest end of its transport atoms, from the transport header (0: it reads none).
    uint16_t required_transport = 0;
};

// The value a field has in a register after the load the compiled code uses for it (lbu, lhu,
// lw: little-endian, a 4-byte field sign-extended), given its big-endian number. Byte-swapping
// commutes with AND, so native_key(field & mask) == native_key(field) & native_key(mask): the
// code compares loaded fields with swapped constants instead of swapping each field.
constexpr uint64_t native_key(uint32_t value, uint8_t size) {
    if (size == 1) return value & 0xff;
    if (size == 2) return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
    uint32_t swapped = ((value & 0xff) << 24) | ((value & 0xff00) << 8) |
                       ((value >> 8) & 0xff00) | (value >> 24);
    return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(swapped)));
}

// The order of atoms in a filter and of filters in the tree: base, offset, size and mask (the
// field an atom reads: its key), then the value by native_key, the order the compiled binary
// search compares in. Negative, zero or positive.
int compare_keys(const abi::FilterAtom& a, const abi::FilterAtom& b);
int compare_atoms(const abi::FilterAtom& a, const abi::FilterAtom& b);
// Lexicographic over the atoms; a filter that is a prefix of another comes first.
int compare_filters(const Filter& a, const Filter& b);

// No frame is accepted by both: some byte both constrain, from the same base, has a bit both
// masks cover with different values. Conservative: bytes from different bases may alias (the
// transport header moves with IHL), and a filter that contradicts itself is not looked for.
bool filters_disjoint(const Filter& a, const Filter& b);

// Every frame the filter accepts has the group bit of its destination MAC address set
// (broadcast or multicast, IEEE 802.3 3.2.3): it cannot see another host's unicast traffic.
bool accepts_only_group_frames(const Filter& filter);

// The value the filter requires of a whole byte, when its atoms fix all eight bits of it.
std::optional<uint8_t> exact_byte(const Filter& filter, abi::FilterBase base, uint32_t offset);

// Whether the filter requires IPv4 (the whole ethertype), `protocol` and destination port `port`:
// the traffic it accepts is that port's, and the transmit check lets its owner send from it.
bool requires_port(const Filter& filter, uint8_t protocol, uint16_t port);
// The (protocol, destination port) a filter requires, as requires_port reads it, as one key
// (port_claim_key), or nullopt when it requires no single port.
std::optional<uint32_t> claimed_port(const Filter& filter);
constexpr uint32_t port_claim_key(uint8_t protocol, uint16_t port) {
    return uint32_t{1} << 24 | uint32_t{protocol} << 16 | port;  // never 0
}

}  // namespace exo
