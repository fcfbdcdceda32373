// The packet filters' benchmark rows (net_filter_rows.h). Each row is the cost of the compiled
// classifier from the call to its return (the jalr and the code, `ret` included), timed by
// rdinstret in one asm statement so nothing else falls inside; the median of 101 runs, the worst
// over a frame to every installed port; beside it the interpreter's cost for that frame (every
// filter tried one by one, as the kernel would without a compiler) and the cost of
// PacketFilters::classify, the C++ entry the network code calls (the call included).
#include "tests/qemu/selftests/net_filter_rows.h"

#include "arch/riscv64/csr.h"
#include "drivers/console.h"
#include "net/filter/filter_code_target.h"
#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"

namespace exo {
namespace {

constexpr int kRuns = 101;

PacketFilters filters;
filter_samples::Frame frame;

uint64_t median(uint64_t* values, int count) {
    for (int i = 1; i < count; ++i) {
        uint64_t value = values[i];
        int j = i - 1;
        for (; j >= 0 && values[j] > value; --j) values[j + 1] = values[j];
        values[j + 1] = value;
    }
    return values[count / 2];
}

// One call of the code, from just before its jalr to just after its ret. The code may clobber
// every caller-saved register (it uses fewer: the host emulator holds it to t0..t2, a0..a3).
uint64_t time_call(ClassifierEntry entry, const uint8_t* packet, uint64_t length) {
    register uint64_t a0 asm("a0") = reinterpret_cast<uint64_t>(packet);
    register uint64_t a1 asm("a1") = length;
    uint64_t start, end;
    asm volatile("rdinstret %2\n\tjalr %4\n\trdinstret %3"
                 : "+r"(a0), "+r"(a1), "=&r"(start), "=&r"(end)
                 : "r"(entry)
                 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a2", "a3", "a4", "a5", "a6",
                   "a7", "memory");
    return end - start;
}

// Two back-to-back rdinstret: what the window costs with nothing in it (one: the first read).
uint64_t empty_window() {
    uint64_t start, end;
    asm volatile("rdinstret %0\n\trdinstret %1" : "=r"(start), "=r"(end)::"memory");
    return end - start;
}

uint64_t compiled_cost(ClassifierEntry entry) {
    uint64_t samples[kRuns];
    for (uint64_t& sample : samples) sample = time_call(entry, frame.bytes, frame.length);
    return median(samples, kRuns) - empty_window();
}

// A C++ call's cost, the call included: `interpreted` (PacketFilters::interpret) or the entry
// the network code calls (PacketFilters::classify).
uint64_t cpp_cost(bool interpreted) {
    uint64_t samples[kRuns];
    for (uint64_t& sample : samples) {
        uint64_t start = riscv::read_instret();
        Classification result = interpreted ? filters.interpret(frame.bytes, frame.length)
                                            : filters.classify(frame.bytes, frame.length);
        asm volatile("" ::"r"(result.exclusive), "r"(result.shared_owners) : "memory");
        sample = riscv::read_instret() - start;
    }
    return median(samples, kRuns) - empty_window();
}

uint16_t port_of(uint32_t index) { return static_cast<uint16_t>(7000 + 3 * index); }

bool row(uint32_t count) {
    for (EnvironmentSlot owner = 1; owner <= 60; ++owner) filters.remove_all(owner);
    uint64_t last_install = 0;
    for (uint32_t i = 0; i < count; ++i) {
        FilterId id;
        auto owner = static_cast<EnvironmentSlot>(1 + i % 60);
        abi::PacketFilter filter = filter_samples::port_filter(abi::ip_protocol::kUdp, port_of(i));
        uint64_t start = riscv::read_instret();
        abi::Error error = filters.install(owner, filter, id);
        last_install = riscv::read_instret() - start;
        if (error != abi::Error::Ok) return false;
    }
    ClassifierEntry entry = kernel_filter_code().entry();
    if (!filters.compiled() || entry == nullptr) return false;
    uint64_t worst = 0, interpreted = 0, classify = 0;
    for (uint32_t i = 0; i < count; ++i) {
        frame = filter_samples::ipv4_frame(abi::ip_protocol::kUdp, port_of(i));
        Classification expected = filters.interpret(frame.bytes, frame.length);
        if (!(entry(frame.bytes, frame.length) == expected) || expected.exclusive == 0 ||
            !(filters.classify(frame.bytes, frame.length) == expected))
            return false;
        uint64_t cost = compiled_cost(entry);
        if (cost >= worst) {
            worst = cost;
            interpreted = cpp_cost(true);
            classify = cpp_cost(false);
        }
    }
    kprintf("BENCH filter_demux_%u %lu interpreted %lu classify %lu\n", count, worst,
            interpreted, classify);
    kprintf("selftest: filter_demux_%u: %lu words of code; the last install (verify, overlap, "
            "compile, load) %lu instructions\n", count, filters.code_words(), last_install);
    return true;
}

}  // namespace

bool print_filter_demux_rows() {
    if (!filters.attach_code(&kernel_filter_code())) return false;
    bool ok = row(1) && row(16) && row(256);
    for (EnvironmentSlot owner = 1; owner <= 60; ++owner) filters.remove_all(owner);
    return ok;
}

}  // namespace exo
