// What a network interface needs from the link below it (exos/net_interface.h): Ethernet
// frames in and out, the MAC address, a way to wait for the next frame, and the ports this
// environment claims. The kernel's network (exos/kernel_link.h) is one; the host tests wire two
// stacks together through another.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>
#include <span>

namespace exos {

struct MacAddress {
    uint8_t bytes[6];
};

enum class IpProtocol : uint8_t { Icmp = 1, Tcp = 6, Udp = 17 };

class NetLink {
public:
    static constexpr size_t kMaxFrameBytes = 1514;  // Ethernet header + 1500, no FCS

    virtual MacAddress mac() const = 0;

    // The next received frame, or an empty span when none waits. It stays valid, and the
    // same frame is returned, until release_received().
    virtual std::span<const uint8_t> receive() = 0;
    virtual void release_received() = 0;

    // Room for one frame of up to kMaxFrameBytes, or an empty span while the link has none
    // (flush() and the completions free some). transmit(length) queues what was written there.
    virtual std::span<uint8_t> transmit_buffer() = 0;
    virtual void transmit(size_t length) = 0;
    // Hands the queued frames to the device and takes back the room of those it has sent.
    virtual void flush() = 0;
    // flush(), and when no transmit room came back, waits a little for the device to complete
    // something (a slot's time at most); transmit_buffer() tells whether it did.
    virtual void wait_for_transmit() = 0;

    // Returns when a frame may have arrived, or after about `milliseconds` (0: only to let
    // others run); never longer than that.
    virtual void wait(uint32_t milliseconds) = 0;

    // This environment takes `port` of `protocol` for itself (the kernel's packet filters:
    // frames to it come here, and it may send from it). AlreadyExists when another holds it.
    virtual abi::Error claim_port(IpProtocol protocol, uint16_t port) = 0;
    virtual void release_port(IpProtocol protocol, uint16_t port) = 0;

protected:
    ~NetLink() = default;
};

}  // namespace exos
