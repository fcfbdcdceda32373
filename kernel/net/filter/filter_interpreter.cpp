// The reference interpreter (filter_interpreter.h): byte by byte, every read checked.
#include "net/filter/filter_interpreter.h"

namespace exo {

uint64_t transport_start(const uint8_t* packet, uint64_t length) {
    if (length <= abi::packet_field::kIpv4VersionIhl) return 0;
    uint64_t ihl = packet[abi::packet_field::kIpv4VersionIhl] & 0xf;
    if (ihl < 5) return 0;  // RFC 791: the header is at least five words
    return abi::packet_field::kIpv4VersionIhl + 4 * ihl;
}

bool read_field(const abi::FilterAtom& atom, const uint8_t* packet, uint64_t length,
                uint32_t& field) {
    uint64_t start = atom.offset;
    if (atom.base == abi::FilterBase::Transport) {
        uint64_t transport = transport_start(packet, length);
        if (transport == 0) return false;
        start += transport;
    }
    if (start + atom.size > length) return false;
    field = 0;
    for (uint32_t i = 0; i < atom.size; ++i) field = field << 8 | packet[start + i];
    return true;
}

bool filter_accepts(const Filter& filter, const uint8_t* packet, uint64_t length) {
    for (uint32_t i = 0; i < filter.atom_count; ++i) {
        const abi::FilterAtom& atom = filter.atoms[i];
        uint32_t field;
        if (!read_field(atom, packet, length, field) || (field & atom.mask) != atom.value)
            return false;
    }
    return true;
}

}  // namespace exo
