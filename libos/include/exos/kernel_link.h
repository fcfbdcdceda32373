// The kernel's network (abi/net.h) as a NetLink: the receive ring and its buffer slots, the
// transmit ring and its completions, all in this environment's own frames; the ports it uses
// claimed with packet filters. The kernel copies each accepted frame into a slot and raises
// event::kNetReceive; lwIP (exos/net_interface.h) copies it out and gives the slot back at once.
#pragma once

#include <abi/net.h>
#include <cstdint>

#include <exos/frame_pool.h>
#include <exos/net_link.h>
#include <exos/net_rings.h>

namespace exos {

class KernelNetLink final : public NetLink {
public:
    static constexpr uint32_t kReceiveFrames = abi::kNetMaxBufferFrames;  // 64 slots of 2 KiB
    static constexpr uint32_t kTransmitFrames = 16;  // 32 transmit buffers of 2 KiB
    static constexpr uint32_t kTransmitBuffers = kTransmitFrames * abi::kNetSlotsPerFrame;
    // Pages open() maps from its `va`: the three rings, the receive slots, the transmit buffers.
    static constexpr uint64_t kMappedPages = 3 + kReceiveFrames + kTransmitFrames;

    // Takes frames (the receive slots physically consecutive, as NetRings requires), maps them
    // at [va, va + kMappedPages pages), registers the rings, reads the MAC and installs the
    // shared filters (ARP; ICMP). NoNetwork when the machine has no NIC.
    abi::Error open(FramePool& pool, uint64_t va);

    MacAddress mac() const override { return mac_; }
    std::span<const uint8_t> receive() override { return rings_.receive(); }
    void release_received() override { rings_.release_received(); }
    std::span<uint8_t> transmit_buffer() override { return rings_.transmit_buffer(); }
    void transmit(size_t length) override { rings_.transmit(length); }
    void flush() override;
    void wait(uint32_t milliseconds) override;
    void wait_for_transmit() override;
    abi::Error claim_port(IpProtocol protocol, uint16_t port) override;
    void release_port(IpProtocol protocol, uint16_t port) override;

    // Frames the kernel dropped because our receive ring was full; transmits it refused.
    uint32_t receive_dropped() const { return rings_.receive_dropped(); }
    uint64_t transmit_refused() const { return rings_.refused(); }
    uint64_t submit_calls() const { return submits_; }

    // Waiting spins (a loop of kSpinInstructions instructions an iteration, up to the wait's
    // deadline, its instructions counted exactly) instead of yielding, for benchmarks that
    // subtract the wait (docs/benchmarks.md).
    void set_spinning(bool spinning) { spinning_ = spinning; }
    static constexpr uint64_t kSpinInstructions = 5;
    uint64_t spin_instructions() const { return spin_instructions_; }

private:
    struct PortFilter {
        IpProtocol protocol;
        uint16_t port;
        uint64_t filter;
    };
    static constexpr int kMaxPortFilters = 96;
    static_assert(kTransmitBuffers <= NetRings::kMaxBuffers);
    void spin(const uint32_t* word, uint32_t seen, uint32_t milliseconds);

    NetRings rings_;
    uint64_t transmit_frames_[kTransmitFrames] = {};
    MacAddress mac_ = {};
    PortFilter ports_[kMaxPortFilters] = {};
    int port_count_ = 0;
    uint64_t submits_ = 0;
    bool spinning_ = false;
    uint64_t spin_instructions_ = 0;
};

}  // namespace exos
