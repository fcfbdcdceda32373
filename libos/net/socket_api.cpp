// The sockets' table, port claims, waiting and the calls both kinds share (exos/socket.h).
#include <exos/socket.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "socket_table.h"

namespace exos::net {

namespace detail {

namespace {

Socket sockets[kMaxSockets];

struct PortClaim {
    IpProtocol protocol;
    uint16_t port;
    uint32_t references;  // sockets holding it
};
constexpr int kMaxClaims = kMaxSockets;
PortClaim claims[kMaxClaims];
int claim_count = 0;
uint64_t dropped_datagrams = 0;

bool tcp_port_in_use(const tcp_pcb* list, uint16_t port) {
    for (; list != nullptr; list = list->next) {
        if (list->local_port == port) return true;
    }
    return false;
}

// Lets go of the kernel's filter for every port no socket holds and, for TCP, no pcb of
// lwIP's uses any more (closing connections and TIME-WAIT keep theirs).
void sweep_claims() {
    for (int i = 0; i < claim_count;) {
        PortClaim& claim = claims[i];
        bool held = claim.references != 0;
        if (!held && claim.protocol == IpProtocol::Tcp) {
            held = tcp_port_in_use(tcp_active_pcbs, claim.port) ||
                   tcp_port_in_use(tcp_tw_pcbs, claim.port) ||
                   tcp_port_in_use(tcp_listen_pcbs.pcbs, claim.port);
        }
        if (held) {
            ++i;
            continue;
        }
        net_interface().link().release_port(claim.protocol, claim.port);
        claims[i] = claims[--claim_count];
    }
}

}  // namespace

Socket* socket_at(int descriptor, SocketType type) {
    if (descriptor < 0 || descriptor >= kMaxSockets) return nullptr;
    Socket& socket = sockets[descriptor];
    if (!socket.used || socket.type != type) return nullptr;
    return &socket;
}

int allocate(SocketType type) {
    for (int descriptor = 0; descriptor < kMaxSockets; ++descriptor) {
        if (sockets[descriptor].used) continue;
        sockets[descriptor] = Socket{};
        sockets[descriptor].used = true;
        sockets[descriptor].type = type;
        return descriptor;
    }
    return to_int(SocketError::NoSockets);
}

void release(int descriptor) { sockets[descriptor].used = false; }

int claim(Socket& socket, IpProtocol protocol, uint16_t port) {
    if (socket.claimed_port == port) return 0;
    for (int i = 0; i < claim_count; ++i) {
        if (claims[i].protocol == protocol && claims[i].port == port) {
            ++claims[i].references;
            socket.claimed_port = port;
            return 0;
        }
    }
    if (claim_count == kMaxClaims) sweep_claims();
    if (claim_count == kMaxClaims) return to_int(SocketError::NoMemory);
    abi::Error error = net_interface().link().claim_port(protocol, port);
    if (error == abi::Error::NoMemory || error == abi::Error::TooMany) {
        return to_int(SocketError::NoMemory);
    }
    if (error != abi::Error::Ok) return to_int(SocketError::AddressInUse);
    claims[claim_count++] = {protocol, port, 1};
    socket.claimed_port = port;
    return 0;
}

void unclaim(Socket& socket, IpProtocol protocol) {
    if (socket.claimed_port == 0) return;
    for (int i = 0; i < claim_count; ++i) {
        if (claims[i].protocol == protocol && claims[i].port == socket.claimed_port) {
            --claims[i].references;
            break;
        }
    }
    socket.claimed_port = 0;
    sweep_claims();
}

uint32_t sys_now_milliseconds() { return sys_now(); }

int wait_step(Socket& socket, uint32_t started) {
    NetInterface& interface = net_interface();
    if (!interface.started()) return to_int(SocketError::NetworkDown);
    if (socket.nonblocking) {
        (void)interface.poll();  // what has arrived already counts
        return to_int(SocketError::WouldBlock);
    }
    uint32_t waited = sys_now() - started;
    if (socket.timeout != 0 && waited >= socket.timeout) return to_int(SocketError::TimedOut);
    uint32_t limit = socket.timeout == 0 ? 1000 : socket.timeout - waited;
    interface.wait(limit);
    if (claim_count != 0) sweep_claims();
    return 1;
}

int from_lwip(err_t error) {
    switch (error) {
    case ERR_OK: return 0;
    case ERR_MEM:
    case ERR_BUF: return to_int(SocketError::NoMemory);
    case ERR_USE: return to_int(SocketError::AddressInUse);
    case ERR_RST: return to_int(SocketError::ConnectionReset);
    case ERR_ABRT:
    case ERR_CLSD: return to_int(SocketError::ConnectionReset);
    case ERR_CONN: return to_int(SocketError::NotConnected);
    case ERR_TIMEOUT: return to_int(SocketError::TimedOut);
    case ERR_RTE:
    case ERR_IF: return to_int(SocketError::NetworkDown);
    default: return to_int(SocketError::InvalidArgument);
    }
}

void count_dropped_datagram() { ++dropped_datagrams; }
uint64_t dropped_datagram_count() { return dropped_datagrams; }

}  // namespace detail

uint64_t datagrams_dropped() { return detail::dropped_datagram_count(); }

const char* error_name(long result) {
    if (result >= 0) return "ok";
    switch (static_cast<SocketError>(result)) {
    case SocketError::BadDescriptor: return "bad descriptor";
    case SocketError::NoSockets: return "no sockets";
    case SocketError::AddressInUse: return "address in use";
    case SocketError::NotConnected: return "not connected";
    case SocketError::ConnectionRefused: return "connection refused";
    case SocketError::ConnectionReset: return "connection reset";
    case SocketError::WouldBlock: return "would block";
    case SocketError::TimedOut: return "timed out";
    case SocketError::InvalidArgument: return "invalid argument";
    case SocketError::NoMemory: return "no memory";
    case SocketError::TooLarge: return "too large";
    case SocketError::NetworkDown: return "network down";
    }
    return "unknown error";
}

int socket(SocketType type) {
    if (!net_interface().started()) return to_int(SocketError::NetworkDown);
    int descriptor = detail::allocate(type);
    if (descriptor < 0) return descriptor;
    detail::Socket& socket = *detail::socket_at(descriptor, type);
    if (type == SocketType::Stream) {
        socket.tcp = tcp_new();
    } else {
        socket.udp = udp_new();
    }
    if (socket.tcp == nullptr && socket.udp == nullptr) {
        detail::release(descriptor);
        return to_int(SocketError::NoMemory);
    }
    return descriptor;
}

int set_timeout(int descriptor, uint32_t milliseconds) {
    detail::Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) socket = detail::socket_at(descriptor, SocketType::Datagram);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    socket->timeout = milliseconds;
    return 0;
}

int set_nonblocking(int descriptor, bool nonblocking) {
    detail::Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) socket = detail::socket_at(descriptor, SocketType::Datagram);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    socket->nonblocking = nonblocking;
    return 0;
}

}  // namespace exos::net

namespace exos::net {

namespace {

detail::Socket* either(int descriptor) {
    detail::Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    return socket != nullptr ? socket : detail::socket_at(descriptor, SocketType::Datagram);
}

}  // namespace

int bind(int descriptor, SocketAddress local) {
    detail::Socket* socket = either(descriptor);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    return socket->type == SocketType::Stream ? detail::stream_bind(*socket, local)
                                              : detail::datagram_bind(*socket, local);
}

int close(int descriptor) {
    detail::Socket* socket = either(descriptor);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    return socket->type == SocketType::Stream ? detail::stream_close(descriptor, *socket)
                                              : detail::datagram_close(descriptor, *socket);
}

namespace {

uint16_t readiness(const detail::Socket& socket) {
    uint16_t ready = 0;
    if (socket.type == SocketType::Datagram) {
        if (socket.queue_count != 0) ready |= kReadable;
        return ready | kWritable;
    }
    if (socket.listening) return socket.pending_count != 0 ? kReadable : 0;
    if (socket.tcp == nullptr) return kReadable | kWritable;  // an error (or closed) to collect
    if (socket.received != nullptr || socket.peer_closed) ready |= kReadable;
    if (!socket.connecting && tcp_sndbuf(socket.tcp) != 0 &&
        tcp_sndqueuelen(socket.tcp) < TCP_SND_QUEUELEN) {
        ready |= kWritable;
    }
    return ready;
}

}  // namespace

int poll(PollEntry* entries, int count, uint32_t milliseconds) {
    NetInterface& interface = net_interface();
    if (!interface.started()) return to_int(SocketError::NetworkDown);
    if (count < 0 || (count > 0 && entries == nullptr)) {
        return to_int(SocketError::InvalidArgument);
    }
    uint32_t started = sys_now();
    (void)interface.poll();
    for (;;) {
        int ready_count = 0;
        for (int i = 0; i < count; ++i) {
            detail::Socket* socket = either(entries[i].socket);
            if (socket == nullptr) return to_int(SocketError::BadDescriptor);
            entries[i].ready = readiness(*socket) & entries[i].events;
            ready_count += entries[i].ready != 0;
        }
        uint32_t waited = sys_now() - started;
        if (ready_count != 0 || waited >= milliseconds) return ready_count;
        uint32_t left = milliseconds - waited;
        interface.wait(left < 1000 ? left : 1000);
    }
}

int local_address(int descriptor, SocketAddress* local) {
    detail::Socket* socket = either(descriptor);
    if (socket == nullptr || local == nullptr) return to_int(SocketError::BadDescriptor);
    const ip_addr_t* address = nullptr;
    uint16_t port = 0;
    if (socket->tcp != nullptr) {
        address = &socket->tcp->local_ip;
        port = socket->tcp->local_port;
    } else if (socket->udp != nullptr) {
        address = &socket->udp->local_ip;
        port = socket->udp->local_port;
    }
    local->address = address != nullptr ? lwip_ntohl(ip4_addr_get_u32(address)) : 0;
    local->port = port;
    return 0;
}

}  // namespace exos::net
