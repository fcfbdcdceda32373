// Filters without a packet: order, disjointness, fixed bytes (filter.h).
#include "net/filter/filter.h"

namespace exo {
namespace {

template <typename T>
int three_way(T a, T b) {
    return a < b ? -1 : (a > b ? 1 : 0);
}

// Byte k (0 = the first, most significant) of a big-endian field's number.
constexpr uint8_t field_byte(uint32_t number, uint8_t size, uint32_t k) {
    return static_cast<uint8_t>(number >> (8 * (size - 1 - k)));
}

// What an atom asks of the byte at `offset` from its base, if it covers it.
bool atom_byte(const abi::FilterAtom& atom, abi::FilterBase base, uint32_t offset,
               uint8_t& mask, uint8_t& value) {
    if (atom.base != base || offset < atom.offset || offset >= uint32_t{atom.offset} + atom.size)
        return false;
    uint32_t k = offset - atom.offset;
    mask = field_byte(atom.mask, atom.size, k);
    value = field_byte(atom.value, atom.size, k);
    return true;
}

}  // namespace

int compare_keys(const abi::FilterAtom& a, const abi::FilterAtom& b) {
    if (a.base != b.base)
        return three_way(static_cast<uint8_t>(a.base), static_cast<uint8_t>(b.base));
    if (a.offset != b.offset) return three_way(a.offset, b.offset);
    if (a.size != b.size) return three_way(a.size, b.size);
    return three_way(a.mask, b.mask);
}

int compare_atoms(const abi::FilterAtom& a, const abi::FilterAtom& b) {
    if (int keys = compare_keys(a, b); keys != 0) return keys;
    return three_way(native_key(a.value, a.size), native_key(b.value, b.size));
}

int compare_filters(const Filter& a, const Filter& b) {
    uint32_t common = a.atom_count < b.atom_count ? a.atom_count : b.atom_count;
    for (uint32_t i = 0; i < common; ++i) {
        if (int order = compare_atoms(a.atoms[i], b.atoms[i]); order != 0) return order;
    }
    return three_way(a.atom_count, b.atom_count);
}

bool filters_disjoint(const Filter& a, const Filter& b) {
    for (uint32_t i = 0; i < a.atom_count; ++i) {
        const abi::FilterAtom& atom = a.atoms[i];
        for (uint32_t k = 0; k < atom.size; ++k) {
            uint32_t offset = atom.offset + k;
            uint8_t mask = field_byte(atom.mask, atom.size, k);
            uint8_t value = field_byte(atom.value, atom.size, k);
            for (uint32_t j = 0; j < b.atom_count; ++j) {
                uint8_t other_mask, other_value;
                if (!atom_byte(b.atoms[j], atom.base, offset, other_mask, other_value)) continue;
                if ((mask & other_mask & (value ^ other_value)) != 0) return true;
            }
        }
    }
    return false;
}

bool accepts_only_group_frames(const Filter& filter) {
    for (uint32_t i = 0; i < filter.atom_count; ++i) {
        uint8_t mask, value;
        if (atom_byte(filter.atoms[i], abi::FilterBase::Frame, abi::packet_field::kDestinationMac,
                      mask, value) &&
            (mask & value & 1) != 0)
            return true;
    }
    return false;
}

std::optional<uint8_t> exact_byte(const Filter& filter, abi::FilterBase base, uint32_t offset) {
    uint8_t known = 0, bits = 0;
    for (uint32_t i = 0; i < filter.atom_count; ++i) {
        uint8_t mask, value;
        if (!atom_byte(filter.atoms[i], base, offset, mask, value)) continue;
        // Two atoms asking different values of one bit: nothing matches; no byte is required.
        if ((known & mask & (bits ^ value)) != 0) return std::nullopt;
        known |= mask;
        bits |= value;
    }
    if (known != 0xff) return std::nullopt;
    return bits;
}

bool requires_port(const Filter& filter, uint8_t protocol, uint16_t port) {
    using abi::FilterBase;
    namespace field = abi::packet_field;
    auto is = [&](FilterBase base, uint32_t offset, uint8_t expected) {
        std::optional<uint8_t> byte = exact_byte(filter, base, offset);
        return byte && *byte == expected;
    };
    return is(FilterBase::Frame, field::kEthertype, abi::ethertype::kIpv4 >> 8) &&
           is(FilterBase::Frame, field::kEthertype + 1, abi::ethertype::kIpv4 & 0xff) &&
           is(FilterBase::Frame, field::kIpv4Protocol, protocol) &&
           is(FilterBase::Transport, field::kDestinationPort, static_cast<uint8_t>(port >> 8)) &&
           is(FilterBase::Transport, field::kDestinationPort + 1, static_cast<uint8_t>(port));
}

std::optional<uint32_t> claimed_port(const Filter& filter) {
    using abi::FilterBase;
    namespace field = abi::packet_field;
    std::optional<uint8_t> protocol = exact_byte(filter, FilterBase::Frame, field::kIpv4Protocol);
    std::optional<uint8_t> high =
        exact_byte(filter, FilterBase::Transport, field::kDestinationPort);
    std::optional<uint8_t> low =
        exact_byte(filter, FilterBase::Transport, field::kDestinationPort + 1);
    if (!protocol || !high || !low) return std::nullopt;
    const auto port = static_cast<uint16_t>(*high << 8 | *low);
    if (!requires_port(filter, *protocol, port)) return std::nullopt;  // the ethertype too
    return port_claim_key(*protocol, port);
}

}  // namespace exo
