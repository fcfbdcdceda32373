// Two environments, each with its own lwIP, sharing the NIC and its one address (issue 14, item
// 6): this one starts udp_echo (image 1) on half of the slots, then serves HTTP on port 80
// itself, while udp_echo owns port 7. Each counts frames to ports it never claimed (both must
// be 0); at GET /quit it waits for udp_echo (which the host ends with "quit") and exits.
#include <exos/children.h>
#include <exos/shared_info.h>

#include "http_serve.h"
#include "net_environment.h"

namespace {

exos::FramePool pool;
exos::KernelNetLink link;
net_environment::WatchingLink watching(link);
constexpr uint64_t kEchoImage = 1;

}  // namespace

int main() {
    pool.adopt_initial_frames();
    // Every other slot: each environment waits at most a slot for the CPU when a frame of its
    // own arrives while the other runs.
    for (uint64_t slot = 1; slot < exos::shared_info().slots_per_round; slot += 2) {
        (void)exos::syscall(abi::Syscall::SliceRelease, slot);
    }
    exos::Child echo = exos::spawn(pool, kEchoImage, 16);
    if (echo.error != abi::Error::Ok) {
        exos::printf("share_http: starting udp_echo: %s\n", abi::to_string(echo.error));
        return 1;
    }
    // A new environment owns no slot: it runs first on ours, donated, until it has taken the
    // slots released for it (net_environment::bring_up does that first).
    for (int tries = 0; tries < 1000; ++tries) {
        if (exos::syscall(abi::Syscall::SliceRead, 1).value == echo.id) break;
        (void)exos::yield(echo.id);
    }
    bool no_network = false;
    if (!net_environment::bring_up("share_http", pool, link, watching, &no_network)) {
        return no_network ? 0 : 1;
    }
    http_serve::Totals totals = http_serve::serve("share_http", 80);
    exos::wait_for(echo.id);
    exos::printf("share_http: udp_echo has ended\n");
    net_environment::print_counters("share_http", link, watching);
    return totals.failed == 0 && watching.foreign() == 0 ? 0 : 2;
}
