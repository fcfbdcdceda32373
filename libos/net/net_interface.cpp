// The environment's lwIP and its one network interface over a NetLink (exos/net_interface.h).
#include <exos/net_interface.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

namespace exos {

namespace {

// lwIP's globals make the stack one per environment, and so is its interface.
::netif the_netif;
NetInterface the_interface;

// An Ethernet frame is at least 60 bytes before its FCS (IEEE 802.3 3.2.8): shorter frames
// (an ARP reply is 42) are padded with zeros, as a NIC would.
constexpr size_t kMinimumPaddedFrame = 60;
constexpr size_t kEthernetHeader = 14;
constexpr uint16_t kDhcpClientPort = 68;
constexpr int kTransmitWaits = 20;

ip4_addr_t lwip_address(uint32_t host_order) {
    ip4_addr_t address;
    ip4_addr_set_u32(&address, lwip_htonl(host_order));
    return address;
}

}  // namespace

NetInterface& net_interface() { return the_interface; }

::netif* NetInterface::lwip_netif() { return &the_netif; }

err_t NetInterface::initialise(::netif* netif) {
    auto* self = static_cast<NetInterface*>(netif->state);
    MacAddress mac = self->link_->mac();
    netif->hwaddr_len = ETH_HWADDR_LEN;
    for (int i = 0; i < ETH_HWADDR_LEN; ++i) netif->hwaddr[i] = mac.bytes[i];
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->name[0] = 'e';
    netif->name[1] = 'x';
    netif->output = etharp_output;
    netif->linkoutput = output_frame;
    return ERR_OK;
}

err_t NetInterface::output_frame(::netif* netif, pbuf* packet) {
    auto* self = static_cast<NetInterface*>(netif->state);
    NetLink& link = *self->link_;
    if (packet->tot_len > NetLink::kMaxFrameBytes) {
        ++self->counters_.frames_unsent;
        return ERR_IF;
    }
    std::span<uint8_t> room = link.transmit_buffer();
    // Every buffer on the device (a window of segments sent back to back): wait for the device
    // rather than drop the frame, which TCP would resend only after its retransmission timeout.
    for (int waits = 0; room.empty() && waits < kTransmitWaits; ++waits) {
        link.wait_for_transmit();
        room = link.transmit_buffer();
    }
    if (room.size() < NetLink::kMaxFrameBytes) {
        // TCP keeps the segment and sends it again; UDP's sender sees the error.
        ++self->counters_.frames_unsent;
        return ERR_MEM;
    }
    size_t length = pbuf_copy_partial(packet, room.data(), packet->tot_len, 0);
    for (; length < kMinimumPaddedFrame; ++length) room[length] = 0;
    link.transmit(length);
    ++self->counters_.frames_sent;
    return ERR_OK;
}

abi::Error NetInterface::start(NetLink& link, const NetConfig& config) {
    if (link_ != nullptr) return abi::Error::AlreadyExists;
    if (config.dhcp) {
        if (abi::Error error = link.claim_port(IpProtocol::Udp, kDhcpClientPort);
            error != abi::Error::Ok) {
            return error;
        }
    }
    link_ = &link;
    lwip_init();
    ip4_addr_t address = lwip_address(config.dhcp ? 0 : config.address);
    ip4_addr_t netmask = lwip_address(config.dhcp ? 0 : config.netmask);
    ip4_addr_t gateway = lwip_address(config.dhcp ? 0 : config.gateway);
    netif_add(&the_netif, &address, &netmask, &gateway, this, initialise, ethernet_input);
    netif_set_default(&the_netif);
    netif_set_link_up(&the_netif);
    netif_set_up(&the_netif);
    if (config.dhcp && dhcp_start(&the_netif) != ERR_OK) return abi::Error::NoMemory;
    return abi::Error::Ok;
}

size_t NetInterface::poll() {
    size_t handed = 0;
    while (handed < kPollBatch) {
        std::span<const uint8_t> frame = link_->receive();
        if (frame.empty()) break;
        if (frame.size() < kEthernetHeader || frame.size() > NetLink::kMaxFrameBytes) {
            ++counters_.frames_malformed;
            link_->release_received();
            continue;
        }
        // Copied out of the receive slot, so the slot goes back to the kernel at once and
        // lwIP may keep the pbuf as long as it likes (queued out of order, or unread).
        pbuf* packet =
            pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_POOL);
        if (packet == nullptr) {
            ++counters_.no_buffer;
            link_->release_received();
            continue;
        }
        (void)pbuf_take(packet, frame.data(), static_cast<u16_t>(frame.size()));
        link_->release_received();
        ++handed;
        ++counters_.frames_received;
        if (the_netif.input(packet, &the_netif) != ERR_OK) pbuf_free(packet);
    }
    sys_check_timeouts();
    link_->flush();
    return handed;
}

void NetInterface::wait(uint32_t milliseconds) {
    if (poll() != 0) return;
    uint32_t next_timer = sys_timeouts_sleeptime();
    link_->wait(next_timer < milliseconds ? next_timer : milliseconds);
    (void)poll();
}

void NetInterface::flush() { link_->flush(); }

bool NetInterface::is_up() const {
    if (link_ == nullptr || !netif_is_up(&the_netif)) return false;
    if (netif_dhcp_data(&the_netif) != nullptr) return dhcp_supplied_address(&the_netif) != 0;
    return !ip4_addr_isany_val(*netif_ip4_addr(&the_netif));
}

uint32_t NetInterface::address() const {
    if (!is_up()) return 0;
    return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&the_netif)));
}

NetCounters NetInterface::counters() const {
    NetCounters counters = counters_;
    counters.checksum_errors = uint64_t{lwip_stats.ip.chkerr} + lwip_stats.udp.chkerr +
                               lwip_stats.tcp.chkerr + lwip_stats.icmp.chkerr;
    counters.protocol_drops = uint64_t{lwip_stats.link.drop} + lwip_stats.etharp.drop +
                              lwip_stats.ip.drop + lwip_stats.udp.drop + lwip_stats.tcp.drop +
                              lwip_stats.icmp.drop;
    return counters;
}

}  // namespace exos
