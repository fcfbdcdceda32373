// The HTTP server of the net scenarios (tests/qemu/net_scenario.sh): serves port 80 until
// GET /quit (http_serve.h), then prints its counters; status 0 when no connection failed.
#include "http_serve.h"
#include "net_environment.h"

namespace {

exos::FramePool pool;
exos::KernelNetLink link;
net_environment::WatchingLink watching(link);

}  // namespace

int main() {
    pool.adopt_initial_frames();
    bool no_network = false;
    if (!net_environment::bring_up("http_server", pool, link, watching, &no_network)) {
        return no_network ? 0 : 1;
    }
    http_serve::Totals totals = http_serve::serve("http_server", 80);
    net_environment::print_counters("http_server", link, watching);
    return totals.failed == 0 ? 0 : 2;
}
