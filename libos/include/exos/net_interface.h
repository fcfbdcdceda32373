// The environment's TCP/IP stack: lwIP (from Debian's source package, built as the library
// OS's `net` piece) over one NetLink, run by the environment's own loop. lwIP runs without
// threads (NO_SYS): nothing happens in the stack except inside poll(), which moves received
// frames in, runs lwIP's timers and hands what lwIP sent to the link. The sockets
// (exos/socket.h) call poll() while they wait. lwIP keeps its state in globals, so there is one
// interface per environment (net_interface()).
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>

#include <exos/net_link.h>

struct netif;
struct pbuf;

namespace exos {

// An IPv4 address in host order: ipv4(10, 0, 2, 15).
constexpr uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

// How the interface gets its address: QEMU's user network by default (10.0.2.15/24, the
// gateway 10.0.2.2, which is also the host), or DHCP.
struct NetConfig {
    bool dhcp = false;
    uint32_t address = ipv4(10, 0, 2, 15);
    uint32_t netmask = ipv4(255, 255, 255, 0);
    uint32_t gateway = ipv4(10, 0, 2, 2);
};

struct NetCounters {
    uint64_t frames_received;   // handed to lwIP
    uint64_t frames_sent;       // handed to the link
    uint64_t frames_malformed;  // refused before lwIP: shorter than a header or too long
    uint64_t frames_unsent;     // lwIP sent while the link had no room: lost (TCP resends)
    uint64_t no_buffer;         // received while lwIP had no pbuf: lost
    uint64_t checksum_errors;   // lwIP's counts: IPv4 header, UDP, TCP, ICMP
    uint64_t protocol_drops;    // lwIP's other drops (wrong address, bad lengths, ...)
};

class NetInterface {
public:
    // Starts lwIP on `link`. Once per environment: AlreadyExists after that. With DHCP it
    // claims UDP port 68 first (its error, if that fails).
    abi::Error start(NetLink& link, const NetConfig& config);
    bool started() const { return link_ != nullptr; }

    // Receives (up to kPollBatch frames), runs lwIP's due timers, flushes the link. Returns
    // how many frames it handed to lwIP.
    size_t poll();
    static constexpr size_t kPollBatch = 64;
    // poll(), and if nothing arrived, waits on the link until a frame may have arrived, lwIP's
    // next timer is due, or `milliseconds` passed.
    void wait(uint32_t milliseconds);
    // Hands what lwIP queued to the link now (the sockets call it after each send).
    void flush();

    // The address is configured: at once for a static one; for DHCP, once it is bound.
    bool is_up() const;
    uint32_t address() const;  // host order; 0 before it is up
    NetLink& link() { return *link_; }
    NetCounters counters() const;
    ::netif* lwip_netif();

    // lwIP's netif callbacks (C linkage through the port).
    static signed char output_frame(::netif* netif, ::pbuf* packet);
    static signed char initialise(::netif* netif);

private:
    NetLink* link_ = nullptr;
    NetCounters counters_ = {};
};

NetInterface& net_interface();

}  // namespace exos
