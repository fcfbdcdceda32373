// Packet filters, the network's secure binding (docs/net-filters.md): a library OS says which
// received frames are its own with a PacketFilter; the kernel verifies it, checks it against the
// other environments' filters, merges it with every installed filter into one decision tree and
// compiles that tree to RISC-V code (DPF, Engler and Kaashoek, SIGCOMM 1996).
//
// A filter is a conjunction of atoms. An atom reads a big-endian field of 1, 2 or 4 bytes at a
// fixed offset from a base and accepts when (field & mask) == value:
//   Frame      the first byte of the Ethernet header (the destination MAC address)
//   Transport  the first byte after the IPv4 header: 14 + 4 * IHL, IHL the low nibble of frame
//              byte 14. A filter that reads it must also require the IPv4 ethertype (frame bytes
//              12..13 == 0x0800, every bit), and a frame whose IHL is below 5 has no transport
//              header: no transport atom accepts it.
// A field past the end of the received frame accepts nothing: a short frame does not match.
//
// Exclusive filters are disjoint: the kernel refuses one that could accept a frame an installed
// exclusive filter accepts (a more specific filter cannot steal traffic). A shared filter (ARP,
// broadcast) delivers a copy to every subscriber; it may not overlap another environment's
// exclusive filter unless it accepts only group-addressed frames (destination MAC bit 0 set), so
// a shared filter cannot copy another environment's unicast traffic either.
#pragma once

#include <cstdint>

namespace abi {

inline constexpr uint32_t kFilterMaxAtoms = 16;
// The longest frame a filter may read: an Ethernet frame without its FCS or a VLAN tag.
inline constexpr uint32_t kMaxFrameBytes = 1514;
// The transport header starts at least this far into a frame (14 + a 20-byte IPv4 header).
inline constexpr uint32_t kMinTransportStart = 34;

enum class FilterBase : uint8_t {
    Frame = 0,
    Transport = 1,
};

// 12 bytes. mask and value hold the field's bits as a number (the field read big-endian), so a
// 2-byte atom's mask is at most 0xffff.
struct FilterAtom {
    uint16_t offset;  // from the base; the field is bytes offset .. offset + size - 1
    FilterBase base;
    uint8_t size;     // 1, 2 or 4
    uint32_t mask;    // nonzero, within the field's size
    uint32_t value;   // value & ~mask == 0
};
static_assert(sizeof(FilterAtom) == 12);

namespace filter_flag {
inline constexpr uint16_t kShared = 1 << 0;  // otherwise exclusive
inline constexpr uint16_t kAll = kShared;
}  // namespace filter_flag

// What FilterInstall copies from the caller: a plain struct of fixed size, no pointers.
struct PacketFilter {
    uint16_t atom_count;  // 1 .. kFilterMaxAtoms
    uint16_t flags;       // filter_flag bits
    uint32_t reserved;    // 0
    FilterAtom atoms[kFilterMaxAtoms];
};
static_assert(sizeof(PacketFilter) == 200);

// Where the usual fields are, from their base.
namespace packet_field {
inline constexpr uint16_t kDestinationMac = 0;     // Frame, 6 bytes
inline constexpr uint16_t kSourceMac = 6;          // Frame, 6 bytes
inline constexpr uint16_t kEthertype = 12;         // Frame, 2 bytes
inline constexpr uint16_t kIpv4VersionIhl = 14;    // Frame, 1 byte
inline constexpr uint16_t kIpv4Protocol = 23;      // Frame, 1 byte
inline constexpr uint16_t kIpv4Source = 26;        // Frame, 4 bytes
inline constexpr uint16_t kIpv4Destination = 30;   // Frame, 4 bytes
inline constexpr uint16_t kSourcePort = 0;         // Transport, 2 bytes (UDP and TCP)
inline constexpr uint16_t kDestinationPort = 2;    // Transport, 2 bytes (UDP and TCP)
}  // namespace packet_field

namespace ethertype {
inline constexpr uint16_t kIpv4 = 0x0800;
inline constexpr uint16_t kArp = 0x0806;
}  // namespace ethertype

namespace ip_protocol {
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
}  // namespace ip_protocol

// An atom comparing every bit of a field, or the bits of `mask`.
constexpr FilterAtom filter_atom(FilterBase base, uint16_t offset, uint8_t size, uint32_t value,
                                 uint32_t mask = 0) {
    uint32_t full = size >= 4 ? 0xffffffffu : (uint32_t{1} << (8 * size)) - 1;
    return {offset, base, size, mask == 0 ? full : mask, value};
}

// The three atoms that make a filter own an IPv4 port: ethertype, protocol, destination port.
// (The kernel's transmit check reads ownership of a port from exactly these.)
constexpr FilterAtom ipv4_atom() {
    return filter_atom(FilterBase::Frame, packet_field::kEthertype, 2, ethertype::kIpv4);
}
constexpr FilterAtom protocol_atom(uint8_t protocol) {
    return filter_atom(FilterBase::Frame, packet_field::kIpv4Protocol, 1, protocol);
}
constexpr FilterAtom destination_port_atom(uint16_t port) {
    return filter_atom(FilterBase::Transport, packet_field::kDestinationPort, 2, port);
}

}  // namespace abi
