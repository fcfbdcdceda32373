// Two lwIP stacks back to back, each in its own process over a socket pair (net_process.h),
// talking through the library OS's sockets: ARP resolves each side's address, UDP datagrams of
// every size come back as sent, TCP moves data both ways with contents, order and end checked,
// and the sockets claim the ports they use (the kernel's filters on the target).
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <exos/socket.h>

#include "lwip/etharp.h"
#include "lwip/sys.h"
#include "net_process.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::ipv4;
using exos::net::SocketAddress;
using exos::net::SocketType;
using nettest::HostLink;
using nettest::Report;

constexpr uint32_t kAddressA = ipv4(10, 0, 2, 15);
constexpr uint32_t kAddressB = ipv4(10, 0, 2, 2);
constexpr uint16_t kEchoPort = 7;
constexpr uint16_t kStreamPort = 80;
constexpr size_t kUpload = 64 * 1024;
constexpr size_t kDownload = 256 * 1024 + 123;
constexpr int kDatagrams = 300;

uint64_t fnv(const uint8_t* bytes, size_t length, uint64_t hash = 0xcbf29ce484222325ull) {
    for (size_t i = 0; i < length; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    return hash;
}

// Stack B: echoes datagrams on port 7 until "quit", then serves one TCP connection on port 80:
// reads kUpload bytes, answers their hash, sends kDownload bytes and closes.
void server(HostLink& link, Report& report) {
    namespace net = exos::net;
    if (!nettest::start_stack(link, report, kAddressB)) return;
    int udp = net::socket(SocketType::Datagram);
    int listener = net::socket(SocketType::Stream);
    report.check(net::bind(udp, {0, kEchoPort}) == 0, "server: bind udp");
    report.check(net::bind(listener, {0, kStreamPort}) == 0, "server: bind tcp");
    report.check(net::listen(listener, 4) == 0, "server: listen");
    report.check(link.claimed(exos::IpProtocol::Udp, kEchoPort), "server: udp 7 not claimed");
    report.check(link.claimed(exos::IpProtocol::Tcp, kStreamPort), "server: tcp 80 not claimed");
    uint8_t buffer[2048];
    for (;;) {
        SocketAddress from{};
        long length = net::recvfrom(udp, buffer, sizeof(buffer), &from);
        if (!report.check(length >= 0, "server: recvfrom %s", net::error_name(length))) return;
        if (length == 4 && std::memcmp(buffer, "quit", 4) == 0) break;
        long sent = net::sendto(udp, buffer, size_t(length), from);
        report.check(sent == length, "server: sendto %s", net::error_name(sent));
    }
    SocketAddress peer{};
    int connection = net::accept(listener, &peer);
    if (!report.check(connection >= 0, "server: accept %s", net::error_name(connection))) return;
    report.check(peer.address == kAddressA, "server: peer %x", peer.address);
    uint64_t hash = 0xcbf29ce484222325ull;
    size_t received = 0;
    while (received < kUpload) {
        long length = net::recv(connection, buffer, sizeof(buffer));
        if (!report.check(length > 0, "server: recv %s after %zu", net::error_name(length),
                          received)) {
            return;
        }
        hash = fnv(buffer, size_t(length), hash);
        received += size_t(length);
    }
    report.check(net::send(connection, &hash, sizeof(hash)) == sizeof(hash), "server: hash");
    static uint8_t download[kDownload];
    for (size_t i = 0; i < kDownload; ++i) download[i] = nettest::pattern_byte(i, 5);
    long sent = net::send(connection, download, kDownload);
    report.check(sent == long(kDownload), "server: send %s", net::error_name(sent));
    report.check(net::close(connection) == 0, "server: close");
    // Let the last segments and the FIN be acknowledged before the process goes.
    int idle = net::socket(SocketType::Datagram);
    (void)net::bind(idle, {0, 9});
    (void)net::set_timeout(idle, 1500);
    (void)net::recvfrom(idle, buffer, sizeof(buffer), nullptr);
}

void client(HostLink& link, Report& report) {
    namespace net = exos::net;
    if (!nettest::start_stack(link, report, kAddressA)) return;
    int udp = net::socket(SocketType::Datagram);
    (void)net::set_timeout(udp, 3000);
    uint8_t out[net::kMaxDatagram], in[net::kMaxDatagram + 16];
    int echoed = 0;
    for (int i = 0; i < kDatagrams; ++i) {
        size_t length = size_t(i * 97) % (net::kMaxDatagram + 1);
        for (size_t b = 0; b < length; ++b) out[b] = nettest::pattern_byte(b, uint32_t(i));
        long sent = net::sendto(udp, out, length, {kAddressB, kEchoPort});
        if (!report.check(sent == long(length), "client: sendto %d: %s", i,
                          net::error_name(sent))) {
            continue;
        }
        SocketAddress from{};
        long got = net::recvfrom(udp, in, sizeof(in), &from);
        if (!report.check(got == long(length), "client: datagram %d: %ld bytes, %zu sent", i,
                          got, length)) {
            continue;
        }
        report.check(from.address == kAddressB && from.port == kEchoPort, "client: from %x:%u",
                     from.address, from.port);
        if (report.check(std::memcmp(in, out, length) == 0, "client: datagram %d differs", i)) {
            ++echoed;
        }
    }
    report.note("client: %d of %d datagrams echoed", echoed, kDatagrams);
    SocketAddress local{};
    (void)net::local_address(udp, &local);
    report.check(local.port != 0 && link.claimed(exos::IpProtocol::Udp, local.port),
                 "client: the ephemeral udp port %u is not claimed", local.port);
    // ARP: B's address resolved to B's MAC.
    eth_addr* mac = nullptr;
    const ip4_addr_t* address = nullptr;
    ip4_addr_t wanted;
    ip4_addr_set_u32(&wanted, lwip_htonl(kAddressB));
    ssize_t entry = etharp_find_addr(exos::net_interface().lwip_netif(), &wanted, &mac, &address);
    report.check(entry >= 0 && mac != nullptr &&
                     std::memcmp(mac->addr, nettest::kMacB.bytes, 6) == 0,
                 "client: ARP has no entry for B with B's MAC");
    (void)net::sendto(udp, "quit", 4, {kAddressB, kEchoPort});

    int stream = net::socket(SocketType::Stream);
    (void)net::set_timeout(stream, 10000);
    int result = net::connect(stream, {kAddressB, kStreamPort});
    if (!report.check(result == 0, "client: connect %s", net::error_name(result))) return;
    static uint8_t upload[kUpload];
    for (size_t i = 0; i < kUpload; ++i) upload[i] = nettest::pattern_byte(i, 3);
    long sent = net::send(stream, upload, kUpload);
    report.check(sent == long(kUpload), "client: send %s", net::error_name(sent));
    uint64_t hash = 0;
    size_t have = 0;
    while (have < sizeof(hash)) {
        long length = net::recv(stream, reinterpret_cast<uint8_t*>(&hash) + have,
                                sizeof(hash) - have);
        if (!report.check(length > 0, "client: hash recv %s", net::error_name(length))) return;
        have += size_t(length);
    }
    report.check(hash == fnv(upload, kUpload), "client: the server's hash differs");
    size_t received = 0, wrong = 0;
    for (;;) {
        uint8_t buffer[3000];
        long length = net::recv(stream, buffer, sizeof(buffer));
        if (!report.check(length >= 0, "client: recv %s", net::error_name(length))) break;
        if (length == 0) break;
        for (long b = 0; b < length; ++b) {
            if (buffer[b] != nettest::pattern_byte(received + size_t(b), 5)) ++wrong;
        }
        received += size_t(length);
    }
    report.check(received == kDownload, "client: %zu bytes received, %zu sent", received,
                 kDownload);
    report.check(wrong == 0, "client: %zu bytes differ", wrong);
    report.note("client: %zu bytes down, %zu up", received, kUpload);
    (void)net::close(stream);
}

}  // namespace

TEST_GROUP(NetPair){};

TEST(NetPair, UdpEchoArpAndTcpBothWays) {
    int ends[2];
    CHECK_EQUAL(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ends));
    nettest::Child b = nettest::spawn(server, ends[1], ends[0], nettest::kMacB);
    nettest::Child a = nettest::spawn(client, ends[0], ends[1], nettest::kMacA);
    ::close(ends[0]);
    ::close(ends[1]);
    int status_a = -1, status_b = -1;
    std::string report_a = nettest::finish(a, &status_a);
    std::string report_b = nettest::finish(b, &status_b);
    std::string both = "client:\n" + report_a + "server:\n" + report_b;
    CHECK_TEXT(report_a.find("300 of 300 datagrams echoed") != std::string::npos, both.c_str());
    CHECK_TEXT(report_a.find("262267 bytes down, 65536 up") != std::string::npos, both.c_str());
    CHECK_EQUAL_TEXT(0, status_a, both.c_str());
    CHECK_EQUAL_TEXT(0, status_b, both.c_str());
}

namespace {

constexpr uint16_t kPollUdpPort = 5353;
constexpr uint16_t kPollTcpPort = 8080;

// Stack B: one poll over a datagram socket and a listener. Nothing is ready at first (a look
// returns 0 at once, a 200 ms wait returns 0 after 200 ms); then the datagram makes the UDP
// socket readable alone, the connection the listener, and the accepted connection's request
// the connection, which poll also finds writable.
void poll_server(HostLink& link, Report& report) {
    namespace net = exos::net;
    if (!nettest::start_stack(link, report, kAddressB)) return;
    int udp = net::socket(SocketType::Datagram);
    int listener = net::socket(SocketType::Stream);
    report.check(net::bind(udp, {0, kPollUdpPort}) == 0 &&
                     net::bind(listener, {0, kPollTcpPort}) == 0 && net::listen(listener, 2) == 0,
                 "poll server: bind/listen");
    net::PollEntry entries[2] = {{udp, net::kReadable, 0}, {listener, net::kReadable, 0}};
    report.check(net::poll(entries, 2, 0) == 0, "poll server: something ready at first");
    uint32_t before = sys_now();
    int ready = net::poll(entries, 2, 200);
    uint32_t waited = sys_now() - before;
    report.check(ready == 0 && waited >= 200, "poll server: %d ready after %u ms", ready, waited);
    // The client's datagram.
    ready = net::poll(entries, 2, 5000);
    report.check(ready == 1 && entries[0].ready == net::kReadable && entries[1].ready == 0,
                 "poll server: datagram: %d ready (%u, %u)", ready, entries[0].ready,
                 entries[1].ready);
    uint8_t buffer[64];
    net::SocketAddress from{};
    long length = net::recvfrom(udp, buffer, sizeof(buffer), &from);
    report.check(length == 5 && std::memcmp(buffer, "first", 5) == 0, "poll server: datagram");
    (void)net::sendto(udp, "ok", 2, from);  // the client connects only now
    // Then the client's connection.
    ready = net::poll(entries, 2, 5000);
    report.check(ready == 1 && entries[1].ready == net::kReadable && entries[0].ready == 0,
                 "poll server: connection: %d ready", ready);
    int connection = net::accept(listener, nullptr);
    if (!report.check(connection >= 0, "poll server: accept")) return;
    net::PollEntry request{connection, net::kReadable | net::kWritable, 0};
    ready = net::poll(&request, 1, 5000);
    report.check(ready == 1 && request.ready == net::kWritable, "poll server: idle connection %u",
                 request.ready);
    (void)net::sendto(udp, "go", 2, from);  // now the client sends its request
    request.events = net::kReadable;
    ready = net::poll(&request, 1, 5000);
    report.check(ready == 1 && request.ready == net::kReadable, "poll server: request %u",
                 request.ready);
    length = net::recv(connection, buffer, sizeof(buffer));
    report.check(length == 7 && std::memcmp(buffer, "request", 7) == 0, "poll server: request");
    net::PollEntry bad{99, net::kReadable, 0};
    report.check(net::poll(&bad, 1, 0) == net::to_int(net::SocketError::BadDescriptor),
                 "poll server: a bad descriptor");
    (void)net::sendto(udp, "done", 4, from);
    (void)net::close(connection);
    (void)net::set_timeout(udp, 500);
    (void)net::recvfrom(udp, buffer, sizeof(buffer), nullptr);  // the stack runs a little more
}

void poll_client(HostLink& link, Report& report) {
    namespace net = exos::net;
    if (!nettest::start_stack(link, report, kAddressA)) return;
    usleep(400 * 1000);  // past the server's 200 ms wait
    int udp = net::socket(SocketType::Datagram);
    (void)net::set_timeout(udp, 5000);
    report.check(net::sendto(udp, "first", 5, {kAddressB, kPollUdpPort}) == 5, "client: first");
    uint8_t buffer[16];
    report.check(net::recvfrom(udp, buffer, sizeof(buffer), nullptr) == 2, "client: ok");
    int stream = net::socket(SocketType::Stream);
    (void)net::set_timeout(stream, 5000);
    report.check(net::connect(stream, {kAddressB, kPollTcpPort}) == 0, "client: connect");
    report.check(net::recvfrom(udp, buffer, sizeof(buffer), nullptr) == 2, "client: go");
    report.check(net::send(stream, "request", 7) == 7, "client: request");
    report.check(net::recvfrom(udp, buffer, sizeof(buffer), nullptr) == 4, "client: done");
    (void)net::close(stream);
}

}  // namespace

TEST(NetPair, PollWaitsForWhicheverSocketIsReady) {
    int ends[2];
    CHECK_EQUAL(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ends));
    nettest::Child b = nettest::spawn(poll_server, ends[1], ends[0], nettest::kMacB);
    nettest::Child a = nettest::spawn(poll_client, ends[0], ends[1], nettest::kMacA);
    ::close(ends[0]);
    ::close(ends[1]);
    int status_a = -1, status_b = -1;
    std::string report_a = nettest::finish(a, &status_a);
    std::string report_b = nettest::finish(b, &status_b);
    std::string both = "client:\n" + report_a + "server:\n" + report_b;
    CHECK_EQUAL_TEXT(0, status_a, both.c_str());
    CHECK_EQUAL_TEXT(0, status_b, both.c_str());
}
