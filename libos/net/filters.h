// The packet filters this library OS installs (abi/net_filter.h), built in one place: the
// shared ones every stack needs (ARP; ICMP) and one exclusive filter per local port it uses.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include <exos/net_link.h>

namespace exos::net_filters {

enum class Shared : uint8_t { Arp, Icmp };

// NetFilterInstall: the filter's id in *id, or the kernel's refusal (Overlaps: another
// environment's exclusive filter takes the same port).
abi::Error install_shared(Shared kind, uint64_t* id);
abi::Error install_port(IpProtocol protocol, uint16_t port, uint64_t* id);
abi::Error remove(uint64_t id);

}  // namespace exos::net_filters
