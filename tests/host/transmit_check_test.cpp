// What an environment may send (net/transmit_check.h), frame by frame: its own ports and MAC,
// ARP as itself, ICMP; and every way a frame could pass for another's or escape the check (a
// fragment, an IPv4 header length pointing past the frame, a total length past it, other
// ethertypes). The frames are built here byte by byte.
#include <cstdint>
#include <vector>

#include "fake_nic.h"
#include "net/transmit_check.h"
// After the standard headers fake_nic.h includes: CppUTest redefines new.
#include "fake_machine.h"

using exo::test::kFakeMac;
using exo::test::udp_frame;

namespace {

class OwnsPort final : public exo::net::PortClaims {
public:
    OwnsPort(uint8_t protocol, uint16_t port) : protocol_(protocol), port_(port) {}
    bool claims(uint8_t protocol, uint16_t port) const override {
        return protocol == protocol_ && port == port_;
    }

private:
    uint8_t protocol_;
    uint16_t port_;
};

abi::Error check(const std::vector<uint8_t>& frame, const exo::net::PortClaims& claims) {
    std::vector<uint8_t> head(frame.begin(),
                              frame.begin() + std::min<size_t>(frame.size(),
                                                               exo::net::kCheckedHead));
    return exo::net::check_transmit(head.data(), static_cast<uint32_t>(frame.size()), kFakeMac,
                                    claims);
}

std::vector<uint8_t> arp_frame(uint64_t sender_mac) {
    std::vector<uint8_t> frame = udp_frame(0, 0, 0);
    frame.resize(42);
    frame[12] = 0x08;
    frame[13] = 0x06;
    const uint8_t arp[8] = {0, 1, 0x08, 0x00, 6, 4, 0, 1};
    for (int i = 0; i < 8; ++i) frame[14 + i] = arp[i];
    for (int i = 0; i < 6; ++i) frame[22 + i] = static_cast<uint8_t>(sender_mac >> (8 * i));
    return frame;
}

}  // namespace

TEST_GROUP(TransmitCheck) {
    OwnsPort udp7{17, 7};
};

TEST(TransmitCheck, OwnPortsAndMacPass) {
    CHECK_EQUAL(abi::Error::Ok, check(udp_frame(7, 9999, 10), udp7));
    CHECK_EQUAL(abi::Error::Ok, check(udp_frame(7, 1, 1472), udp7));  // 1514 bytes
    OwnsPort tcp80{6, 80};
    std::vector<uint8_t> tcp = udp_frame(80, 1234, 20);
    tcp[14 + 9] = 6;
    CHECK_EQUAL(abi::Error::Ok, check(tcp, tcp80));
    CHECK_EQUAL(abi::Error::NotPermitted, check(tcp, udp7));  // the port, but for UDP only
}

TEST(TransmitCheck, AnotherPortOrMacIsRefused) {
    CHECK_EQUAL(abi::Error::NotPermitted, check(udp_frame(8, 7, 10), udp7));
    CHECK_EQUAL(abi::Error::NotPermitted, check(udp_frame(7, 7, 10, kFakeMac ^ 0x10000), udp7));
}

TEST(TransmitCheck, ArpOnlyAsOurselves) {
    CHECK_EQUAL(abi::Error::Ok, check(arp_frame(kFakeMac), udp7));
    CHECK_EQUAL(abi::Error::NotPermitted, check(arp_frame(kFakeMac + 1), udp7));
    std::vector<uint8_t> short_arp = arp_frame(kFakeMac);
    short_arp.resize(41);
    CHECK_EQUAL(abi::Error::NotPermitted, check(short_arp, udp7));
    std::vector<uint8_t> ipv6_arp = arp_frame(kFakeMac);
    ipv6_arp[17] = 0xdd;  // protocol type other than IPv4
    CHECK_EQUAL(abi::Error::NotPermitted, check(ipv6_arp, udp7));
}

TEST(TransmitCheck, IcmpPassesWithoutPorts) {
    std::vector<uint8_t> icmp = udp_frame(0, 0, 20);
    icmp[14 + 9] = 1;
    CHECK_EQUAL(abi::Error::Ok, check(icmp, udp7));
}

TEST(TransmitCheck, HeadersThatCouldHideTheRealPortsAreRefused) {
    std::vector<uint8_t> frame = udp_frame(7, 1, 10);
    std::vector<uint8_t> fragment = frame;
    fragment[14 + 7] = 1;  // a fragment offset: no ports in it
    CHECK_EQUAL(abi::Error::NotPermitted, check(fragment, udp7));
    std::vector<uint8_t> more = frame;
    more[14 + 6] = 0x20;  // more fragments follow
    CHECK_EQUAL(abi::Error::NotPermitted, check(more, udp7));
    std::vector<uint8_t> dont = frame;
    dont[14 + 6] = 0x40;  // don't fragment: a whole datagram
    CHECK_EQUAL(abi::Error::Ok, check(dont, udp7));
    std::vector<uint8_t> short_ihl = frame;
    short_ihl[14] = 0x44;  // 16-byte header
    CHECK_EQUAL(abi::Error::NotPermitted, check(short_ihl, udp7));
    std::vector<uint8_t> long_ihl = frame;
    long_ihl[14] = 0x4f;  // 60-byte header: the "ports" would be in the payload, past it
    CHECK_EQUAL(abi::Error::NotPermitted, check(long_ihl, udp7));
    std::vector<uint8_t> version6 = frame;
    version6[14] = 0x65;
    CHECK_EQUAL(abi::Error::NotPermitted, check(version6, udp7));
    std::vector<uint8_t> total_past = frame;
    total_past[14 + 2] = 0x10;  // total length past the frame
    CHECK_EQUAL(abi::Error::NotPermitted, check(total_past, udp7));
    std::vector<uint8_t> no_ports = frame;
    no_ports[14 + 3] = 22;  // total length: the header and two bytes
    CHECK_EQUAL(abi::Error::NotPermitted, check(no_ports, udp7));
}

TEST(TransmitCheck, ALongIpv4HeaderKeepsItsPortsInsideTheCheckedHead) {
    // 60-byte IPv4 header (options), the ports at bytes 74..77: inside the kernel's copy.
    std::vector<uint8_t> frame(14 + 60 + 8 + 10, 0);
    for (int i = 0; i < 6; ++i) frame[6 + i] = static_cast<uint8_t>(kFakeMac >> (8 * i));
    frame[12] = 0x08;
    frame[14] = 0x4f;
    frame[14 + 3] = 78;
    frame[14 + 9] = 17;
    frame[74 + 1] = 7;
    CHECK_EQUAL(abi::Error::Ok, check(frame, udp7));
    frame[74 + 1] = 8;
    CHECK_EQUAL(abi::Error::NotPermitted, check(frame, udp7));
}

TEST(TransmitCheck, OtherEthertypesAndSizesAreRefused) {
    std::vector<uint8_t> vlan = udp_frame(7, 1, 10);
    vlan[12] = 0x81;
    CHECK_EQUAL(abi::Error::NotPermitted, check(vlan, udp7));
    CHECK_EQUAL(abi::Error::InvalidArgument, check(std::vector<uint8_t>(13, 0), udp7));
    CHECK_EQUAL(abi::Error::InvalidArgument, check(udp_frame(7, 1, 1473), udp7));  // 1515
    std::vector<uint8_t> bare = udp_frame(7, 1, 0);
    bare.resize(14);
    CHECK_EQUAL(abi::Error::NotPermitted, check(bare, udp7));  // IPv4 with no header
}
