// A NIC and a classifier for the net layer's host tests (net/net.h): the NIC records what it is
// asked to send (reading the body from the FakeMachine's frames at the moment it sends, as a
// device would) and hands frames "from the wire" to the layer; the classifier gives UDP
// destination ports to environments, and shared subscribers for ARP.
#pragma once

#include <abi/net.h>
#include <map>
#include <vector>

#include "kernel_state.h"
#include "net/classifier.h"
#include "net/net_device.h"

namespace exo::test {

inline constexpr uint64_t kFakeMac = 0x563412005452;  // 52:54:00:12:34:56

class FakeNic final : public NetDevice {
public:
    FakeNic(KernelState& state, uint32_t depth) : state_(state), depth_(depth) {}

    uint64_t mac() const override { return kFakeMac; }
    bool failed() const override { return failed_; }
    uint32_t transmit_depth() const override { return depth_; }
    abi::Error transmit(const TxFrame& frame) override {
        if (failed_) return abi::Error::IoError;
        if (pending_.size() == depth_) return abi::Error::Busy;
        Pending pending{frame.id, std::vector<uint8_t>(frame.head, frame.head + frame.head_length),
                        frame.body_physical, frame.body_length};
        pending_.push_back(pending);
        return abi::Error::Ok;
    }
    void publish() override { ++publishes; }
    void harvest(NetSink& sink) override {
        std::vector<std::vector<uint8_t>> frames;
        frames.swap(arriving_);
        for (const std::vector<uint8_t>& frame : frames) {
            sink.received(frame.data(), static_cast<uint32_t>(frame.size()));
        }
        std::vector<Pending> done;
        done.swap(pending_);
        for (Pending& frame : done) {
            if (!failed_) {
                // The body is read now, at "DMA" time: what the sender's frame holds then.
                if (frame.body_length != 0) {
                    const auto* body = reinterpret_cast<const uint8_t*>(
                                           state_.physical->frame(frame.body >> 12)) +
                                       (frame.body & 0xfff);
                    frame.bytes.insert(frame.bytes.end(), body, body + frame.body_length);
                }
                sent.push_back(frame.bytes);
            }
            sink.transmitted(frame.id, failed_ ? abi::Error::IoError : abi::Error::Ok);
        }
    }

    void arrive(std::vector<uint8_t> frame) { arriving_.push_back(std::move(frame)); }
    void fail() { failed_ = true; }
    // Nothing queued or arriving, not failed: the fuzzer's restore to its booted machine.
    void reset() {
        pending_.clear();
        arriving_.clear();
        sent.clear();
        failed_ = false;
        publishes = 0;
    }
    size_t pending() const { return pending_.size(); }

    std::vector<std::vector<uint8_t>> sent;
    unsigned publishes = 0;

private:
    struct Pending {
        uint32_t id;
        std::vector<uint8_t> bytes;
        uint64_t body;
        uint32_t body_length;
    };
    KernelState& state_;
    uint32_t depth_;
    bool failed_ = false;
    std::vector<Pending> pending_;
    std::vector<std::vector<uint8_t>> arriving_;
};

// UDP by destination port (exclusive), ARP to every subscriber (shared).
class FakeClassifier final : public net::Classifier {
public:
    void classify(const uint8_t* frame, uint32_t length, net::Classification& out) const override {
        out = {};
        if (length >= 14 && frame[12] == 0x08 && frame[13] == 0x06) {
            for (EnvironmentSlot slot : arp_) out.shared_owners |= uint64_t{1} << slot;
            return;
        }
        if (length < 14 + 20 + 4 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 17) {
            return;
        }
        const uint32_t l4 = 14 + (frame[14] & 0x0fu) * 4;
        if (l4 + 4 > length) return;
        const uint16_t port = static_cast<uint16_t>(frame[l4 + 2] << 8 | frame[l4 + 3]);
        auto found = udp_.find(port);
        if (found != udp_.end()) out.exclusive = found->second;
    }
    bool claims(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const override {
        auto found = udp_.find(port);
        return protocol == 17 && found != udp_.end() && found->second.owner == owner;
    }
    void remove_all(EnvironmentSlot owner) override {
        for (auto it = udp_.begin(); it != udp_.end();) {
            it = it->second.owner == owner ? udp_.erase(it) : std::next(it);
        }
        std::erase_if(arp_, [&](EnvironmentSlot slot) { return slot == owner; });
        ++removed;
    }

    void give_udp(EnvironmentSlot owner, uint16_t port, uint32_t id) { udp_[port] = {owner, id}; }
    void subscribe_arp(EnvironmentSlot owner) { arp_.push_back(owner); }
    unsigned removed = 0;

private:
    std::map<uint16_t, net::FilterMatch> udp_;
    std::vector<EnvironmentSlot> arp_;
};

// Frames as a test builds them: Ethernet from our MAC, IPv4 UDP from `source` to `destination`.
inline std::vector<uint8_t> udp_frame(uint16_t source, uint16_t destination, size_t payload,
                                      uint64_t from_mac = kFakeMac) {
    std::vector<uint8_t> frame(14 + 20 + 8 + payload, 0);
    for (int i = 0; i < 6; ++i) {
        frame[i] = 0xff;
        frame[6 + i] = static_cast<uint8_t>(from_mac >> (8 * i));
    }
    frame[12] = 0x08;
    const size_t ip_length = 20 + 8 + payload;
    uint8_t* ip = frame.data() + 14;
    ip[0] = 0x45;
    ip[2] = static_cast<uint8_t>(ip_length >> 8);
    ip[3] = static_cast<uint8_t>(ip_length);
    ip[8] = 64;
    ip[9] = 17;
    uint8_t* udp = ip + 20;
    udp[0] = static_cast<uint8_t>(source >> 8);
    udp[1] = static_cast<uint8_t>(source);
    udp[2] = static_cast<uint8_t>(destination >> 8);
    udp[3] = static_cast<uint8_t>(destination);
    for (size_t i = 0; i < payload; ++i) udp[8 + i] = static_cast<uint8_t>(i * 31 + 7);
    return frame;
}

}  // namespace exo::test
