// Datagram sockets over lwIP's UDP raw API (exos/socket.h): received datagrams wait in a
// small queue per socket, sends go out at once.
#include <exos/socket.h>

#include "socket_table.h"

namespace exos::net {

namespace detail {

namespace {

ip_addr_t lwip_address(uint32_t host_order) {
    ip_addr_t address;
    ip_addr_set_ip4_u32(&address, lwip_htonl(host_order));
    return address;
}

void on_datagram(void* argument, udp_pcb*, pbuf* packet, const ip_addr_t* address,
                 u16_t port) {
    auto* socket = static_cast<Socket*>(argument);
    if (socket->queue_count == kDatagramQueue) {
        count_dropped_datagram();
        pbuf_free(packet);
        return;
    }
    int slot = (socket->queue_head + socket->queue_count) % kDatagramQueue;
    socket->queue[slot] = {packet, lwip_ntohl(ip4_addr_get_u32(address)), port};
    ++socket->queue_count;
}

int ensure_bound(Socket& socket) {
    if (socket.claimed_port != 0) return 0;
    return datagram_bind(socket, {0, 0});
}

}  // namespace

int datagram_bind(Socket& socket, SocketAddress local) {
    if (socket.claimed_port != 0) return to_int(SocketError::InvalidArgument);
    ip_addr_t address = lwip_address(local.address);
    if (err_t error = udp_bind(socket.udp, &address, local.port); error != ERR_OK) {
        return from_lwip(error);
    }
    if (int result = claim(socket, IpProtocol::Udp, socket.udp->local_port); result != 0) {
        // Unbound again, so a later bind to another port may succeed.
        udp_remove(socket.udp);
        socket.udp = udp_new();
        return result;
    }
    udp_recv(socket.udp, on_datagram, &socket);
    return 0;
}

int datagram_close(int descriptor, Socket& socket) {
    for (; socket.queue_count != 0; --socket.queue_count) {
        pbuf_free(socket.queue[socket.queue_head].packet);
        socket.queue_head = (socket.queue_head + 1) % kDatagramQueue;
    }
    if (socket.udp != nullptr) udp_remove(socket.udp);
    socket.udp = nullptr;
    unclaim(socket, IpProtocol::Udp);
    release(descriptor);
    return 0;
}

}  // namespace detail

using detail::Socket;

long sendto(int descriptor, const void* data, size_t length, SocketAddress remote) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Datagram);
    if (socket == nullptr || socket->udp == nullptr) return to_int(SocketError::BadDescriptor);
    if (length > kMaxDatagram) return to_int(SocketError::TooLarge);
    if (int result = detail::ensure_bound(*socket); result != 0) return result;
    // From the pool (a fixed-size block, taken in a few instructions) rather than lwIP's heap
    // (first fit); a datagram longer than one pool block is a chain, which lwIP sends as well.
    pbuf* packet = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(length), PBUF_POOL);
    if (packet == nullptr) return to_int(SocketError::NoMemory);
    if (length != 0) (void)pbuf_take(packet, data, static_cast<u16_t>(length));
    ip_addr_t address = detail::lwip_address(remote.address);
    err_t error = udp_sendto(socket->udp, packet, &address, remote.port);
    pbuf_free(packet);
    net_interface().flush();
    if (error != ERR_OK) return detail::from_lwip(error);
    return long(length);
}

long recvfrom(int descriptor, void* buffer, size_t capacity, SocketAddress* from) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Datagram);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->claimed_port == 0) return to_int(SocketError::InvalidArgument);  // bind first
    if (int result = detail::wait_until(*socket, [](Socket& s) { return s.queue_count != 0; });
        result != 0) {
        return result;
    }
    detail::Datagram datagram = socket->queue[socket->queue_head];
    socket->queue_head = (socket->queue_head + 1) % kDatagramQueue;
    --socket->queue_count;
    size_t length = datagram.packet->tot_len;
    auto count = static_cast<u16_t>(capacity < length ? capacity : length);
    (void)pbuf_copy_partial(datagram.packet, buffer, count, 0);
    pbuf_free(datagram.packet);
    if (from != nullptr) *from = {datagram.address, datagram.port};
    return count;
}

}  // namespace exos::net
