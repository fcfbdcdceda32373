// Filters and frames for the packet-filter tests, the fuzzer and the QEMU self-test: builders
// for the usual filters, and random ones drawn from a byte source, biased towards what shares
// tree prefixes (the usual fields, a few ports) and towards the edges (the last bytes of the
// longest frame, IHL below 5 or at 15, frames cut short anywhere). Freestanding: the kernel's
// self-test uses it too.
#pragma once

#include <abi/net_filter.h>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace filter_samples {

using abi::FilterAtom;
using abi::FilterBase;
using abi::PacketFilter;

inline constexpr uint32_t kFrameRoom = 2048;  // a frame buffer's size: some frames pass 1514

// xorshift64*: a deterministic stream for the tests and the self-test.
class Random {
public:
    explicit Random(uint64_t seed) : state_(seed | 1) {}
    uint32_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return static_cast<uint32_t>((state_ * 0x2545f4914f6cdd1dull) >> 32);
    }
    uint32_t below(uint32_t bound) { return bound == 0 ? 0 : next() % bound; }
    bool chance(uint32_t percent) { return below(100) < percent; }

private:
    uint64_t state_;
};

inline PacketFilter make_filter(std::initializer_list<FilterAtom> atoms, bool shared = false) {
    PacketFilter filter{};
    filter.flags = shared ? abi::filter_flag::kShared : 0;
    for (const FilterAtom& atom : atoms) {
        if (filter.atom_count < abi::kFilterMaxAtoms) filter.atoms[filter.atom_count++] = atom;
    }
    return filter;
}

inline PacketFilter port_filter(uint8_t protocol, uint16_t port) {
    return make_filter({abi::ipv4_atom(), abi::protocol_atom(protocol),
                        abi::destination_port_atom(port)});
}

inline PacketFilter arp_filter() {
    return make_filter({abi::filter_atom(FilterBase::Frame, abi::packet_field::kEthertype, 2,
                                         abi::ethertype::kArp)},
                       true);
}

// Every frame to the broadcast address.
inline PacketFilter broadcast_filter() {
    return make_filter({abi::filter_atom(FilterBase::Frame, 0, 4, 0xffffffff),
                        abi::filter_atom(FilterBase::Frame, 4, 2, 0xffff)},
                       true);
}

// A frame of `length` bytes (up to kFrameRoom), zero beyond the headers given.
struct Frame {
    uint8_t bytes[kFrameRoom] = {};
    uint64_t length = 0;

    void put(uint32_t offset, uint32_t value, uint32_t size) {  // big-endian
        for (uint32_t i = 0; i < size; ++i) {
            if (offset + i < kFrameRoom)
                bytes[offset + i] = static_cast<uint8_t>(value >> (8 * (size - 1 - i)));
        }
    }
};

// An IPv4 frame with a header of `ihl` words, `protocol`, and destination port `port` where
// IHL puts it (for IHL below 5 too: where a filter that trusted IHL would look).
inline Frame ipv4_frame(uint8_t protocol, uint16_t port, uint64_t length = 64, uint8_t ihl = 5) {
    Frame frame;
    frame.length = length;
    frame.put(abi::packet_field::kEthertype, abi::ethertype::kIpv4, 2);
    frame.put(abi::packet_field::kIpv4VersionIhl, 0x40u | ihl, 1);
    frame.put(abi::packet_field::kIpv4Protocol, protocol, 1);
    uint32_t transport = 14 + 4u * ihl;
    if (ihl >= 5) frame.put(transport + abi::packet_field::kSourcePort, 40000, 2);
    frame.put(transport + abi::packet_field::kDestinationPort, port, 2);
    return frame;
}

// A random filter. `Source` has next() -> uint32_t (Random, or the fuzzer's bytes).
template <typename Source>
FilterAtom random_atom(Source& source, bool transport) {
    static constexpr uint16_t kFrameOffsets[] = {0, 4, 6, 12, 14, 22, 23, 26, 30, 34, 36, 1510,
                                                 1512, 1513};
    static constexpr uint16_t kTransportOffsets[] = {0, 2, 4, 8, 12, 13, 1476, 1478, 1479};
    static constexpr uint8_t kSizes[] = {1, 2, 4};
    FilterAtom atom{};
    atom.base = transport ? FilterBase::Transport : FilterBase::Frame;
    atom.size = kSizes[source.next() % 3];
    uint32_t pick = source.next();
    if (pick % 4 == 0) {
        atom.offset = static_cast<uint16_t>(source.next() % (transport ? 1481 : 1515));
    } else if (transport) {
        atom.offset = kTransportOffsets[pick / 4 % (sizeof(kTransportOffsets) / 2)];
    } else {
        atom.offset = kFrameOffsets[pick / 4 % (sizeof(kFrameOffsets) / 2)];
    }
    uint32_t limit = transport ? 1480 : 1514;
    while (atom.offset + atom.size > limit) --atom.offset;  // keep it valid, mostly
    uint32_t full = atom.size == 4 ? 0xffffffffu : (1u << (8 * atom.size)) - 1;
    uint32_t shape = source.next() % 8;
    atom.mask = shape < 5 ? full : (source.next() & full);
    if (atom.mask == 0) atom.mask = full;
    // Few values, so filters share prefixes and collide.
    atom.value = (shape % 2 == 0 ? source.next() % 4 : source.next()) & atom.mask;
    return atom;
}

template <typename Source>
PacketFilter random_filter(Source& source) {
    static constexpr uint8_t kProtocols[] = {abi::ip_protocol::kUdp, abi::ip_protocol::kTcp,
                                             abi::ip_protocol::kIcmp};
    uint32_t kind = source.next() % 10;
    PacketFilter filter{};
    if (kind < 5) {  // a port, maybe narrowed by an address or another field
        uint32_t port = source.next() % 8 == 0 ? source.next() : 5000 + source.next() % 12;
        filter = port_filter(kProtocols[source.next() % 3], static_cast<uint16_t>(port));
    } else if (kind == 5) {
        filter = arp_filter();
    } else if (kind == 6) {
        filter = broadcast_filter();
    } else if (kind == 7) {  // IPv4 and random atoms, some on the transport header
        filter = make_filter({abi::ipv4_atom()});
    }
    uint32_t extra = source.next() % (kind >= 8 ? 5 : 3);
    for (uint32_t i = 0; i < extra && filter.atom_count < abi::kFilterMaxAtoms; ++i) {
        bool transport = kind <= 7 && kind != 5 && kind != 6 && source.next() % 2 == 0;
        filter.atoms[filter.atom_count++] = random_atom(source, transport);
    }
    if (filter.atom_count == 0) filter.atoms[filter.atom_count++] = random_atom(source, false);
    if (source.next() % 4 == 0) filter.flags ^= abi::filter_flag::kShared;
    return filter;
}

// Writes what `filter`'s atoms require into `frame` (IHL first made valid when it reads the
// transport header), so that random frames often match; what it cannot satisfy it leaves.
// Returns the length at which the last field it reads ends: the edge a bound must get right.
inline uint64_t impose(Frame& frame, const PacketFilter& filter, uint32_t ihl_choice) {
    bool transport = false;
    uint64_t edge = 0;
    for (uint32_t i = 0; i < filter.atom_count && i < abi::kFilterMaxAtoms; ++i) {
        const FilterAtom& atom = filter.atoms[i];
        if (atom.base != FilterBase::Frame) {
            transport = true;
            continue;
        }
        for (uint32_t k = 0; k < atom.size; ++k) {
            uint32_t shift = 8 * (atom.size - 1 - k);
            auto mask = static_cast<uint8_t>(atom.mask >> shift);
            auto value = static_cast<uint8_t>(atom.value >> shift);
            uint32_t at = atom.offset + k;
            if (at < kFrameRoom)
                frame.bytes[at] = static_cast<uint8_t>((frame.bytes[at] & ~mask) | value);
        }
        edge = atom.offset + atom.size > edge ? atom.offset + atom.size : edge;
    }
    if (!transport) return edge;
    if ((frame.bytes[14] & 0xf) < 5)
        frame.bytes[14] = static_cast<uint8_t>(0x40 | (5 + ihl_choice % 11));
    uint32_t start = 14 + 4u * (frame.bytes[14] & 0xf);
    for (uint32_t i = 0; i < filter.atom_count && i < abi::kFilterMaxAtoms; ++i) {
        const FilterAtom& atom = filter.atoms[i];
        if (atom.base != FilterBase::Transport) continue;
        for (uint32_t k = 0; k < atom.size; ++k) {
            uint32_t shift = 8 * (atom.size - 1 - k);
            auto mask = static_cast<uint8_t>(atom.mask >> shift);
            auto value = static_cast<uint8_t>(atom.value >> shift);
            uint32_t at = start + atom.offset + k;
            if (at < kFrameRoom)
                frame.bytes[at] = static_cast<uint8_t>((frame.bytes[at] & ~mask) | value);
        }
        uint64_t end = start + atom.offset + atom.size;
        edge = end > edge ? end : edge;
    }
    return edge;
}

// A random frame: random bytes (from a generator seeded by one draw, so a fuzzer's input is not
// spent on filling) of a length drawn towards the edges, then, often, what one of `filters`
// requires and a length at its last field's end, a byte short or a byte over; then, sometimes,
// a flipped bit or a cut.
template <typename Source>
void random_frame(Source& source, Frame& frame, const PacketFilter* filters, uint32_t count) {
    static constexpr uint16_t kLengths[] = {0, 1, 13, 14, 15, 16, 24, 33, 34, 35, 37, 38, 42, 54,
                                            60, 64, 74, 78, 94, 1513, 1514, 1515, 2048};
    uint32_t pick = source.next();
    frame.length = pick % 3 == 0 ? source.next() % (kFrameRoom + 1)
                                 : kLengths[pick / 3 % (sizeof(kLengths) / 2)];
    Random filler(source.next());
    for (uint32_t i = 0; i < kFrameRoom; i += 4) {
        uint32_t word = filler.next();
        for (uint32_t k = 0; k < 4; ++k)
            frame.bytes[i + k] = static_cast<uint8_t>(word >> (8 * k));
    }
    if (source.next() % 2 == 0)
        frame.bytes[14] = static_cast<uint8_t>(0x40 | (source.next() % 16));
    if (count != 0 && source.next() % 4 != 0) {
        uint32_t chosen = source.next() % count;
        uint64_t edge = impose(frame, filters[chosen], source.next());
        uint32_t shape = source.next() % 6;
        if (shape == 0) frame.length = 74 + 1480;  // long enough for anything a filter reads
        if (shape == 1) frame.length = 14 + 60 + 64;
        if (shape >= 2 && shape <= 4 && edge > 0) frame.length = edge + shape - 3;  // -1, 0, +1
        // A second filter's requirements too: shared and exclusive both accepting.
        if (source.next() % 4 == 0) impose(frame, filters[source.next() % count], source.next());
    }
    if (source.next() % 4 == 0) {
        uint32_t at = source.next() % 80;
        frame.bytes[at] = static_cast<uint8_t>(frame.bytes[at] ^ (1u << (source.next() % 8)));
    }
    if (source.next() % 6 == 0 && frame.length > 0) frame.length = source.next() % frame.length;
}

}  // namespace filter_samples
