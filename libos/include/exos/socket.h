// Sockets of the library OS over lwIP's raw API (docs/sockets.md): descriptors, blocking calls
// that run the environment's own network loop while they wait (exos/net_interface.h), and the
// kernel's packet filters kept in step with the ports the sockets use (a bound or connected
// socket's local port is claimed for this environment; the claim goes when lwIP is done with
// the port). Everything runs in the caller's context: there are no threads behind it.
#pragma once

#include <cstddef>
#include <cstdint>

#include <exos/net_interface.h>

namespace exos::net {

enum class SocketType : uint8_t { Stream, Datagram };

// Host order, as ipv4() builds it; address 0 is any (bind) .
struct SocketAddress {
    uint32_t address;
    uint16_t port;
};

// Every call returns a SocketError (negative) on failure; these are their values.
enum class SocketError : int {
    BadDescriptor = -1,      // not an open socket, or the wrong kind for the call
    NoSockets = -2,          // every descriptor is in use
    AddressInUse = -3,       // the port is this stack's or (its filter refused) another's
    NotConnected = -4,
    ConnectionRefused = -5,  // a reset answered the SYN
    ConnectionReset = -6,    // the connection was reset or aborted while open
    WouldBlock = -7,         // non-blocking, and nothing could be done now
    TimedOut = -8,           // the socket's timeout passed
    InvalidArgument = -9,
    NoMemory = -10,          // lwIP had no pcb, pbuf or segment for it
    TooLarge = -11,          // a datagram longer than one frame carries
    NetworkDown = -12,       // the interface has not started
};
constexpr int to_int(SocketError error) { return static_cast<int>(error); }
const char* error_name(long result);  // "bad descriptor", ...; "ok" for a result >= 0

inline constexpr int kMaxSockets = 80;
inline constexpr size_t kMaxDatagram = 1472;  // 1500 - IPv4 - UDP headers: no fragments

int socket(SocketType type);
int bind(int socket, SocketAddress local);
int listen(int socket, int backlog);
// The next connection a listening socket accepted; its peer in *peer when given.
int accept(int socket, SocketAddress* peer);
int connect(int socket, SocketAddress remote);
// Stream: queues all of `data` (blocking) or what fits (non-blocking) and sends it; the count.
long send(int socket, const void* data, size_t length);
// Stream: up to `capacity` bytes, at least one (blocking); 0 once the peer has closed.
long recv(int socket, void* buffer, size_t capacity);
// Datagram: one datagram to `remote` (binding an unbound socket to a port of its own first).
long sendto(int socket, const void* data, size_t length, SocketAddress remote);
// Datagram: the next datagram, cut to `capacity`, and who sent it; the bytes copied.
long recvfrom(int socket, void* buffer, size_t capacity, SocketAddress* from);
// Stream: no more sends (a FIN); received data still arrives.
int shutdown_send(int socket);
int close(int socket);

// A blocking call returns TimedOut after `milliseconds` (0, the default: waits for ever).
int set_timeout(int socket, uint32_t milliseconds);
int set_nonblocking(int socket, bool nonblocking);
// The local address a socket is bound to (its port once bound or connected).
int local_address(int socket, SocketAddress* local);

// Readiness of several sockets at once, for a loop that serves many (BSD poll(2)'s shape).
inline constexpr uint16_t kReadable = 1 << 0;  // data, a datagram, a connection to accept, the
                                               // peer's FIN, or an error to collect
inline constexpr uint16_t kWritable = 1 << 1;  // room to send (or an error to collect)
struct PollEntry {
    int socket;
    uint16_t events;  // what to wait for
    uint16_t ready;   // what is ready, set by poll
};
inline constexpr uint32_t kPollForever = ~uint32_t{0};
// Runs the network loop until an entry is ready for something it asks, or `milliseconds`
// passed (0: only looks); how many entries are ready. BadDescriptor if one is not a socket.
int poll(PollEntry* entries, int count, uint32_t milliseconds);

// Datagrams waiting on a datagram socket: at most this many, further ones are dropped (and
// counted), as a kernel's socket buffer would.
inline constexpr int kDatagramQueue = 16;
uint64_t datagrams_dropped();

}  // namespace exos::net
