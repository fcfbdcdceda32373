// check_transmit (transmit_check.h).
#include "net/transmit_check.h"

#include <abi/net.h>

namespace exo::net {

namespace {

uint16_t be16(const uint8_t* bytes) { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }

bool is_mac(const uint8_t* bytes, uint64_t mac) {
    for (int i = 0; i < 6; ++i) {
        if (bytes[i] != ((mac >> (8 * i)) & 0xff)) return false;
    }
    return true;
}

// ARP for IPv4 over Ethernet, claiming our MAC as the sender's: requests and replies alike.
abi::Error check_arp(const uint8_t* head, uint32_t length, uint64_t mac) {
    constexpr uint32_t kArpEnd = 14 + 28;
    if (length < kArpEnd) return abi::Error::NotPermitted;
    const uint8_t* arp = head + 14;
    if (be16(arp) != 1 || be16(arp + 2) != kEtherTypeIpv4 || arp[4] != 6 || arp[5] != 4) {
        return abi::Error::NotPermitted;
    }
    return is_mac(arp + 8, mac) ? abi::Error::Ok : abi::Error::NotPermitted;
}

abi::Error check_ipv4(const uint8_t* head, uint32_t length, const PortClaims& claims) {
    const uint8_t* ip = head + 14;
    if (length < 14 + 20 || ip[0] >> 4 != 4) return abi::Error::NotPermitted;
    const uint32_t header = uint32_t{ip[0] & 0x0fu} * 4;
    const uint32_t total = be16(ip + 2);
    if (header < 20 || total < header || 14 + total > length) return abi::Error::NotPermitted;
    // Only whole datagrams: a later fragment carries no ports to check, and a first one would
    // let a later fragment overwrite the ports the receiver reassembles.
    const uint16_t fragment = be16(ip + 6);
    if ((fragment & 0x3fff) != 0) return abi::Error::NotPermitted;
    const uint8_t protocol = ip[9];
    if (protocol == kProtocolIcmp) return abi::Error::Ok;
    if (protocol != kProtocolTcp && protocol != kProtocolUdp) return abi::Error::NotPermitted;
    if (total < header + 4) return abi::Error::NotPermitted;  // no room for the ports
    const uint16_t source_port = be16(ip + header);
    return claims.claims(protocol, source_port) ? abi::Error::Ok : abi::Error::NotPermitted;
}

}  // namespace

abi::Error check_transmit(const uint8_t* head, uint32_t length, uint64_t mac,
                          const PortClaims& claims) {
    if (length < abi::kNetMinFrameBytes || length > abi::kNetMaxFrameBytes) {
        return abi::Error::InvalidArgument;
    }
    if (!is_mac(head + 6, mac)) return abi::Error::NotPermitted;
    switch (be16(head + 12)) {
    case kEtherTypeArp: return check_arp(head, length, mac);
    case kEtherTypeIpv4: return check_ipv4(head, length, claims);
    default: return abi::Error::NotPermitted;
    }
}

}  // namespace exo::net
