// The network rows of the benchmark table (issue 14), in an image of their own (bench_net)
// that run_bench.sh boots with QEMU's user network and a peer on the host (net_peer.py):
//   udp_echo        one datagram received and echoed through lwIP and the sockets
//   tcp_rr          one 64-byte request read and a 64-byte response sent, on an open connection
//   tcp_stream_mib  one MiB received over TCP (lwIP's acknowledgements included)
// How they count (docs/benchmarks.md): as the disk rows do. Each window runs from the call that
// waits for the peer to the return of the call that answers it; the wait is a loop of known
// shape (KernelNetLink::set_spinning) whose instructions are counted and subtracted, and
// so is each slot end that falls in the window (tick_cost, measured in the same state). What is
// left is what the hart executed for the packets: the arrival interrupt, the kernel's filter and
// copy, lwIP, the sockets, the reply's NetSubmit and the kernel's checks, completions.
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/kernel_link.h>
#include <exos/net_interface.h>
#include <exos/shared_info.h>
#include <exos/socket.h>
#include <exos/syscall.h>

#include "measure.h"

namespace {

namespace net = exos::net;
using bench::check;
using bench::instret;
using bench::report;

constexpr uint64_t kLinkVa = 0x40000000;
constexpr int kWarmUp = 10;    // not counted: ARP, lwIP's first allocations, the peer's start
constexpr int kStreamMib = 5;  // tcp_stream_mib is the median of these
constexpr size_t kRequest = 64;

exos::FramePool pool;
exos::KernelNetLink link;
uint8_t buffer[16384];
uint64_t cost_of_tick = 0;
uint64_t cost_of_measuring = 0;

uint64_t slices_started() { return exos::shared_info().slices_started; }

// What one slot end costs while we spin in the link's loop shape (KernelNetLink::wait: five
// instructions an iteration, three in the last) and own the next slot too: spin until a slice
// starts, subtract the spin.
uint64_t tick_cost() {
    uint64_t samples[bench::kRuns];
    for (int i = 0; i < bench::kRuns; ++i) {
        const volatile uint64_t* counter = &exos::shared_info().slices_started;
        uint64_t seen = *counter, iterations = 0, observed, never = ~uint64_t{0};
        uint64_t start = instret();
        asm volatile(R"(
        1:  addi    %[count], %[count], 1
            ld      %[observed], 0(%[counter])
            bne     %[observed], %[seen], 2f
            rdtime  t0
            bltu    t0, %[never], 1b
        2:
        )"
                     : [count] "+r"(iterations), [observed] "=&r"(observed)
                     : [counter] "r"(counter), [seen] "r"(seen), [never] "r"(never)
                     : "t0", "memory");
        uint64_t end = instret();
        samples[i] = end - start - cost_of_measuring -
                     (iterations * exos::KernelNetLink::kSpinInstructions - 2);
    }
    return bench::median(samples, bench::kRuns);
}

// body()'s instructions, the wait and the slot ends in it subtracted.
template <typename Body>
uint64_t work(Body&& body) {
    uint64_t spun = link.spin_instructions();
    uint64_t ticks = slices_started();
    uint64_t start = instret();
    body();
    uint64_t end = instret();
    ticks = slices_started() - ticks;
    return end - start - cost_of_measuring - (link.spin_instructions() - spun) -
           ticks * cost_of_tick;
}

// Reads exactly `length` bytes.
bool receive_all(int socket, uint8_t* into, size_t length) {
    for (size_t have = 0; have < length;) {
        long got = net::recv(socket, into + have, length - have);
        if (got <= 0) return false;
        have += size_t(got);
    }
    return true;
}

void udp_row() {
    int socket = net::socket(net::SocketType::Datagram);
    check(socket >= 0 && net::bind(socket, {0, 7}) == 0, "udp bind");
    exos::printf("bench_net: udp ready\n");
    uint64_t samples[bench::kRuns];
    for (int i = 0; i < kWarmUp + bench::kRuns; ++i) {
        long echoed = 0;
        uint64_t instructions = work([&] {
            net::SocketAddress from{};
            long length = net::recvfrom(socket, buffer, sizeof(buffer), &from);
            echoed = length < 0 ? length : net::sendto(socket, buffer, size_t(length), from);
        });
        check(echoed >= 0, "udp echo");
        if (i >= kWarmUp) samples[i - kWarmUp] = instructions;
    }
    report("udp_echo", bench::median(samples, bench::kRuns));
    (void)net::close(socket);
}

void tcp_rows() {
    int listener = net::socket(net::SocketType::Stream);
    check(listener >= 0 && net::bind(listener, {0, 80}) == 0 && net::listen(listener, 4) == 0,
          "tcp listen");
    exos::printf("bench_net: tcp ready\n");
    int connection = net::accept(listener, nullptr);
    check(connection >= 0, "accept (request-response)");
    uint64_t samples[bench::kRuns];
    for (int i = 0; i < kWarmUp + bench::kRuns; ++i) {
        bool ok = false;
        uint64_t instructions = work([&] {
            ok = receive_all(connection, buffer, kRequest) &&
                 net::send(connection, buffer, kRequest) == long(kRequest);
        });
        check(ok, "request and response");
        if (i >= kWarmUp) samples[i - kWarmUp] = instructions;
    }
    report("tcp_rr", bench::median(samples, bench::kRuns));
    (void)net::close(connection);

    connection = net::accept(listener, nullptr);
    check(connection >= 0, "accept (stream)");
    uint64_t mib[kStreamMib];
    check(receive_all(connection, buffer, sizeof(buffer)), "stream warm-up");
    for (int i = 0; i < kStreamMib; ++i) {
        bool ok = true;
        mib[i] = work([&] {
            for (size_t have = 0; ok && have < (1u << 20);) {
                size_t left = (1u << 20) - have;  // the window ends exactly at the MiB
                if (left > sizeof(buffer)) left = sizeof(buffer);
                long got = net::recv(connection, buffer, left);
                ok = got > 0;
                have += size_t(got);
            }
        });
        check(ok, "a MiB");
    }
    report("tcp_stream_mib", bench::median(mib, kStreamMib));
    (void)net::close(connection);
    (void)net::close(listener);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 4; ++i) (void)exos::page_table_donate(pool.take().value_or(0));
    abi::Error error = link.open(pool, kLinkVa);
    if (error != abi::Error::Ok) {
        exos::printf("bench_net: no network: %s\n", abi::to_string(error));
        report("udp_echo", 0);
        return 1;
    }
    link.set_spinning(true);
    check(exos::net_interface().start(link, exos::NetConfig{}) == abi::Error::Ok, "lwIP");
    cost_of_measuring = bench::overhead();
    cost_of_tick = tick_cost();
    exos::printf("bench_net: a slot end costs %lu\n", cost_of_tick);
    udp_row();
    tcp_rows();
    // The last acknowledgements go out before the machine stops.
    for (int i = 0; i < 20; ++i) (void)exos::net_interface().poll();
    exos::printf("bench_net: done, %d setup failures\n", bench::failures);
    return bench::failures;
}
