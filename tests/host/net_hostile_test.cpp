// One lwIP stack (in its own process, net_process.h) against a peer that writes raw frames:
// ARP is answered; truncated frames, broken headers, bad IPv4, UDP and TCP checksums,
// frames longer than Ethernet allows and thousands of random ones are dropped and counted, and
// nothing they carry is delivered or answered; after all of it the stack still echoes and
// still accepts a connection.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <exos/socket.h>

#include "net_frames.h"
#include "net_process.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::ipv4;
using nettest::Bytes;

constexpr uint32_t kStack = ipv4(10, 0, 2, 15);
constexpr uint32_t kPeer = ipv4(10, 0, 2, 2);
constexpr exos::MacAddress kPeerMac{{0x02, 0, 0, 0, 0, 0x22}};
constexpr uint16_t kEcho = 7;
constexpr uint16_t kListen = 80;

// The stack: echoes datagrams on port 7, listens on 80 without accepting, answers "counters"
// with its interface's counters, ends at "quit".
void echo_stack(nettest::HostLink& link, nettest::Report& report) {
    namespace net = exos::net;
    if (!nettest::start_stack(link, report, kStack)) return;
    int udp = net::socket(net::SocketType::Datagram);
    int listener = net::socket(net::SocketType::Stream);
    report.check(net::bind(udp, {0, kEcho}) == 0 && net::bind(listener, {0, kListen}) == 0 &&
                     net::listen(listener, 8) == 0,
                 "stack: bind/listen");
    uint8_t buffer[2048];
    for (;;) {
        net::SocketAddress from{};
        long length = net::recvfrom(udp, buffer, sizeof(buffer), &from);
        if (!report.check(length >= 0, "stack: recvfrom %s", net::error_name(length))) return;
        std::string text(reinterpret_cast<char*>(buffer), size_t(length));
        if (text == "quit") return;
        if (text == "counters") {
            exos::NetCounters counters = exos::net_interface().counters();
            length = snprintf(reinterpret_cast<char*>(buffer), sizeof(buffer),
                              "malformed=%lu checksum=%lu received=%lu",
                              counters.frames_malformed, counters.checksum_errors,
                              counters.frames_received);
        }
        (void)net::sendto(udp, buffer, size_t(length), from);
    }
}

class Peer {
public:
    explicit Peer(int descriptor) : descriptor_(descriptor) {}
    void send(const Bytes& frame) {
        ssize_t sent = ::send(descriptor_, frame.data(), frame.size(), MSG_NOSIGNAL);
        CHECK_EQUAL(ssize_t(frame.size()), sent);
    }
    void send_ip(const Bytes& packet) {
        send(nettest::ethernet(nettest::kMacA, kPeerMac, 0x0800, packet));
    }
    std::optional<Bytes> receive(int milliseconds) {
        pollfd entry{descriptor_, POLLIN, 0};
        if (poll(&entry, 1, milliseconds) <= 0) return std::nullopt;
        Bytes frame(4096);
        ssize_t length = recv(descriptor_, frame.data(), frame.size(), 0);
        if (length <= 0) return std::nullopt;
        frame.resize(size_t(length));
        if (auto datagram = nettest::read_udp(frame)) {
            texts.emplace_back(datagram->data.begin(), datagram->data.end());
        }
        if (auto segment = nettest::read_tcp(frame)) segments.push_back(*segment);
        // The stack may ask who we are at any time: answer, as a host would.
        auto arp = nettest::read_arp(frame);
        if (arp && arp->operation == 1 && arp->target == kPeer) {
            send(nettest::arp_reply(kPeerMac, kPeer, arp->sender_mac, arp->sender));
        }
        return frame;
    }
    // The next datagram the stack sends us within `milliseconds`, other frames skipped.
    std::optional<nettest::Datagram> datagram(int milliseconds) {
        for (int waited = 0; waited < milliseconds; waited += 10) {
            std::optional<Bytes> frame = receive(10);
            if (!frame) continue;
            if (auto datagram = nettest::read_udp(*frame)) return datagram;
        }
        return std::nullopt;
    }
    std::string echo(const std::string& text, uint16_t from_port = 5000) {
        send_ip(nettest::udp(kPeer, kStack, from_port, kEcho, nettest::bytes_of(text)));
        std::optional<nettest::Datagram> reply = datagram(2000);
        if (!reply) return "(no reply)";
        return std::string(reply->data.begin(), reply->data.end());
    }

    // Everything the stack sent us: datagrams' contents and TCP segments, in order.
    std::vector<std::string> texts;
    std::vector<nettest::Segment> segments;

private:
    int descriptor_;
};

}  // namespace

TEST_GROUP(NetHostile) {
    int ends[2] = {-1, -1};
    nettest::Child child{-1, -1};
    void setup() override {
        CHECK_EQUAL(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ends));
        child = nettest::spawn(echo_stack, ends[1], ends[0], nettest::kMacA);
        ::close(ends[1]);
    }
    void teardown() override {
        Peer(ends[0]).send_ip(nettest::udp(kPeer, kStack, 5000, kEcho, nettest::bytes_of("quit")));
        int status = -1;
        std::string report = nettest::finish(child, &status);
        ::close(ends[0]);
        CHECK_EQUAL_TEXT(0, status, report.c_str());
    }
};

TEST(NetHostile, ArpIsAnsweredAndLearned) {
    Peer peer(ends[0]);
    peer.send(nettest::arp_request(kPeerMac, kPeer, kStack));
    std::optional<nettest::Arp> reply;  // (the stack's own gratuitous ARP may come first)
    for (int i = 0; i < 100 && !reply; ++i) {
        std::optional<Bytes> frame = peer.receive(20);
        std::optional<nettest::Arp> arp = frame ? nettest::read_arp(*frame) : std::nullopt;
        if (arp && arp->operation == 2) reply = arp;
    }
    CHECK_TEXT(reply.has_value(), "no ARP reply");
    CHECK_EQUAL(2, reply->operation);
    CHECK_EQUAL(kStack, reply->sender);
    CHECK_EQUAL(kPeer, reply->target);
    MEMCMP_EQUAL(nettest::kMacA.bytes, reply->sender_mac.bytes, 6);
    // A request for an address that is not the stack's is not answered.
    peer.send(nettest::arp_request(kPeerMac, kPeer, ipv4(10, 0, 2, 99)));
    std::optional<Bytes> other = peer.receive(200);
    CHECK_FALSE(other && nettest::read_arp(*other));
    STRCMP_EQUAL("hello", peer.echo("hello").c_str());
}

TEST(NetHostile, BrokenFramesAreDroppedAndCounted) {
    Peer peer(ends[0]);
    STRCMP_EQUAL("before", peer.echo("before").c_str());
    // Shorter than an Ethernet header, and a header with nothing after it.
    peer.send(Bytes{0x42});
    peer.send(Bytes(13, 0xee));
    peer.send(nettest::ethernet(nettest::kMacA, kPeerMac, 0x0800, {}));
    // Truncated IPv4 and ARP headers.
    Bytes good = nettest::udp(kPeer, kStack, 5000, kEcho, nettest::bytes_of("truncated"));
    peer.send_ip(Bytes(good.begin(), good.begin() + 10));
    peer.send_ip(Bytes(good.begin(), good.begin() + 30));  // the UDP header cut
    peer.send(nettest::ethernet(nettest::kMacA, kPeerMac, 0x0806, Bytes(10, 1)));
    // Bad checksums: IPv4 header, UDP, TCP (a SYN that must not be answered).
    peer.send_ip(nettest::ipv4(kPeer, kStack, 17,
                               Bytes(good.begin() + 20, good.end()), true));
    peer.send_ip(nettest::udp(kPeer, kStack, 5000, kEcho, nettest::bytes_of("bad-udp"), true));
    peer.send_ip(nettest::tcp(kPeer, kStack, 4444, kListen, 1000, 0, nettest::kTcpSyn, true));
    // Lengths that lie: IPv4 total length past the frame, header length 4 and 15, UDP length
    // past the packet.
    Bytes lying = good;
    lying[2] = 0x03;  // total length 0x03xx
    peer.send_ip(lying);
    Bytes short_header = good;
    short_header[0] = 0x44;
    peer.send_ip(short_header);
    Bytes long_header = good;
    long_header[0] = 0x4f;
    peer.send_ip(long_header);
    Bytes long_udp = good;
    long_udp[24] = 0x07;  // UDP length 0x07xx
    peer.send_ip(long_udp);
    // Longer than Ethernet carries (the kernel never delivers one; the interface refuses it).
    Bytes oversized = nettest::udp(kPeer, kStack, 5000, kEcho, Bytes(2800, 'x'));
    peer.send_ip(oversized);
    // Random frames to the stack's MAC, half with a valid IPv4 header to the stack's address.
    uint64_t state = 0x2545f4914f6cdd1dull;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (int i = 0; i < 3000; ++i) {
        Bytes payload(next() % 1480);  // every frame within Ethernet's 1514 bytes
        for (auto& byte : payload) byte = uint8_t(next());
        if (i % 2 == 0 && payload.size() >= 8) {
            uint8_t protocols[] = {1, 6, 17};
            Bytes packet = nettest::ipv4(kPeer, kStack, protocols[next() % 3],
                                         Bytes(payload.begin() + 8, payload.end()));
            peer.send_ip(packet);
        } else {
            uint16_t types[] = {0x0800, 0x0806, 0x86dd, 0x1234};
            peer.send(nettest::ethernet(nettest::kMacA, kPeerMac, types[next() % 4], payload));
        }
        while (peer.receive(0)) {
        }
    }
    // Nothing of the broken frames was delivered or answered.
    for (int i = 0; i < 50; ++i) (void)peer.receive(10);
    STRCMP_EQUAL("after", peer.echo("after").c_str());
    for (const std::string& text : peer.texts) {
        CHECK_TEXT(text != "bad-udp" && text != "truncated", text.c_str());
    }
    for (const nettest::Segment& segment : peer.segments) {
        CHECK_TEXT(segment.port != 4444, "a SYN with a bad checksum was answered");
    }
    // A good SYN is answered with a SYN-ACK acknowledging it.
    peer.send_ip(nettest::tcp(kPeer, kStack, 5555, kListen, 7000, 0, nettest::kTcpSyn));
    std::optional<nettest::Segment> syn_ack;
    for (int i = 0; i < 200 && !syn_ack; ++i) {
        std::optional<Bytes> frame = peer.receive(10);
        if (!frame) continue;
        auto segment = nettest::read_tcp(*frame);
        if (segment && segment->port == 5555) syn_ack = segment;
    }
    CHECK_TEXT(syn_ack.has_value(), "no answer to a good SYN");
    CHECK_EQUAL(nettest::kTcpSyn | nettest::kTcpAck, syn_ack->flags);
    CHECK_EQUAL(7001u, syn_ack->acknowledgement);
    peer.send_ip(nettest::tcp(kPeer, kStack, 5555, kListen, 7001, 0, nettest::kTcpRst));
    std::string counters = peer.echo("counters");
    unsigned long malformed = 0, checksum = 0, received = 0;
    CHECK_EQUAL_TEXT(3, sscanf(counters.c_str(), "malformed=%lu checksum=%lu received=%lu",
                               &malformed, &checksum, &received),
                     counters.c_str());
    // Three frames shorter than a header or longer than Ethernet; at least the three broken
    // checksums (random frames add more).
    CHECK_EQUAL_TEXT(3, malformed, counters.c_str());
    CHECK_TEXT(checksum >= 3, counters.c_str());
}

TEST(NetHostile, IcmpEchoIsAnsweredUnlessCorrupt) {
    Peer peer(ends[0]);
    STRCMP_EQUAL("first", peer.echo("first").c_str());  // ARP settled both ways
    nettest::Bytes data = nettest::bytes_of("ping from the peer, 32 bytes....");
    peer.send_ip(nettest::icmp_echo(kPeer, kStack, 8, 0x4242, 1, data, true));
    peer.send_ip(nettest::icmp_echo(kPeer, kStack, 8, 0x4242, 2, data));
    std::optional<nettest::Echo> reply;
    int replies = 0;
    for (int i = 0; i < 50; ++i) {
        std::optional<Bytes> frame = peer.receive(10);
        std::optional<nettest::Echo> echo = frame ? nettest::read_icmp_echo(*frame) : std::nullopt;
        if (!echo) continue;
        ++replies;
        reply = echo;
    }
    CHECK_EQUAL_TEXT(1, replies, "one reply: to the good request, none to the corrupt one");
    CHECK(reply->checksum_ok);
    CHECK_EQUAL(0, reply->type);
    CHECK_EQUAL(0x4242, reply->identifier);
    CHECK_EQUAL(2, reply->sequence);
    CHECK_EQUAL(kPeer, reply->destination);
    CHECK(reply->data == data);
}
