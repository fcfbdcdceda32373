// The verifier's rules, each checked before anything is kept (filter_verifier.h).
#include "net/filter/filter_verifier.h"

namespace exo {
namespace {

using abi::FilterAtom;
using abi::FilterBase;

FilterFault check_atom(const FilterAtom& atom) {
    if (atom.base != FilterBase::Frame && atom.base != FilterBase::Transport)
        return FilterFault::Base;
    if (atom.size != 1 && atom.size != 2 && atom.size != 4) return FilterFault::Size;
    // A transport header starts kMinTransportStart bytes in at the earliest, so a field there
    // can reach no further into the longest frame than that allows.
    uint32_t limit = atom.base == FilterBase::Frame
                         ? abi::kMaxFrameBytes
                         : abi::kMaxFrameBytes - abi::kMinTransportStart;
    if (uint32_t{atom.offset} + atom.size > limit) return FilterFault::Offset;
    uint64_t field_bits = (uint64_t{1} << (8 * atom.size)) - 1;
    if (atom.mask == 0 || (atom.mask & ~field_bits) != 0) return FilterFault::Mask;
    if ((atom.value & ~atom.mask) != 0) return FilterFault::ValueOutsideMask;
    return FilterFault::None;
}

// Inserts `atom` at its place in out.atoms (insertion sort: at most 16), unless already there.
void insert_sorted(Filter& out, const FilterAtom& atom) {
    uint32_t at = out.atom_count;
    while (at > 0) {
        int order = compare_atoms(out.atoms[at - 1], atom);
        if (order == 0) return;
        if (order < 0) break;
        --at;
    }
    for (uint32_t i = out.atom_count; i > at; --i) out.atoms[i] = out.atoms[i - 1];
    out.atoms[at] = atom;
    ++out.atom_count;
}

}  // namespace

const char* to_string(FilterFault fault) {
    switch (fault) {
    case FilterFault::None: return "none";
    case FilterFault::AtomCount: return "atom count";
    case FilterFault::Flags: return "unknown flags";
    case FilterFault::Reserved: return "reserved not zero";
    case FilterFault::Base: return "unknown base";
    case FilterFault::Size: return "field size";
    case FilterFault::Offset: return "field past the longest frame";
    case FilterFault::Mask: return "mask";
    case FilterFault::ValueOutsideMask: return "value outside the mask";
    case FilterFault::TransportWithoutIpv4: return "transport header without IPv4";
    }
    return "?";
}

FilterFault verify_filter(const abi::PacketFilter& filter, Filter& out) {
    if (filter.atom_count == 0 || filter.atom_count > abi::kFilterMaxAtoms)
        return FilterFault::AtomCount;
    if ((filter.flags & ~abi::filter_flag::kAll) != 0) return FilterFault::Flags;
    if (filter.reserved != 0) return FilterFault::Reserved;
    Filter canonical;
    canonical.shared = (filter.flags & abi::filter_flag::kShared) != 0;
    bool reads_transport = false;
    uint32_t frame_end = 0, transport_end = 0;
    for (uint32_t i = 0; i < filter.atom_count; ++i) {
        const FilterAtom& atom = filter.atoms[i];
        if (FilterFault fault = check_atom(atom); fault != FilterFault::None) return fault;
        uint32_t end = uint32_t{atom.offset} + atom.size;
        if (atom.base == FilterBase::Transport) {
            reads_transport = true;
            transport_end = end > transport_end ? end : transport_end;
        } else {
            frame_end = end > frame_end ? end : frame_end;
        }
        insert_sorted(canonical, atom);
    }
    // The transport header is where IHL says only in an IPv4 packet: a filter that reads it must
    // not apply it to another protocol's bytes.
    if (reads_transport) {
        std::optional<uint8_t> high =
            exact_byte(canonical, FilterBase::Frame, abi::packet_field::kEthertype);
        std::optional<uint8_t> low =
            exact_byte(canonical, FilterBase::Frame, abi::packet_field::kEthertype + 1);
        if (!high || !low || *high != (abi::ethertype::kIpv4 >> 8) ||
            *low != (abi::ethertype::kIpv4 & 0xff))
            return FilterFault::TransportWithoutIpv4;
        uint32_t through_transport = abi::kMinTransportStart + transport_end;
        frame_end = through_transport > frame_end ? through_transport : frame_end;
    }
    canonical.required_frame = static_cast<uint16_t>(frame_end);
    canonical.required_transport = static_cast<uint16_t>(transport_end);
    out = canonical;
    return FilterFault::None;
}

}  // namespace exo
