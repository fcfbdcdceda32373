// Packet filters (kernel/net/filter): the verifier's rules, the interpreter's reading of a
// frame, the overlap check (the attacks it stops), the table's limits and ids, port claims.
#include <abi/net_filter.h>
#include <cstdint>
#include <memory>

#include "net/filter/filter_interpreter.h"
#include "net/filter/filter_verifier.h"
#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"

#include <CppUTest/TestHarness.h>

inline SimpleString StringFrom(abi::Error error) { return SimpleString(abi::to_string(error)); }
inline SimpleString StringFrom(exo::FilterFault fault) {
    return SimpleString(exo::to_string(fault));
}

using abi::Error;
using abi::FilterAtom;
using abi::FilterBase;
using abi::PacketFilter;
using exo::FilterFault;
using filter_samples::Frame;
using filter_samples::make_filter;

namespace {

constexpr uint8_t kUdp = abi::ip_protocol::kUdp;
constexpr uint8_t kTcp = abi::ip_protocol::kTcp;

FilterAtom frame_atom(uint16_t offset, uint8_t size, uint32_t value, uint32_t mask = 0) {
    return abi::filter_atom(FilterBase::Frame, offset, size, value, mask);
}
FilterAtom transport_atom(uint16_t offset, uint8_t size, uint32_t value, uint32_t mask = 0) {
    return abi::filter_atom(FilterBase::Transport, offset, size, value, mask);
}

FilterFault verify(const PacketFilter& filter) {
    exo::Filter out;
    return exo::verify_filter(filter, out);
}

exo::Filter canonical(const PacketFilter& filter) {
    exo::Filter out;
    CHECK_EQUAL(FilterFault::None, exo::verify_filter(filter, out));
    return out;
}

bool accepts(const PacketFilter& filter, const Frame& frame) {
    return exo::filter_accepts(canonical(filter), frame.bytes, frame.length);
}

}  // namespace

TEST_GROUP(NetFilterVerifier) {};

TEST(NetFilterVerifier, TheUsualFiltersPass) {
    CHECK_EQUAL(FilterFault::None, verify(filter_samples::port_filter(kUdp, 53)));
    CHECK_EQUAL(FilterFault::None, verify(filter_samples::arp_filter()));
    CHECK_EQUAL(FilterFault::None, verify(filter_samples::broadcast_filter()));
}

TEST(NetFilterVerifier, AtomCountIsOneToSixteen) {
    PacketFilter filter = make_filter({});
    CHECK_EQUAL(FilterFault::AtomCount, verify(filter));  // empty: would accept everything
    filter.flags = abi::filter_flag::kShared;
    CHECK_EQUAL(FilterFault::AtomCount, verify(filter));
    for (uint32_t i = 0; i < abi::kFilterMaxAtoms; ++i)
        filter.atoms[i] = frame_atom(static_cast<uint16_t>(i), 1, i);
    filter.atom_count = abi::kFilterMaxAtoms;
    CHECK_EQUAL(FilterFault::None, verify(filter));
    filter.atom_count = abi::kFilterMaxAtoms + 1;
    CHECK_EQUAL(FilterFault::AtomCount, verify(filter));
    filter.atom_count = 0xffff;
    CHECK_EQUAL(FilterFault::AtomCount, verify(filter));
}

TEST(NetFilterVerifier, FlagsAndReservedMustBeKnown) {
    PacketFilter filter = filter_samples::port_filter(kUdp, 53);
    filter.flags = 2;
    CHECK_EQUAL(FilterFault::Flags, verify(filter));
    filter.flags = 0x8001;
    CHECK_EQUAL(FilterFault::Flags, verify(filter));
    filter.flags = 0;
    filter.reserved = 1;
    CHECK_EQUAL(FilterFault::Reserved, verify(filter));
}

TEST(NetFilterVerifier, BaseAndSize) {
    PacketFilter filter = make_filter({frame_atom(0, 1, 1)});
    filter.atoms[0].base = static_cast<FilterBase>(2);
    CHECK_EQUAL(FilterFault::Base, verify(filter));
    filter.atoms[0].base = static_cast<FilterBase>(0xff);
    CHECK_EQUAL(FilterFault::Base, verify(filter));
    for (uint8_t size : {0, 3, 5, 8, 255}) {
        filter = make_filter({frame_atom(0, 1, 1)});
        filter.atoms[0].size = size;
        CHECK_EQUAL(FilterFault::Size, verify(filter));
    }
}

TEST(NetFilterVerifier, OffsetsEndWithinTheLongestFrame) {
    CHECK_EQUAL(FilterFault::None, verify(make_filter({frame_atom(1513, 1, 0)})));
    CHECK_EQUAL(FilterFault::Offset, verify(make_filter({frame_atom(1514, 1, 0)})));
    CHECK_EQUAL(FilterFault::None, verify(make_filter({frame_atom(1510, 4, 0)})));
    CHECK_EQUAL(FilterFault::Offset, verify(make_filter({frame_atom(1511, 4, 0)})));
    CHECK_EQUAL(FilterFault::Offset, verify(make_filter({frame_atom(0xffff, 4, 0)})));
    // The transport header starts 34 bytes in at the earliest: 1480 bytes of it at most.
    CHECK_EQUAL(FilterFault::None,
                verify(make_filter({abi::ipv4_atom(), transport_atom(1478, 2, 0)})));
    CHECK_EQUAL(FilterFault::Offset,
                verify(make_filter({abi::ipv4_atom(), transport_atom(1479, 2, 0)})));
    CHECK_EQUAL(FilterFault::Offset,
                verify(make_filter({abi::ipv4_atom(), transport_atom(0xfffe, 4, 0)})));
}

TEST(NetFilterVerifier, TheMaskIsNonzeroAndWithinTheField) {
    PacketFilter filter = make_filter({frame_atom(0, 1, 0, 0xff)});
    filter.atoms[0].mask = 0;
    CHECK_EQUAL(FilterFault::Mask, verify(filter));
    filter.atoms[0].mask = 0x100;
    CHECK_EQUAL(FilterFault::Mask, verify(filter));
    filter.atoms[0] = frame_atom(0, 2, 0, 0x1ffff);
    CHECK_EQUAL(FilterFault::Mask, verify(filter));
    filter.atoms[0] = frame_atom(0, 4, 0, 0x80000000);
    CHECK_EQUAL(FilterFault::None, verify(filter));
}

TEST(NetFilterVerifier, TheValueIsWithinTheMask) {
    CHECK_EQUAL(FilterFault::ValueOutsideMask, verify(make_filter({frame_atom(0, 1, 0x10, 0x0f)})));
    CHECK_EQUAL(FilterFault::ValueOutsideMask, verify(make_filter({frame_atom(0, 2, 0x10000)})));
    CHECK_EQUAL(FilterFault::None, verify(make_filter({frame_atom(0, 1, 0x0f, 0x0f)})));
}

TEST(NetFilterVerifier, TheTransportHeaderNeedsTheWholeIpv4Ethertype) {
    CHECK_EQUAL(FilterFault::TransportWithoutIpv4, verify(make_filter({transport_atom(2, 2, 53)})));
    CHECK_EQUAL(FilterFault::TransportWithoutIpv4,  // ARP's
                verify(make_filter({frame_atom(12, 2, 0x0806), transport_atom(2, 2, 53)})));
    CHECK_EQUAL(FilterFault::TransportWithoutIpv4,  // all but one bit of it
                verify(make_filter({frame_atom(12, 2, 0x0800, 0xfffe), transport_atom(2, 2, 53)})));
    // Two bytes, separately, are as good as one halfword; so is a word that covers them.
    CHECK_EQUAL(FilterFault::None, verify(make_filter({frame_atom(12, 1, 0x08),
                                                        frame_atom(13, 1, 0x00),
                                                        transport_atom(2, 2, 53)})));
    CHECK_EQUAL(FilterFault::None,
                verify(make_filter({frame_atom(12, 4, 0x08000000, 0xffff0000),
                                    transport_atom(2, 2, 53)})));
}

TEST(NetFilterVerifier, TheCanonicalFormIsSortedWithoutDuplicates) {
    exo::Filter filter = canonical(make_filter({transport_atom(2, 2, 53), frame_atom(23, 1, kUdp),
                                                abi::ipv4_atom(), frame_atom(23, 1, kUdp)}));
    CHECK_EQUAL(3, filter.atom_count);
    CHECK_EQUAL(12, filter.atoms[0].offset);
    CHECK_EQUAL(23, filter.atoms[1].offset);
    CHECK(filter.atoms[2].base == FilterBase::Transport);
    CHECK_EQUAL(34 + 4, filter.required_frame);
    CHECK_EQUAL(4, filter.required_transport);
}

TEST_GROUP(NetFilterInterpreter) {};

TEST(NetFilterInterpreter, FieldsAreBigEndianAndMasked) {
    Frame frame = filter_samples::ipv4_frame(kUdp, 0x1234);
    CHECK(accepts(filter_samples::port_filter(kUdp, 0x1234), frame));
    CHECK_FALSE(accepts(filter_samples::port_filter(kUdp, 0x3412), frame));
    CHECK_FALSE(accepts(filter_samples::port_filter(kTcp, 0x1234), frame));
    CHECK(accepts(make_filter({abi::ipv4_atom(), transport_atom(2, 2, 0x1200, 0xff00)}), frame));
    CHECK(accepts(make_filter({abi::ipv4_atom(), transport_atom(0, 4, 0x1234, 0xffff)}), frame));
    CHECK(accepts(make_filter({frame_atom(14, 1, 0x05, 0x0f)}), frame));  // IHL 5
}

TEST(NetFilterInterpreter, TheTransportHeaderMovesWithIhl) {
    for (uint8_t ihl = 5; ihl <= 15; ++ihl) {
        Frame frame = filter_samples::ipv4_frame(kUdp, 7, 14 + 4 * ihl + 8, ihl);
        CHECK(accepts(filter_samples::port_filter(kUdp, 7), frame));
        frame.length -= 5;  // the port's last byte is now past the end
        CHECK_FALSE(accepts(filter_samples::port_filter(kUdp, 7), frame));
    }
}

TEST(NetFilterInterpreter, IhlBelowFiveHasNoTransportHeader) {
    for (uint8_t ihl = 0; ihl < 5; ++ihl) {
        Frame frame = filter_samples::ipv4_frame(kUdp, 7, 100, ihl);
        CHECK_FALSE(accepts(filter_samples::port_filter(kUdp, 7), frame));
        CHECK_EQUAL(0, exo::transport_start(frame.bytes, frame.length));
    }
}

TEST(NetFilterInterpreter, IhlFifteenWithAShortFrameMatchesNothingThere) {
    Frame frame = filter_samples::ipv4_frame(kUdp, 7, 60, 15);  // the header alone needs 74
    CHECK_EQUAL(74, exo::transport_start(frame.bytes, frame.length));
    CHECK_FALSE(accepts(filter_samples::port_filter(kUdp, 7), frame));
    CHECK(accepts(make_filter({abi::ipv4_atom(), frame_atom(23, 1, kUdp)}), frame));
}

TEST(NetFilterInterpreter, AShortFrameMatchesNothingItCannotRead) {
    Frame frame = filter_samples::ipv4_frame(kUdp, 7, 0);
    CHECK_FALSE(accepts(make_filter({frame_atom(0, 1, 0)}), frame));  // length 0
    CHECK_EQUAL(0, exo::transport_start(frame.bytes, 14));
    frame.length = 13;
    CHECK_FALSE(accepts(make_filter({frame_atom(12, 2, 0x0800)}), frame));
    frame.length = 14;
    CHECK(accepts(make_filter({frame_atom(12, 2, 0x0800)}), frame));
}

TEST(NetFilterInterpreter, TheLastBytesOfTheLongestFrame) {
    Frame frame;
    frame.length = 1514;
    frame.put(1510, 0xa1b2c3d4, 4);
    CHECK(accepts(make_filter({frame_atom(1510, 4, 0xa1b2c3d4)}), frame));
    CHECK(accepts(make_filter({frame_atom(1513, 1, 0xd4)}), frame));
    frame.length = 1513;
    CHECK_FALSE(accepts(make_filter({frame_atom(1510, 4, 0xa1b2c3d4)}), frame));
    CHECK_FALSE(accepts(make_filter({frame_atom(1513, 1, 0xd4)}), frame));
    frame.length = ~uint64_t{0};  // no overflow in the bound
    CHECK(accepts(make_filter({frame_atom(1513, 1, 0xd4)}), frame));
}
