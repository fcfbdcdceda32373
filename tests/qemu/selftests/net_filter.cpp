// Self-test: the packet filters' compiled code on the real hart (issue 14, item 4). Random filter
// sets and random, mutated and cut frames, each classified by the code in the generated-code
// window and by the reference interpreter: they must agree on every frame. The window must be
// W^X throughout (no page writable through its mapping, one half executable, a store into it
// faults), and the benchmark rows are printed at the end. The machine then stops with the count
// of failures as its status: the environments never start.
#include "arch/riscv64/csr.h"
#include "arch/riscv64/guarded_copy.h"
#include "arch/riscv64/memory_layout.h"
#include "boot/power.h"
#include "boot/selftest.h"
#include "drivers/console.h"
#include "net/filter/filter_code_target.h"
#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"
#include "tests/qemu/selftests/net_filter_rows.h"

namespace exo {
namespace {

constexpr int kSets = 120;
constexpr int kAttempts = 64;
constexpr int kFramesPerSet = 200;

PacketFilters filters;
filter_samples::Frame frame;
abi::PacketFilter installed[kAttempts];
int failures = 0;

void check(bool condition, const char* what) {
    if (condition) return;
    kprintf("selftest: net filter: FAILED: %s\n", what);
    ++failures;
}

// A store into the window through its own mapping must fault: the guarded copy recovers it
// (as in the guarded_copy_faults self-test, it runs as if inside a syscall from U-mode).
bool store_into_window_faults() {
    constexpr uint64_t kReturnBits =
        riscv::sstatus::kSpp | riscv::sstatus::kSpie | riscv::sstatus::kSie;
    uint64_t sstatus = riscv::read<riscv::Csr::sstatus>();
    uint64_t sepc = riscv::read<riscv::Csr::sepc>();
    riscv::write<riscv::Csr::sepc>(0x10004);
    riscv::write<riscv::Csr::sstatus>((sstatus & ~kReturnBits) | riscv::sstatus::kSpie);
    uint32_t word = 0x00000013;
    uint64_t faults = 0;
    for (uint64_t page = 0; page < layout::kGeneratedCodePages; ++page) {
        auto* target = reinterpret_cast<void*>(layout::kGeneratedCodeBase + page * 4096);
        faults += riscv::guarded_copy(target, &word, sizeof(word)) ? 0 : 1;
    }
    riscv::write<riscv::Csr::sstatus>(sstatus);
    riscv::write<riscv::Csr::sepc>(sepc);
    return faults == layout::kGeneratedCodePages;
}

void check_window() {
    check(!ExecutableFilterCode::any_page_writable(), "a window page is writable");
    check(ExecutableFilterCode::executable_pages() == layout::kGeneratedCodePages / 2,
          "not exactly one half of the window executable");
}

void differential() {
    filter_samples::Random random(0x5e1f7e57);
    uint64_t frames = 0, matched = 0, disagreements = 0, filter_count = 0, words = 0;
    for (int set = 0; set < kSets; ++set) {
        for (EnvironmentSlot owner = 0; owner < PacketFilters::kMaxOwners; ++owner)
            filters.remove_all(owner);
        uint32_t count = 0;
        int attempts = 1 + static_cast<int>(random.below(kAttempts));
        for (int i = 0; i < attempts; ++i) {
            abi::PacketFilter filter = filter_samples::random_filter(random);
            FilterId id;
            auto owner = static_cast<EnvironmentSlot>(random.below(64));
            if (filters.install(owner, filter, id) == abi::Error::Ok) installed[count++] = filter;
        }
        check(filters.compiled(), "the filters are not compiled");
        filter_count += count;
        words += filters.code_words();
        for (int i = 0; i < kFramesPerSet; ++i) {
            filter_samples::random_frame(random, frame, installed, count);
            Classification expected = filters.interpret(frame.bytes, frame.length);
            Classification compiled = filters.classify(frame.bytes, frame.length);
            if (!(compiled == expected)) {
                if (disagreements++ < 5) {
                    kprintf("selftest: net filter: DISAGREE set %d frame %d length %lu: compiled "
                            "%lx/%lx, interpreted %lx/%lx\n", set, i, frame.length,
                            compiled.exclusive, compiled.shared_owners, expected.exclusive,
                            expected.shared_owners);
                }
            }
            matched += expected.exclusive != 0 || expected.shared_owners != 0;
            ++frames;
        }
        if (set % 40 == 0) check_window();
    }
    kprintf("selftest: net filter: %lu frames against %lu filters in %d sets (%lu words of code "
            "on average), %lu accepted, %lu disagreements\n", frames, filter_count, kSets,
            words / kSets, matched, disagreements);
    check(disagreements == 0, "compiled and interpreted disagree");
    check(matched > frames / 4, "too few frames accepted for the comparison to mean much");
}

}  // namespace

void run_kernel_selftests() {
    kprintf("selftest: packet filters compiled to the generated-code window at %lx\n",
            layout::kGeneratedCodeBase);
    check(filters.attach_code(&kernel_filter_code()), "no code for an empty table");
    check_window();
    check(store_into_window_faults(), "a store into the code window did not fault");
    differential();
    check_window();
    for (EnvironmentSlot owner = 0; owner < PacketFilters::kMaxOwners; ++owner)
        filters.remove_all(owner);
    filters.attach_code(nullptr);
    check(print_filter_demux_rows(), "the benchmark rows' setup");
    check_window();
    kprintf("selftest: net filter: %d failures\n", failures);
    shutdown(failures == 0 ? 0 : 1);
}

}  // namespace exo
