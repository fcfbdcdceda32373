// A NetLink over one end of a host socket pair (SOCK_SEQPACKET keeps frame boundaries), for
// stacks in forked processes wired back to back, or a stack and a test that speaks raw
// Ethernet frames to it. Port claims are recorded; some ports can be set to be refused, as the
// kernel refuses a port another environment's filter holds.
#pragma once

#include <cstdint>
#include <vector>

#include <exos/net_link.h>

namespace nettest {

class HostLink final : public exos::NetLink {
public:
    HostLink(int descriptor, exos::MacAddress mac) : descriptor_(descriptor), mac_(mac) {}

    exos::MacAddress mac() const override { return mac_; }
    std::span<const uint8_t> receive() override;
    void release_received() override { held_ = false; }
    std::span<uint8_t> transmit_buffer() override { return {transmit_, sizeof(transmit_)}; }
    void transmit(size_t length) override;
    void flush() override {}
    void wait_for_transmit() override {}  // sends go out at once: there is always room
    void wait(uint32_t milliseconds) override;
    abi::Error claim_port(exos::IpProtocol protocol, uint16_t port) override;
    void release_port(exos::IpProtocol protocol, uint16_t port) override;

    void refuse_port(uint16_t port) { refused_.push_back(port); }
    bool claimed(exos::IpProtocol protocol, uint16_t port) const;
    uint64_t frames_sent() const { return sent_; }

private:
    struct Claim {
        exos::IpProtocol protocol;
        uint16_t port;
    };
    int descriptor_;
    exos::MacAddress mac_;
    uint8_t receive_[9000];  // room for frames longer than any NIC would deliver
    size_t received_length_ = 0;
    bool held_ = false;
    uint8_t transmit_[kMaxFrameBytes];
    uint64_t sent_ = 0;
    std::vector<Claim> claims_;
    std::vector<uint16_t> refused_;
};

}  // namespace nettest
