// The UDP echo server of the net scenarios (tests/qemu/net_scenario.sh): every datagram to
// port 7 goes back to its sender as it came; "quit" ends it (status 0) after its counters.
// Built twice: with a static address, and (EXO_NET_DHCP) with one from QEMU's DHCP server.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/socket.h>

#include "net_environment.h"

namespace {

exos::FramePool pool;
exos::KernelNetLink link;
net_environment::WatchingLink watching(link);
uint8_t buffer[2048];

}  // namespace

int main() {
    namespace net = exos::net;
    pool.adopt_initial_frames();
    bool no_network = false;
#ifdef EXO_NET_DHCP
    constexpr bool kDhcp = true;
#else
    constexpr bool kDhcp = false;
#endif
    if (!net_environment::bring_up("udp_echo", pool, link, watching, &no_network, kDhcp)) {
        return no_network ? 0 : 1;
    }
    int socket = net::socket(net::SocketType::Datagram);
    int bound = net::bind(socket, {0, 7});
    if (socket < 0 || bound != 0) {
        exos::printf("udp_echo: bind: %s\n", net::error_name(socket < 0 ? socket : bound));
        return 1;
    }
    exos::printf("udp_echo: listening on udp 7\n");
    uint64_t echoed = 0, failed = 0;
    for (;;) {
        net::SocketAddress from{};
        long length = net::recvfrom(socket, buffer, sizeof(buffer), &from);
        if (length < 0) {
            exos::printf("udp_echo: recvfrom: %s\n", net::error_name(length));
            return 1;
        }
        if (length == 4 && buffer[0] == 'q' && buffer[1] == 'u' && buffer[2] == 'i' &&
            buffer[3] == 't') {
            break;
        }
        if (net::sendto(socket, buffer, size_t(length), from) == length) {
            ++echoed;
        } else {
            ++failed;
        }
    }
    exos::printf("udp_echo: %lu datagrams echoed, %lu sends failed\n", echoed, failed);
    bool stolen = false;
    if (exos::shared_info().parent_id != 0) {
        // Sharing the NIC (net_share): the other environment serves TCP port 80, so the kernel
        // refuses our filter for it and the socket says so.
        int thief = net::socket(net::SocketType::Stream);
        int result = net::bind(thief, {0, 80});
        exos::printf("udp_echo: binding tcp 80, the other environment's: %s\n",
                     result == 0 ? "bound, which is wrong" : net::error_name(result));
        stolen = result == 0;
        (void)net::close(thief);
    }
    net_environment::print_counters("udp_echo", link, watching);
    return failed == 0 && watching.foreign() == 0 && !stolen ? 0 : 2;
}
