// What an environment may send (abi/net.h, "What an environment may send"), decided on the
// kernel's own copy of the frame's head: the bytes checked here are the bytes the device sends.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

namespace exo::net {

// The head the kernel copies out of the sender's frame before it checks anything: Ethernet (14),
// the largest IPv4 header (60) and a transport header's two ports (4), rounded up.
inline constexpr uint32_t kCheckedHead = 80;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kProtocolIcmp = 1;
inline constexpr uint8_t kProtocolTcp = 6;
inline constexpr uint8_t kProtocolUdp = 17;

// Whether the sender holds a port: one of its exclusive filters claims (protocol, port).
class PortClaims {
public:
    virtual bool claims(uint8_t protocol, uint16_t port) const = 0;

protected:
    ~PortClaims() = default;
};

// `head` holds the first min(length, kCheckedHead) bytes of a frame of `length` bytes. Ok, or
// InvalidArgument (no Ethernet frame: too short or too long) or NotPermitted (anything the
// rules do not allow: another source MAC, another's port, a fragment, another protocol).
abi::Error check_transmit(const uint8_t* head, uint32_t length, uint64_t mac,
                          const PortClaims& claims);

}  // namespace exo::net
