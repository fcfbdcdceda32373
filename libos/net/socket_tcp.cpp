// Stream sockets over lwIP's TCP raw API (exos/socket.h): lwIP's callbacks fill the socket's
// state inside the network loop; the calls wait on that state.
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

err_t on_receive(void* argument, tcp_pcb*, pbuf* packet, err_t error) {
    auto* socket = static_cast<Socket*>(argument);
    if (packet == nullptr) {
        socket->peer_closed = true;  // the FIN
        return ERR_OK;
    }
    if (error != ERR_OK) {
        pbuf_free(packet);
        return ERR_OK;
    }
    // Unread data is at most the window (TCP_WND, under 64 KiB: tcp_recved only when read),
    // so the chain's 16-bit total length cannot wrap.
    if (socket->received == nullptr) {
        socket->received = packet;
    } else {
        pbuf_cat(socket->received, packet);
    }
    return ERR_OK;
}

// lwIP has freed the pcb (reset, abort, retransmissions given up).
void on_error(void* argument, err_t error) {
    auto* socket = static_cast<Socket*>(argument);
    socket->tcp = nullptr;
    socket->error = error == ERR_OK ? err_t{ERR_ABRT} : error;
    socket->connecting = false;
}

err_t on_connected(void* argument, tcp_pcb*, err_t) {
    static_cast<Socket*>(argument)->connecting = false;
    return ERR_OK;
}

void attach(Socket& socket) {
    tcp_arg(socket.tcp, &socket);
    tcp_recv(socket.tcp, on_receive);
    tcp_err(socket.tcp, on_error);
}

err_t on_accept(void* argument, tcp_pcb* connection, err_t error) {
    auto* listener = static_cast<Socket*>(argument);
    if (error != ERR_OK || connection == nullptr) return ERR_VAL;
    int descriptor =
        listener->pending_count < listener->backlog ? allocate(SocketType::Stream) : -1;
    if (descriptor < 0) {
        tcp_abort(connection);  // no room: the peer sees a reset
        return ERR_ABRT;
    }
    Socket& socket = *socket_at(descriptor, SocketType::Stream);
    socket.tcp = connection;
    socket.claimed_port = 0;
    (void)claim(socket, IpProtocol::Tcp, listener->claimed_port);  // one more reference
    attach(socket);
    int slot = (listener->pending_head + listener->pending_count) % kMaxSockets;
    listener->pending[slot] = descriptor;
    ++listener->pending_count;
    return ERR_OK;
}

// Binds an unbound pcb to a port lwIP picks, then claims it.
int ensure_bound(Socket& socket) {
    if (socket.claimed_port != 0) return 0;
    ip_addr_t any = lwip_address(0);
    if (socket.tcp->local_port == 0) {
        if (err_t error = tcp_bind(socket.tcp, &any, 0); error != ERR_OK) {
            return from_lwip(error);
        }
    }
    return claim(socket, IpProtocol::Tcp, socket.tcp->local_port);
}

int connection_error(const Socket& socket) {
    if (socket.error == ERR_OK) return to_int(SocketError::NotConnected);
    return from_lwip(socket.error);
}

}  // namespace

int stream_bind(Socket& socket, SocketAddress local) {
    if (socket.tcp == nullptr || socket.listening || socket.claimed_port != 0) {
        return to_int(SocketError::InvalidArgument);
    }
    ip_addr_t address = lwip_address(local.address);
    if (err_t error = tcp_bind(socket.tcp, &address, local.port); error != ERR_OK) {
        return from_lwip(error);
    }
    return claim(socket, IpProtocol::Tcp, socket.tcp->local_port);
}

int stream_close(int descriptor, Socket& socket) {
    if (socket.listening) {
        // Connections accepted but never taken go with their listener.
        while (socket.pending_count != 0) {
            int pending = socket.pending[socket.pending_head];
            socket.pending_head = (socket.pending_head + 1) % kMaxSockets;
            --socket.pending_count;
            Socket& connection = *socket_at(pending, SocketType::Stream);
            if (connection.tcp != nullptr) tcp_abort(connection.tcp);  // calls on_error
            (void)stream_close(pending, connection);
        }
    }
    if (socket.received != nullptr) pbuf_free(socket.received);
    socket.received = nullptr;
    if (socket.tcp != nullptr) {
        tcp_pcb* pcb = socket.tcp;
        socket.tcp = nullptr;
        if (!socket.listening) {
            // lwIP goes on sending what is queued and closes on its own; it drops what
            // arrives from now on (a null recv callback), and no callback names this socket.
            tcp_arg(pcb, nullptr);
            tcp_recv(pcb, nullptr);
            tcp_err(pcb, nullptr);
        }
        if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
        net_interface().flush();
    }
    unclaim(socket, IpProtocol::Tcp);
    release(descriptor);
    return 0;
}

}  // namespace detail

using detail::Socket;

int listen(int descriptor, int backlog) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->tcp == nullptr || socket->listening || socket->claimed_port == 0) {
        return to_int(SocketError::InvalidArgument);  // bind first
    }
    if (backlog < 1) backlog = 1;
    if (backlog > kMaxSockets - 1) backlog = kMaxSockets - 1;
    u8_t lwip_backlog = static_cast<u8_t>(backlog > 255 ? 255 : backlog);
    err_t error = ERR_OK;
    tcp_pcb* listener = tcp_listen_with_backlog_and_err(socket->tcp, lwip_backlog, &error);
    if (listener == nullptr) return detail::from_lwip(error);  // the original pcb is still ours
    socket->tcp = listener;  // lwIP freed the original and made a smaller listening pcb
    socket->listening = true;
    socket->backlog = backlog;
    tcp_arg(listener, socket);
    tcp_accept(listener, detail::on_accept);
    return 0;
}

int accept(int descriptor, SocketAddress* peer) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (!socket->listening) return to_int(SocketError::InvalidArgument);
    if (int result = detail::wait_until(*socket, [](Socket& s) { return s.pending_count != 0; });
        result != 0) {
        return result;
    }
    int accepted = socket->pending[socket->pending_head];
    socket->pending_head = (socket->pending_head + 1) % kMaxSockets;
    --socket->pending_count;
    Socket& connection = *detail::socket_at(accepted, SocketType::Stream);
    if (peer != nullptr) {
        *peer = {};
        if (connection.tcp != nullptr) {
            peer->address = lwip_ntohl(ip4_addr_get_u32(&connection.tcp->remote_ip));
            peer->port = connection.tcp->remote_port;
        }
    }
    return accepted;
}

int connect(int descriptor, SocketAddress remote) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->tcp == nullptr || socket->listening || socket->connecting) {
        return to_int(SocketError::InvalidArgument);
    }
    if (int result = detail::ensure_bound(*socket); result != 0) return result;
    detail::attach(*socket);
    ip_addr_t address = detail::lwip_address(remote.address);
    socket->connecting = true;
    if (err_t error = tcp_connect(socket->tcp, &address, remote.port, detail::on_connected);
        error != ERR_OK) {
        socket->connecting = false;
        return detail::from_lwip(error);
    }
    net_interface().flush();  // the SYN
    if (int result = detail::wait_until(*socket, [](Socket& s) { return !s.connecting; });
        result != 0) {
        return result;  // still connecting (non-blocking): a later send or recv waits
    }
    if (socket->tcp == nullptr) {
        return socket->error == ERR_RST ? to_int(SocketError::ConnectionRefused)
                                        : detail::connection_error(*socket);
    }
    return 0;
}

long send(int descriptor, const void* data, size_t length) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->listening) return to_int(SocketError::NotConnected);
    const auto* bytes = static_cast<const uint8_t*>(data);
    size_t sent = 0;
    while (sent < length) {
        if (socket->tcp == nullptr) {
            return sent != 0 ? long(sent) : detail::connection_error(*socket);
        }
        uint32_t room = tcp_sndbuf(socket->tcp);
        if (socket->connecting || tcp_sndqueuelen(socket->tcp) >= TCP_SND_QUEUELEN) room = 0;
        size_t chunk = length - sent;
        if (chunk > room) chunk = room;
        if (chunk > 0xffff) chunk = 0xffff;
        err_t error = ERR_MEM;
        if (chunk != 0) {
            u8_t flags = TCP_WRITE_FLAG_COPY | (sent + chunk < length ? TCP_WRITE_FLAG_MORE : 0);
            error = tcp_write(socket->tcp, bytes + sent, static_cast<u16_t>(chunk), flags);
        }
        if (error == ERR_OK) {
            sent += chunk;
            continue;
        }
        if (error != ERR_MEM) return sent != 0 ? long(sent) : detail::from_lwip(error);
        // No room: send what is queued and wait for acknowledgements to free some.
        (void)tcp_output(socket->tcp);
        net_interface().flush();
        int result = detail::wait_until(*socket, [](Socket& s) {
            return s.tcp == nullptr ||
                   (!s.connecting && tcp_sndbuf(s.tcp) != 0 &&
                    tcp_sndqueuelen(s.tcp) < TCP_SND_QUEUELEN);
        });
        if (result != 0) return sent != 0 ? long(sent) : result;
    }
    if (socket->tcp != nullptr) (void)tcp_output(socket->tcp);
    net_interface().flush();
    return long(sent);
}

long recv(int descriptor, void* buffer, size_t capacity) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->listening) return to_int(SocketError::NotConnected);
    if (capacity == 0) return 0;
    int result = detail::wait_until(*socket, [](Socket& s) {
        return s.received != nullptr || s.peer_closed || s.tcp == nullptr;
    });
    if (result != 0) return result;
    if (socket->received == nullptr) {
        return socket->peer_closed ? 0 : detail::connection_error(*socket);
    }
    size_t total = socket->received->tot_len;
    auto count = static_cast<u16_t>(capacity < total ? capacity : total);
    (void)pbuf_copy_partial(socket->received, buffer, count, 0);
    socket->received = pbuf_free_header(socket->received, count);
    if (socket->tcp != nullptr) {
        tcp_recved(socket->tcp, count);  // the window opens again: may send an update
        net_interface().flush();
    }
    return count;
}

int shutdown_send(int descriptor) {
    Socket* socket = detail::socket_at(descriptor, SocketType::Stream);
    if (socket == nullptr) return to_int(SocketError::BadDescriptor);
    if (socket->tcp == nullptr || socket->listening) return to_int(SocketError::NotConnected);
    if (err_t error = tcp_shutdown(socket->tcp, 0, 1); error != ERR_OK) {
        return detail::from_lwip(error);
    }
    net_interface().flush();
    return 0;
}

}  // namespace exos::net
