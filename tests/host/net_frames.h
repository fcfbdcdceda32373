// Ethernet frames built and read by hand, independently of lwIP, for tests that play the peer
// of a stack on the raw link: ARP, IPv4 with UDP or TCP, each checksum computed here (and
// optionally broken), and the fields of what the stack sends back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <exos/net_link.h>

namespace nettest {

using Bytes = std::vector<uint8_t>;

Bytes ethernet(const exos::MacAddress& to, const exos::MacAddress& from, uint16_t type,
               const Bytes& payload);
Bytes arp_request(const exos::MacAddress& from, uint32_t sender, uint32_t target);
Bytes arp_reply(const exos::MacAddress& from, uint32_t sender, const exos::MacAddress& to,
                uint32_t target);
// An IPv4 packet (header of 20 bytes, TTL 64, no fragments) around `payload`.
Bytes ipv4(uint32_t source, uint32_t destination, uint8_t protocol, const Bytes& payload,
           bool break_checksum = false);
Bytes udp(uint32_t source, uint32_t destination, uint16_t source_port, uint16_t port,
          const Bytes& data, bool break_checksum = false);
Bytes tcp(uint32_t source, uint32_t destination, uint16_t source_port, uint16_t port,
          uint32_t sequence, uint32_t acknowledgement, uint8_t flags,
          bool break_checksum = false);
// An ICMP echo request (type 8) or reply (0).
Bytes icmp_echo(uint32_t source, uint32_t destination, uint8_t type, uint16_t identifier,
                uint16_t sequence, const Bytes& data, bool break_checksum = false);
inline constexpr uint8_t kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

struct Arp {
    uint16_t operation;  // 1 request, 2 reply
    exos::MacAddress sender_mac;
    uint32_t sender;
    uint32_t target;
};
struct Datagram {
    uint32_t source, destination;
    uint16_t source_port, port;
    Bytes data;
};
struct Segment {
    uint32_t source, destination;
    uint16_t source_port, port;
    uint32_t sequence, acknowledgement;
    uint8_t flags;
};
struct Echo {
    uint32_t source, destination;
    uint8_t type;
    uint16_t identifier, sequence;
    Bytes data;
    bool checksum_ok;
};
std::optional<Arp> read_arp(const Bytes& frame);
std::optional<Echo> read_icmp_echo(const Bytes& frame);
std::optional<Datagram> read_udp(const Bytes& frame);
std::optional<Segment> read_tcp(const Bytes& frame);
// The destination IPv4 address of an IPv4 frame.
std::optional<uint32_t> ipv4_destination(const Bytes& frame);

inline Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

}  // namespace nettest
