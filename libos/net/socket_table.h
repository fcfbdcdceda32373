// The sockets' shared state (libos/net/socket_*.cpp): the descriptor table, the ports claimed
// from the kernel's filters, and the wait loop every blocking call runs.
#pragma once

#include <exos/socket.h>

#include "lwip/err.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

namespace exos::net::detail {

struct Datagram {
    pbuf* packet;
    uint32_t address;  // host order
    uint16_t port;
};

struct Socket {
    bool used;
    SocketType type;
    bool nonblocking;
    uint32_t timeout;  // milliseconds, 0 = none
    uint16_t claimed_port;  // the port claim this socket holds a reference to, 0 = none

    // Stream.
    tcp_pcb* tcp;
    pbuf* received;       // unread bytes, a chain
    bool peer_closed;     // FIN seen: recv returns 0 once `received` is empty
    bool connecting;
    bool listening;
    err_t error;          // ERR_OK, or why lwIP dropped the connection (the pcb is gone)
    int backlog;
    int pending[kMaxSockets];  // accepted, not yet taken by accept(): descriptors, a FIFO
    int pending_head;
    int pending_count;

    // Datagram.
    udp_pcb* udp;
    Datagram queue[kDatagramQueue];
    int queue_head;
    int queue_count;
};

Socket* socket_at(int descriptor, SocketType type);
int allocate(SocketType type);  // a descriptor of a fresh socket, or NoSockets
void release(int descriptor);   // back to the table (the caller dropped the pcb)

// Port claims, counted per socket; a TCP port's claim stays while lwIP still has a pcb on it
// (a connection closing, or in TIME-WAIT, must still receive and send), and is let go by the
// sweep in wait_until.
int claim(Socket& socket, IpProtocol protocol, uint16_t port);
void unclaim(Socket& socket, IpProtocol protocol);

// The kind-specific halves of bind, close and local_address (socket_tcp.cpp, socket_udp.cpp).
int stream_bind(Socket& socket, SocketAddress local);
int stream_close(int descriptor, Socket& socket);
int datagram_bind(Socket& socket, SocketAddress local);
int datagram_close(int descriptor, Socket& socket);

uint32_t sys_now_milliseconds();
int from_lwip(err_t error);  // a SocketError for a negative lwIP error
void count_dropped_datagram();

// Runs the network loop until `ready(socket)` holds: Ok (0), else WouldBlock when the socket
// does not block, TimedOut after its timeout, NetworkDown before the interface started.
template <typename Ready>
int wait_until(Socket& socket, Ready ready);
int wait_step(Socket& socket, uint32_t started);  // one round of it: 1 = go on

template <typename Ready>
int wait_until(Socket& socket, Ready ready) {
    uint32_t started = sys_now_milliseconds();
    while (!ready(socket)) {
        if (int result = wait_step(socket, started); result != 1) return result;
    }
    return 0;
}

}  // namespace exos::net::detail
