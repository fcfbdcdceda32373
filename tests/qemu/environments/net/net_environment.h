// What the network scenarios' environments share: the link over the kernel's rings opened in
// frames of their own, lwIP started on QEMU's user network with the static address the issue
// asks for (10.0.2.15/24, gateway 10.0.2.2 = the host), and the console lines the host-side
// scripts wait for.
#pragma once

#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/kernel_link.h>
#include <exos/net_interface.h>
#include <exos/socket.h>
#include <exos/syscall.h>

namespace net_environment {

inline constexpr uint64_t kLinkVa = 0x40000000;

// Opens the link and starts the stack; false (after saying why) when it could not. A machine
// without a NIC is not a failure of the environment: *no_network tells the caller.
inline bool bring_up(const char* name, exos::FramePool& pool, exos::KernelNetLink& link,
                     bool* no_network) {
    *no_network = false;
    pool.adopt_initial_frames();
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
    error = exos::net_interface().start(link, exos::NetConfig{});
    if (error != abi::Error::Ok) {
        exos::printf("%s: lwIP did not start: %s\n", name, abi::to_string(error));
        return false;
    }
    exos::MacAddress mac = link.mac();
    exos::printf("%s: up at 10.0.2.15, mac %02x:%02x:%02x:%02x:%02x:%02x\n", name, mac.bytes[0],
                 mac.bytes[1], mac.bytes[2], mac.bytes[3], mac.bytes[4], mac.bytes[5]);
    return true;
}

inline void print_counters(const char* name, exos::KernelNetLink& link) {
    exos::NetCounters counters = exos::net_interface().counters();
    exos::printf("%s: frames in %lu, out %lu, malformed %lu, checksum errors %lu, "
                 "ring drops %u, transmits refused %lu, no pbuf %lu, unsent %lu\n",
                 name, counters.frames_received, counters.frames_sent,
                 counters.frames_malformed, counters.checksum_errors, link.receive_dropped(),
                 link.transmit_refused(), counters.no_buffer, counters.frames_unsent);
}

}  // namespace net_environment
