// What the network scenarios' environments share: the link over the kernel's rings opened in
// frames of their own, lwIP started on QEMU's user network with the static address the issue
// asks for (10.0.2.15/24, gateway 10.0.2.2 = the host), and the console lines the host-side
// scripts wait for.
#pragma once

#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/kernel_link.h>
#include <exos/net_interface.h>
#include <exos/socket.h>
#include <exos/syscall.h>

namespace net_environment {

inline constexpr uint64_t kLinkVa = 0x40000000;

// The kernel's link, watched: counts received UDP and TCP frames to a port this environment
// never claimed. The kernel's filters must make that 0, also while another environment shares
// the NIC ("neither sees the other's packets").
class WatchingLink final : public exos::NetLink {
public:
    explicit WatchingLink(exos::KernelNetLink& inner) : inner_(inner) {}
    exos::MacAddress mac() const override { return inner_.mac(); }
    std::span<const uint8_t> receive() override {
        std::span<const uint8_t> frame = inner_.receive();
        if (!frame.empty() && !looked_) {
            looked_ = true;
            inspect(frame);
        }
        return frame;
    }
    void release_received() override {
        looked_ = false;
        inner_.release_received();
    }
    std::span<uint8_t> transmit_buffer() override { return inner_.transmit_buffer(); }
    void transmit(size_t length) override { inner_.transmit(length); }
    void flush() override { inner_.flush(); }
    void wait_for_transmit() override { inner_.wait_for_transmit(); }
    void wait(uint32_t milliseconds) override { inner_.wait(milliseconds); }
    abi::Error claim_port(exos::IpProtocol protocol, uint16_t port) override {
        abi::Error error = inner_.claim_port(protocol, port);
        if (error == abi::Error::Ok && claimed_count_ < kMaxClaimed) {
            claimed_[claimed_count_++] = {protocol, port};
        }
        return error;
    }
    void release_port(exos::IpProtocol protocol, uint16_t port) override {
        inner_.release_port(protocol, port);  // still ours to have seen: kept in the list
    }
    uint64_t foreign() const { return foreign_; }

private:
    struct Claimed {
        exos::IpProtocol protocol;
        uint16_t port;
    };
    void inspect(std::span<const uint8_t> frame) {
        if (frame.size() < 34 || frame[12] != 0x08 || frame[13] != 0x00) return;
        uint8_t protocol = frame[23];
        if (protocol != 6 && protocol != 17) return;
        size_t transport = 14 + size_t(frame[14] & 0xf) * 4;
        if (transport + 4 > frame.size()) return;
        uint16_t port = uint16_t(frame[transport + 2] << 8 | frame[transport + 3]);
        for (int i = 0; i < claimed_count_; ++i) {
            if (uint8_t(claimed_[i].protocol) == protocol && claimed_[i].port == port) return;
        }
        ++foreign_;
    }
    static constexpr int kMaxClaimed = 128;
    exos::KernelNetLink& inner_;
    Claimed claimed_[kMaxClaimed] = {};
    int claimed_count_ = 0;
    bool looked_ = false;
    uint64_t foreign_ = 0;
};

// Opens the link (in frames from `pool`, which the caller filled) and starts the stack; false
// (after saying why) when it could not. A machine without a NIC is not a failure of the
// environment: *no_network tells the caller.
inline bool bring_up(const char* name, exos::FramePool& pool, exos::KernelNetLink& link,
                     WatchingLink& watching, bool* no_network, bool dhcp = false) {
    *no_network = false;
    // A child takes every slot left free for it (its parent released them before starting it).
    if (exos::shared_info().parent_id != 0) {
        for (uint64_t slot = 0; slot < exos::shared_info().slots_per_round; ++slot) {
            (void)exos::syscall(abi::Syscall::SliceReserve, slot);
        }
    }
    for (int i = 0; i < 4; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame || exos::page_table_donate(*frame) != abi::Error::Ok) {
            exos::printf("%s: no frame for page tables\n", name);
            return false;
        }
    }
    abi::Error error = link.open(pool, kLinkVa);
    if (error == abi::Error::NoNetwork) {
        exos::printf("%s: no network\n", name);
        *no_network = true;
        return false;
    }
    if (error != abi::Error::Ok) {
        exos::printf("%s: the network's rings: %s\n", name, abi::to_string(error));
        return false;
    }
    exos::NetConfig config;
    config.dhcp = dhcp;
    error = exos::net_interface().start(watching, config);
    if (error != abi::Error::Ok) {
        exos::printf("%s: lwIP did not start: %s\n", name, abi::to_string(error));
        return false;
    }
    // DHCP: QEMU's server answers at once; lwIP's own timers resend if a message is lost.
    for (int waited = 0; !exos::net_interface().is_up() && waited < 20000; waited += 10) {
        exos::net_interface().wait(10);
    }
    uint32_t address = exos::net_interface().address();
    if (address == 0) {
        exos::printf("%s: no address from DHCP\n", name);
        return false;
    }
    exos::MacAddress mac = link.mac();
    exos::printf("%s: up at %u.%u.%u.%u (%s), mac %02x:%02x:%02x:%02x:%02x:%02x\n", name,
                 address >> 24, address >> 16 & 0xff, address >> 8 & 0xff, address & 0xff,
                 dhcp ? "DHCP" : "static", mac.bytes[0], mac.bytes[1], mac.bytes[2],
                 mac.bytes[3], mac.bytes[4], mac.bytes[5]);
    return true;
}

inline void print_counters(const char* name, exos::KernelNetLink& link,
                           const WatchingLink& watching) {
    exos::printf("%s: %lu frames to ports not its own\n", name, watching.foreign());
    exos::NetCounters counters = exos::net_interface().counters();
    exos::printf("%s: frames in %lu, out %lu, malformed %lu, checksum errors %lu, "
                 "ring drops %u, transmits refused %lu, no pbuf %lu, unsent %lu\n",
                 name, counters.frames_received, counters.frames_sent,
                 counters.frames_malformed, counters.checksum_errors, link.receive_dropped(),
                 link.transmit_refused(), counters.no_buffer, counters.frames_unsent);
}

}  // namespace net_environment
