// The library OS's packet filters (filters.h): ARP and ICMP shared, each port exclusive, as
// conjunctions of masked field comparisons (abi/net_filter.h).
#include "filters.h"

#include <abi/net_filter.h>

#include <exos/syscall.h>

namespace exos::net_filters {

namespace {

abi::Error install(const abi::PacketFilter& filter, uint64_t* id) {
    SyscallReturn result =
        syscall(abi::Syscall::NetFilterInstall, reinterpret_cast<uint64_t>(&filter));
    if (result.error == abi::Error::Ok) *id = result.value;
    return result.error;
}

}  // namespace

abi::Error install_shared(Shared kind, uint64_t* id) {
    abi::PacketFilter filter{};
    filter.flags = abi::filter_flag::kShared;
    if (kind == Shared::Arp) {
        filter.atom_count = 1;
        filter.atoms[0] = abi::filter_atom(abi::FilterBase::Frame, abi::packet_field::kEthertype,
                                           2, abi::ethertype::kArp);
    } else {
        filter.atom_count = 2;
        filter.atoms[0] = abi::ipv4_atom();
        filter.atoms[1] = abi::protocol_atom(abi::ip_protocol::kIcmp);
    }
    return install(filter, id);
}

abi::Error install_port(IpProtocol protocol, uint16_t port, uint64_t* id) {
    // Exactly the three atoms the kernel's transmit check reads a port's ownership from.
    abi::PacketFilter filter{};
    filter.atom_count = 3;
    filter.atoms[0] = abi::ipv4_atom();
    filter.atoms[1] = abi::protocol_atom(static_cast<uint8_t>(protocol));
    filter.atoms[2] = abi::destination_port_atom(port);
    return install(filter, id);
}

abi::Error remove(uint64_t id) { return syscall(abi::Syscall::NetFilterRemove, id).error; }

}  // namespace exos::net_filters
