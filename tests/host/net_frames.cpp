// Hand-built frames (net_frames.h): big-endian fields, RFC 1071 checksums summed here.
#include "net_frames.h"

namespace nettest {

namespace {

void put16(Bytes& out, uint16_t value) {
    out.push_back(uint8_t(value >> 8));
    out.push_back(uint8_t(value));
}
void put32(Bytes& out, uint32_t value) {
    put16(out, uint16_t(value >> 16));
    put16(out, uint16_t(value));
}
uint16_t get16(const Bytes& in, size_t at) { return uint16_t(in[at] << 8 | in[at + 1]); }
uint32_t get32(const Bytes& in, size_t at) {
    return uint32_t(get16(in, at)) << 16 | get16(in, at + 2);
}

uint32_t sum16(const uint8_t* bytes, size_t length, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < length; i += 2) sum += uint32_t(bytes[i] << 8 | bytes[i + 1]);
    if (length % 2 != 0) sum += uint32_t(bytes[length - 1]) << 8;
    return sum;
}
uint16_t finish(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// The UDP/TCP checksum over the pseudo-header (RFC 768, RFC 793) and the segment.
uint16_t transport_checksum(uint32_t source, uint32_t destination, uint8_t protocol,
                            const Bytes& segment) {
    Bytes pseudo;
    put32(pseudo, source);
    put32(pseudo, destination);
    put16(pseudo, protocol);
    put16(pseudo, uint16_t(segment.size()));
    return finish(sum16(segment.data(), segment.size(), sum16(pseudo.data(), pseudo.size())));
}

// The IPv4 payload of an IPv4 frame of `protocol`, if the frame is one.
std::optional<Bytes> ipv4_payload(const Bytes& frame, uint8_t protocol) {
    if (frame.size() < 34 || get16(frame, 12) != 0x0800) return std::nullopt;
    size_t header = size_t(frame[14] & 0xf) * 4;
    size_t total = get16(frame, 16);
    if (frame[23] != protocol || header < 20 || total < header || 14 + total > frame.size()) {
        return std::nullopt;
    }
    return Bytes(frame.begin() + long(14 + header), frame.begin() + long(14 + total));
}

}  // namespace

Bytes ethernet(const exos::MacAddress& to, const exos::MacAddress& from, uint16_t type,
               const Bytes& payload) {
    Bytes out(to.bytes, to.bytes + 6);
    out.insert(out.end(), from.bytes, from.bytes + 6);
    put16(out, type);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

namespace {
Bytes arp(uint16_t operation, const exos::MacAddress& from, uint32_t sender,
          const exos::MacAddress& to, uint32_t target) {
    Bytes out;
    put16(out, 1);       // Ethernet
    put16(out, 0x0800);  // IPv4
    out.push_back(6);
    out.push_back(4);
    put16(out, operation);
    out.insert(out.end(), from.bytes, from.bytes + 6);
    put32(out, sender);
    out.insert(out.end(), to.bytes, to.bytes + 6);
    put32(out, target);
    return out;
}
}  // namespace

Bytes arp_request(const exos::MacAddress& from, uint32_t sender, uint32_t target) {
    exos::MacAddress broadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    return ethernet(broadcast, from, 0x0806, arp(1, from, sender, {{0}}, target));
}

Bytes arp_reply(const exos::MacAddress& from, uint32_t sender, const exos::MacAddress& to,
                uint32_t target) {
    return ethernet(to, from, 0x0806, arp(2, from, sender, to, target));
}

Bytes ipv4(uint32_t source, uint32_t destination, uint8_t protocol, const Bytes& payload,
           bool break_checksum) {
    Bytes out;
    out.push_back(0x45);
    out.push_back(0);
    put16(out, uint16_t(20 + payload.size()));
    put16(out, 0x1234);  // identification
    put16(out, 0x4000);  // don't fragment
    out.push_back(64);
    out.push_back(protocol);
    put16(out, 0);
    put32(out, source);
    put32(out, destination);
    uint16_t checksum = finish(sum16(out.data(), out.size()));
    if (break_checksum) checksum ^= 0x0101;
    out[10] = uint8_t(checksum >> 8);
    out[11] = uint8_t(checksum);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Bytes udp(uint32_t source, uint32_t destination, uint16_t source_port, uint16_t port,
          const Bytes& data, bool break_checksum) {
    Bytes out;
    put16(out, source_port);
    put16(out, port);
    put16(out, uint16_t(8 + data.size()));
    put16(out, 0);
    out.insert(out.end(), data.begin(), data.end());
    uint16_t checksum = transport_checksum(source, destination, 17, out);
    if (checksum == 0) checksum = 0xffff;  // 0 means "none" in UDP (RFC 768)
    if (break_checksum) checksum ^= 0x0101;
    out[6] = uint8_t(checksum >> 8);
    out[7] = uint8_t(checksum);
    return ipv4(source, destination, 17, out);
}

Bytes tcp(uint32_t source, uint32_t destination, uint16_t source_port, uint16_t port,
          uint32_t sequence, uint32_t acknowledgement, uint8_t flags, bool break_checksum) {
    Bytes out;
    put16(out, source_port);
    put16(out, port);
    put32(out, sequence);
    put32(out, acknowledgement);
    out.push_back(5 << 4);  // 20-byte header
    out.push_back(flags);
    put16(out, 8192);  // window
    put16(out, 0);
    put16(out, 0);
    uint16_t checksum = transport_checksum(source, destination, 6, out);
    if (break_checksum) checksum ^= 0x0101;
    out[16] = uint8_t(checksum >> 8);
    out[17] = uint8_t(checksum);
    return ipv4(source, destination, 6, out);
}

Bytes icmp_echo(uint32_t source, uint32_t destination, uint8_t type, uint16_t identifier,
                uint16_t sequence, const Bytes& data, bool break_checksum) {
    Bytes out;
    out.push_back(type);
    out.push_back(0);
    put16(out, 0);
    put16(out, identifier);
    put16(out, sequence);
    out.insert(out.end(), data.begin(), data.end());
    uint16_t checksum = finish(sum16(out.data(), out.size()));
    if (break_checksum) checksum ^= 0x0101;
    out[2] = uint8_t(checksum >> 8);
    out[3] = uint8_t(checksum);
    return ipv4(source, destination, 1, out);
}

std::optional<Echo> read_icmp_echo(const Bytes& frame) {
    std::optional<Bytes> payload = ipv4_payload(frame, 1);
    if (!payload || payload->size() < 8) return std::nullopt;
    return Echo{get32(frame, 26), get32(frame, 30), (*payload)[0], get16(*payload, 4),
                get16(*payload, 6), Bytes(payload->begin() + 8, payload->end()),
                finish(sum16(payload->data(), payload->size())) == 0};
}

std::optional<Arp> read_arp(const Bytes& frame) {
    if (frame.size() < 42 || get16(frame, 12) != 0x0806) return std::nullopt;
    Arp arp{};
    arp.operation = get16(frame, 20);
    for (int i = 0; i < 6; ++i) arp.sender_mac.bytes[i] = frame[22 + size_t(i)];
    arp.sender = get32(frame, 28);
    arp.target = get32(frame, 38);
    return arp;
}

std::optional<Datagram> read_udp(const Bytes& frame) {
    std::optional<Bytes> payload = ipv4_payload(frame, 17);
    if (!payload || payload->size() < 8) return std::nullopt;
    size_t length = get16(*payload, 4);
    if (length < 8 || length > payload->size()) return std::nullopt;
    return Datagram{get32(frame, 26), get32(frame, 30), get16(*payload, 0), get16(*payload, 2),
                    Bytes(payload->begin() + 8, payload->begin() + long(length))};
}

std::optional<Segment> read_tcp(const Bytes& frame) {
    std::optional<Bytes> payload = ipv4_payload(frame, 6);
    if (!payload || payload->size() < 20) return std::nullopt;
    return Segment{get32(frame, 26), get32(frame, 30), get16(*payload, 0), get16(*payload, 2),
                   get32(*payload, 4), get32(*payload, 8), (*payload)[13]};
}

std::optional<uint32_t> ipv4_destination(const Bytes& frame) {
    if (frame.size() < 34 || get16(frame, 12) != 0x0800) return std::nullopt;
    return get32(frame, 30);
}

}  // namespace nettest
