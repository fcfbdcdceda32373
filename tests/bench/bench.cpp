// The benchmark environment: each operation of the exokernel table, measured in retired
// instructions (median of 101 runs, measurement cost subtracted) and printed as
// "BENCH <name> <instructions>". ci/bench.sh runs it under -icount and checks the budgets.
#include <abi/trap_page.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/trap_page.h>
#include <exos/syscall.h>

#include <exos/children.h>
#include <exos/pipe.h>
#include <exos/transfer.h>

#include "../qemu/environments/irq/device.h"
#include "../qemu/environments/memory/mailbox.h"
#include "measure.h"

namespace {

using abi::Error;
namespace permission = abi::permission;
constexpr uint64_t RW = permission::kRead | permission::kWrite;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kScratch = 0x20000000;  // one page for alloc/map/unmap/free
constexpr uint64_t kPages = 0x21000000;    // 100 pages for protection benchmarks

exos::FramePool pool;
using bench::check;
using bench::report;

volatile uint64_t* word(uint64_t page) {
    return reinterpret_cast<volatile uint64_t*>(kPages + page * kPage);
}

// ---- The exception entry: records when it was entered, then runs the current policy. ----
volatile uint64_t handler_entered = 0;
volatile uint64_t before_return = 0;
enum class Policy { UnprotectFaulting, Appel1 } policy = Policy::UnprotectFaulting;
uint64_t appel1_victim = 0;

alignas(16) char exception_stack[8192];

}  // namespace

// The handler's work, called from the entry below with the faulting address.
extern "C" void bench_exception_body(uint64_t address) {
    uint64_t page = address & ~(kPage - 1);
    if (policy == Policy::Appel1) {
        // Appel-Li 1: protect another page, unprotect this one.
        (void)exos::protect(appel1_victim, 1, permission::kRead);
        appel1_victim = page;
    }
    (void)exos::protect(page, 1, RW);
    before_return = bench::instret();
}

// Where the handlers below keep the 16 registers a syscall may clobber (the trap page holds sp).
asm(R"(
    .equ SLOT_ra, 0
    .equ SLOT_t0, 8
    .equ SLOT_t1, 16
    .equ SLOT_t2, 24
    .equ SLOT_t3, 32
    .equ SLOT_t4, 40
    .equ SLOT_t5, 48
    .equ SLOT_t6, 56
    .equ SLOT_a0, 64
    .equ SLOT_a1, 72
    .equ SLOT_a2, 80
    .equ SLOT_a3, 88
    .equ SLOT_a4, 96
    .equ SLOT_a5, 104
    .equ SLOT_a6, 112
    .equ SLOT_a7, 120
)");

namespace {

// Top-level asm takes no operands (GCC 12): the two exception entries are emitted from inside a
// function that is never called, so their numbers and trap-page offsets come from the ABI
// headers as "i" operands (see libos/runtime/upcall_entries.cpp).
//
// The exception entry (abi/trap_page.h): its first instruction reads the counter, so
// exception_dispatch ends there (into tp, the register the library OS reserves for resuming).
// It keeps what a syscall may clobber (ra, t0-t6, a0-a7; the trap page holds sp), runs the
// body, and resumes the faulting store itself: no kernel entry on the way back.
//
// The trap row's handler, as a library OS would write its fast unprotect: keep what the syscall
// may clobber (ra, t0-t6, a0-a7) in the trap page's library-OS part (abi/trap_page.h, from tp),
// unprotect the faulting page, put the registers back and resume through tp. No stack is
// touched.
[[gnu::used]] void emit_exception_entries() {
    asm volatile(R"(
    .pushsection .text.bench_exception_entries, "ax", @progbits
    .globl bench_exception_entry
bench_exception_entry:
    rdinstret tp
    addi    sp, sp, -128
    .irp r, ra,t0,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    sd      \r, SLOT_\r(sp)
    .endr
    lla     a0, _ZN12_GLOBAL__N_115handler_enteredE
    sd      tp, 0(a0)
    lui     tp, %[trap_page_high]
    ld      a0, %[trap_page_address](tp)
    call    bench_exception_body
    .irp r, ra,t0,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    ld      \r, SLOT_\r(sp)
    .endr
    lui     tp, %[trap_page_high]
    )" EXOS_RESUME_THROUGH_TRAP_PAGE R"(

    .globl bench_trap_entry
bench_trap_entry:
    lui     tp, %[trap_page_high]
    .irp r, ra,t0,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    sd      \r, %[trap_page_library_os] + SLOT_\r(tp)
    .endr
    ld      a0, %[trap_page_address](tp)
    srli    a0, a0, 12
    slli    a0, a0, 12
    li      a1, 1
    li      a2, %[read_write]
    li      a7, %[protect]
    ecall
    .irp r, ra,t0,t1,t2,t3,t4,t5,t6,a0,a1,a2,a3,a4,a5,a6,a7
    ld      \r, %[trap_page_library_os] + SLOT_\r(tp)
    .endr
    )" EXOS_RESUME_THROUGH_TRAP_PAGE R"(
    .popsection
    )"
                 :
                 : EXOS_TRAP_PAGE_OPERANDS, [read_write] "i"(RW),
                   [protect] "i"(static_cast<uint64_t>(abi::Syscall::Protect)));
}

}  // namespace
extern "C" void bench_exception_entry();
extern "C" void bench_trap_entry();
extern "C" void bench_event_entry();

namespace {

void null_syscall() {
    // rdinstret; ecall; rdinstret, with a7 = 0 set before the window: the ecall and the kernel
    // path, through the same table dispatch as every call (no special case for number 0).
    uint64_t samples[bench::kRuns];
    uint64_t cost_of_measuring = bench::overhead();
    for (int i = 0; i < bench::kRuns; ++i) {
        uint64_t start, end;
        asm volatile("li a7, %2\n rdinstret %0\n ecall\n rdinstret %1"
                     : "=&r"(start), "=&r"(end)
                     : "i"(static_cast<uint64_t>(abi::Syscall::Null))
                     : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4",
                       "a5", "a6", "a7", "memory");
        samples[i] = end - start - cost_of_measuring;
    }
    report("null_syscall", bench::median(samples, bench::kRuns));
}

// The kernel zeroes freed frames while nothing is runnable and hands those out first. Giving up
// a few slots lets its idle loop do that before the frame benchmarks (each slot of idle time
// zeroes thousands of frames; the benchmarks use a few hundred).
void give_idle_time() {
    for (int i = 0; i < 3; ++i) (void)exos::yield(0);
}

// What zeroing one frame costs, paid in idle time instead of by frame_alloc_map_unmap_free: a
// FrameAlloc of a frame just freed (the kernel must zero it on the spot) and its FrameFree,
// minus a FrameAlloc(any) that finds a frame already zero and its FrameFree. The named call's
// own few extra instructions are in the difference.
uint64_t dirty_frame = 0;
uint64_t frame_zero() {
    uint64_t clean = bench::measure([](int) {}, [](int) {
        uint64_t frame = exos::frame_alloc().value;
        (void)exos::frame_free(frame);
    });
    uint64_t unzeroed = bench::measure(
        [](int) {
            dirty_frame = exos::frame_alloc().value;
            (void)exos::frame_free(dirty_frame);
        },
        [](int) {
            (void)exos::frame_alloc(dirty_frame);
            (void)exos::frame_free(dirty_frame);
        });
    return unzeroed - clean;
}

void frames_and_mappings() {
    give_idle_time();
    report("frame_alloc_map_unmap_free", bench::measure([](int) {}, [](int) {
        uint64_t frame = exos::frame_alloc().value;
        (void)exos::map(kScratch, frame, 1, RW);
        (void)exos::unmap(kScratch, 1);
        (void)exos::frame_free(frame);
    }));
    report("frame_zero", frame_zero());
    for (uint64_t i = 0; i < 100; ++i) {
        std::optional<uint64_t> frame = pool.take();
        check(frame.has_value(), "frames for 100 pages");
        Error error = exos::map(kPages + i * kPage, *frame, 1, RW);
        while (error == Error::NoMemory) {
            check(exos::page_table_donate(*pool.take()) == Error::Ok, "page-table frame");
            error = exos::map(kPages + i * kPage, *frame, 1, RW);
        }
        check(error == Error::Ok, "map 100 pages");
        *word(i) = i;
    }
    report("dirty", bench::measure([](int) {}, [](int) {
        volatile bool dirty = exos::pte_read(kPages) & (1 << 7);
        (void)dirty;
    }));
    report("prot1",
           bench::measure(
               [](int i) { (void)exos::protect(kPages, 1, (i & 1) ? permission::kRead : RW); },
               [](int i) { (void)exos::protect(kPages, 1, (i & 1) ? RW : permission::kRead); }));
    report("prot100",
           bench::measure([](int) { (void)exos::protect(kPages, 100, RW); },
                          [](int) { (void)exos::protect(kPages, 100, permission::kRead); }));
    report("unprot100",
           bench::measure([](int) { (void)exos::protect(kPages, 100, permission::kRead); },
                          [](int) { (void)exos::protect(kPages, 100, RW); }));
}

void exceptions() {
    check(exos::set_entry(abi::Entry::Exception, reinterpret_cast<uint64_t>(&bench_exception_entry),
                         reinterpret_cast<uint64_t>(exception_stack + sizeof(exception_stack))) ==
              Error::Ok,
          "exception entry");
    policy = Policy::UnprotectFaulting;
    uint64_t start = 0;
    // measure() timed the whole trap; exception_dispatch is up to the handler's first instruction.
    uint64_t samples[bench::kRuns];
    uint64_t resume[bench::kRuns];
    uint64_t overhead = bench::overhead();
    for (int i = 0; i < bench::kRuns; ++i) {
        (void)exos::protect(kPages, 1, permission::kRead);
        start = bench::instret();
        *word(0) = 1;
        uint64_t end = bench::instret();
        samples[i] = handler_entered - start - overhead;
        resume[i] = end - before_return - overhead;
    }
    report("exception_dispatch", bench::median(samples, bench::kRuns));
    report("upcall", bench::median(resume, bench::kRuns));
    // trap: the same work with a handler that measures nothing (no counter reads or policy).
    check(exos::set_entry(abi::Entry::Exception, reinterpret_cast<uint64_t>(&bench_trap_entry),
                         reinterpret_cast<uint64_t>(exception_stack + sizeof(exception_stack))) ==
              Error::Ok,
          "trap entry");
    report("trap", bench::measure([](int) { (void)exos::protect(kPages, 1, permission::kRead); },
                                  [](int) { *word(0) = 1; }));
    bench::ordinary_trap_row(kPages);
    check(exos::set_entry(abi::Entry::Exception, reinterpret_cast<uint64_t>(&bench_exception_entry),
                         reinterpret_cast<uint64_t>(exception_stack + sizeof(exception_stack))) ==
              Error::Ok,
          "exception entry again");

    // Appel-Li 1: a random protected page; the handler protects another and unprotects it.
    policy = Policy::Appel1;
    (void)exos::protect(kPages, 100, permission::kRead);
    (void)exos::protect(kPages, 1, RW);
    appel1_victim = kPages;
    uint64_t seed = 12345;
    report("appel1", bench::measure(
                         [&](int) {
                             do {
                                 seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                             } while (kPages + ((seed >> 33) % 100) * kPage == appel1_victim);
                         },
                         [&](int) { *word((seed >> 33) % 100) = 2; }));

    // Appel-Li 2: protect 100 pages, touch each in random order; the handler unprotects it.
    policy = Policy::UnprotectFaulting;
    uint64_t order[100];
    for (uint64_t i = 0; i < 100; ++i) order[i] = (i * 37) % 100;
    report("appel2", bench::measure([](int) {},
                                    [&](int) {
                                        (void)exos::protect(kPages, 100, permission::kRead);
                                        for (uint64_t i = 0; i < 100; ++i) *word(order[i]) = 3;
                                    },
                                    100));
}

// ---- CPU: a slot switch between two environments, and a device interrupt to its owner. ----
volatile uint64_t last_spin = 0;

}  // namespace

// Spins, publishing instret in *spin every iteration, until *changed differs from `before`;
// bench_trigger_and_spin first publishes, then makes the 32-bit store that raises the interrupt.
// The entry being timed reads *spin, the last value published before the interrupt. The code is
// uncompressed and laid out so that the interrupted pc alone says how many instructions retired
// after that value (loop_tail): the figures are the kernel's instructions, whatever the phase
// of the interrupt. (Both ways into the loop's rdinstret, the jump and the branch back, come
// three instructions after the previous one.)
asm(R"(
    .text
    .option push
    .option norvc
    .balign 4
    .globl bench_trigger_and_spin
bench_trigger_and_spin:         # a0 = spin, a1 = changed, a2 = before, a3 = address, a4 = value
    rdinstret t0                # +0
    sd      t0, 0(a0)           # +4
    sw      a4, 0(a3)           # +8: the interrupt may come from here on
    j       bench_spin          # +12
    .globl bench_spin
bench_spin:                     # +16; a0 = spin, a1 = changed, a2 = before
    rdinstret t0
    sd      t0, 0(a0)           # +20
    ld      t1, 0(a1)           # +24
    beq     t1, a2, bench_spin  # +28
    ret
    .option pop
)");
extern "C" void bench_trigger_and_spin(volatile uint64_t* spin, const volatile uint64_t* changed,
                                       uint64_t before, volatile uint32_t* address, uint32_t value);

// Instructions that retired after the published value, for an interrupt taken with sepc = pc
// (the next instruction to run), by pc's offset from bench_trigger_and_spin.
uint64_t bench::loop_tail(uint64_t pc) {
    constexpr uint64_t kTail[8] = {0, 0, 1, 2, 3, 4, 1, 2};  // 0 and 4: nothing published yet
    uint64_t offset = pc - reinterpret_cast<uint64_t>(&bench_trigger_and_spin);
    bool known = offset < 32 && offset % 4 == 0 && offset >= 8;
    check(known, "interrupted inside the spin loop");
    return known ? kTail[offset / 4] : 0;
}

namespace {
using bench::loop_tail;

// slice_switch_fp: the same switch when both environments use the FPU: we write an FP register
// before each spin, and the peer's entry writes one (mailbox words[12]), so the kernel saves our
// FP state and gives the peer its own. Last of the peer's rows: the FPU stays in use after it.
void slice_switch_fp(uint64_t cost_of_measuring) {
    mailbox::at().words[12] = 1;
    uint64_t samples[bench::kRuns];
    for (int i = 0; i < bench::kRuns; ++i) {
        uint64_t before = mailbox::at().words[1];
        asm volatile("fmv.d.x ft1, %0" : : "r"(static_cast<uint64_t>(i)) : "ft1");
        bench_spin(&mailbox::at().words[3], &mailbox::at().words[1], before);
        uint64_t tail = loop_tail(exos::shared_info().preempted.pc);
        samples[i] = mailbox::at().words[0] - mailbox::at().words[2] - cost_of_measuring - tail;
    }
    report("slice_switch_fp", bench::median(samples, bench::kRuns));
}

void slice_switch() {
    for (uint64_t slot = 1; slot < 16; slot += 2)
        (void)exos::syscall(abi::Syscall::SliceRelease, slot);
    exos::Child peer = exos::spawn(pool, 1, 6);
    check(peer.error == Error::Ok, "peer environment");
    check(mailbox::accept(peer.id, peer.first_spare_frame), "peer mailbox");
    mailbox::wait_for_state(peer.id, mailbox::kDone);
    uint64_t cost_of_measuring = bench::overhead();
    uint64_t samples[bench::kRuns];
    for (int i = 0; i < bench::kRuns; ++i) {
        uint64_t before = mailbox::at().words[1];
        bench_spin(&mailbox::at().words[3], &mailbox::at().words[1], before);
        // Where the slot's end interrupted us: our main context, saved in our shared page.
        uint64_t tail = loop_tail(exos::shared_info().preempted.pc);
        samples[i] = mailbox::at().words[0] - mailbox::at().words[2] - cost_of_measuring - tail;
    }
    report("slice_switch", bench::median(samples, bench::kRuns));

    // Protected control transfer to the peer's null entry: one way (to its first instruction)
    // and the round trip (its Reply included), with the registers set before the window.
    uint64_t oneway[bench::kRuns], roundtrip[bench::kRuns];
    for (int i = 0; i < bench::kRuns; ++i) {
        uint64_t start, end;
        register uint64_t a0 asm("a0") = peer.id;
        register uint64_t a1 asm("a1") = 0;
        register uint64_t a7 asm("a7") = abi::kCall;
        asm volatile("rdinstret %0\n ecall\n rdinstret %1"
                     : "=&r"(start), "=&r"(end), "+r"(a0), "+r"(a1), "+r"(a7)
                     :
                     : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a2", "a3", "a4", "a5", "a6",
                       "memory");
        oneway[i] = mailbox::at().words[4] - start - cost_of_measuring;
        roundtrip[i] = end - start - cost_of_measuring;
    }
    report("pct_oneway", bench::median(oneway, bench::kRuns));
    report("pct_roundtrip", bench::median(roundtrip, bench::kRuns));
    report("lrpc_roundtrip", bench::measure([](int) {}, [&](int i) {
        volatile uint64_t sum = exos::call(peer.id, 1, i, 1).value[0];
        (void)sum;
    }));

    // Shared-memory ping-pong: a counter in a page both map, the CPU passed by protected
    // control transfer to the peer's echo entry (through the library OS's call wrapper).
    mailbox::Mailbox& box = mailbox::at();
    uint64_t shm_misses = 0;
    report("shm_roundtrip", bench::measure([](int) {}, [&](int i) {
        box.words[8] = i + 1;
        (void)exos::transfer(abi::kCall + 2, peer.id, 0, 0, 0, 0);
        if (box.words[9] != static_cast<uint64_t>(i + 1)) ++shm_misses;
    }));
    check(shm_misses == 0, "shared-memory answers");
    // A one-byte round trip through two pipes; the empty reader runs the peer's pump entry.
    exos::Pipe to_peer(reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 1024), peer.id, 3);
    exos::Pipe from_peer(reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 2560), peer.id, 3);
    uint64_t pipe_misses = 0;
    report("pipe_roundtrip", bench::measure([](int) {}, [&](int i) {
        uint8_t byte = static_cast<uint8_t>(i), back = 0;
        to_peer.write(&byte, 1);
        from_peer.read(&back, 1);
        if (back != byte) ++pipe_misses;
    }));
    check(pipe_misses == 0, "pipe bytes echoed");
    bench::ordinary_ipc_rows(peer.id, to_peer, from_peer);
    bench::ordinary_grant_rows(pool, peer.id);
    slice_switch_fp(cost_of_measuring);
    (void)exos::unmap(mailbox::kAddress);
    check(exos::environment_destroy(peer.id) == Error::Ok, "peer destroyed");
    for (uint64_t slot = 1; slot < 16; slot += 2)
        (void)exos::syscall(abi::Syscall::SliceReserve, slot);
}

volatile uint64_t irq_entered = 0, irq_spin_snapshot = 0, irq_count = 0, irq_acked = 0;
abi::DeviceKind device_kind;
uint32_t device_line = 0;
alignas(16) char event_stack[8192];

extern "C" void bench_event_body() {
    device::quiet(device_kind);
    (void)exos::syscall(abi::Syscall::IrqAck, device_line);
    irq_acked = bench::instret();  // irq_round_trip ends here: the line can fire again
    irq_count = irq_count + 1;
}

void irq_to_user() {
    const volatile abi::SharedInfo& info = exos::shared_info();
    device_kind = info.devices[0].kind;
    exos::SyscallReturn claimed = exos::syscall(abi::Syscall::DeviceClaim, 0);
    check(claimed.error == Error::Ok, "device claim");
    device_line = static_cast<uint32_t>(claimed.value);
    Error mapped = exos::map(device::kMapped, info.devices[0].base >> 12, 1, RW);
    for (int tables = 0; mapped == Error::NoMemory && tables < 2; ++tables) {
        (void)exos::page_table_donate(*pool.take());
        mapped = exos::map(device::kMapped, info.devices[0].base >> 12, 1, RW);
    }
    check(mapped == Error::Ok, "device map");
    check(exos::set_entry(abi::Entry::Event, reinterpret_cast<uint64_t>(&bench_event_entry),
                          reinterpret_cast<uint64_t>(event_stack + sizeof(event_stack))) ==
              Error::Ok,
          "event entry");
    check(exos::syscall(abi::Syscall::IrqBind, device_line).error == Error::Ok, "bind");
    uint64_t cost_of_measuring = bench::overhead();
    const volatile abi::TrapPage& trap_page =
        *reinterpret_cast<const abi::TrapPage*>(abi::kTrapPageAddress);
    uint64_t samples[bench::kRuns], round_trips[bench::kRuns];
    for (int i = 0; i < bench::kRuns; ++i) {
        uint64_t before = irq_count;
        // Everything but the last store that raises the interrupt, which the spin loop makes.
        volatile uint32_t* trigger = nullptr;
        uint32_t value = 0;
        if (device_kind == abi::DeviceKind::GoldfishRtc) {
            device::reg(0x0c) = 0;  // an alarm in the past fires as soon as it is armed
            device::reg(0x10) = 1;
            trigger = &device::reg(0x08);  // ALARM_LOW arms it
        } else {
            device::reg(0x08) = 1 | (1u << 16);  // SiFive UART: txen, watermark 1
            trigger = &device::reg(0x10);         // ie.txwm
            value = 1;
        }
        bench_trigger_and_spin(&last_spin, &irq_count, before, trigger, value);
        // Where the interrupt struck: the event path keeps the pc in our trap page.
        uint64_t tail = loop_tail(trap_page.event_pc);
        samples[i] = irq_entered - irq_spin_snapshot - cost_of_measuring - tail;
        // The same start, to the handler's return from IrqAck: the device quieted, the line
        // acknowledged and open again (one rdinstret, the end's, is the measuring cost).
        round_trips[i] = irq_acked - irq_spin_snapshot - cost_of_measuring - tail;
    }
    report("irq_to_user", bench::median(samples, bench::kRuns));
    report("irq_round_trip", bench::median(round_trips, bench::kRuns));
}

}  // namespace

// The event entry (abi/trap_page.h): entered with the spin loop's registers, so it keeps t0
// first; its second instruction reads the counter, and irq_to_user ends one instruction before
// that, at the entry's first instruction. It keeps what the body may clobber and returns with
// UpcallReturn, which puts the interrupted pc, sp, a0 and a7 back. Emitted from inside a
// function so UpcallReturn's number is an "i" operand.
namespace {
[[gnu::used]] void emit_event_entry() {
    asm volatile(R"(
    .pushsection .text.bench_event_entry, "ax", @progbits
    .globl bench_event_entry
bench_event_entry:
    sd      t0, -8(sp)
    rdinstret t0
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      t1, 8(sp)
    sd      t2, 16(sp)
    sd      t3, 24(sp)
    sd      t4, 32(sp)
    sd      t5, 40(sp)
    sd      t6, 48(sp)
    sd      a1, 56(sp)
    sd      a2, 64(sp)
    sd      a3, 72(sp)
    sd      a4, 80(sp)
    sd      a5, 88(sp)
    sd      a6, 96(sp)
    lla     t1, _ZN12_GLOBAL__N_19last_spinE
    ld      t2, 0(t1)
    lla     t1, _ZN12_GLOBAL__N_117irq_spin_snapshotE
    sd      t2, 0(t1)
    lla     t1, _ZN12_GLOBAL__N_111irq_enteredE
    addi    t0, t0, -1
    sd      t0, 0(t1)
    call    bench_event_body
    ld      ra, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    ld      t3, 24(sp)
    ld      t4, 32(sp)
    ld      t5, 40(sp)
    ld      t6, 48(sp)
    ld      a1, 56(sp)
    ld      a2, 64(sp)
    ld      a3, 72(sp)
    ld      a4, 80(sp)
    ld      a5, 88(sp)
    ld      a6, 96(sp)
    addi    sp, sp, 128
    ld      t0, -8(sp)
    li      a0, 0
    li      a7, %[upcall_return]
    ecall
    ebreak
    .popsection
)"
                 :
                 : [upcall_return] "i"(static_cast<uint64_t>(abi::Syscall::UpcallReturn)));
}
}  // namespace

int main() {
    pool.adopt_initial_frames();
    exos::printf("bench: retired instructions per operation (median of %d runs)\n", bench::kRuns);
    for (int i = 0; i < 4; ++i) (void)exos::page_table_donate(*pool.take());
    null_syscall();
    bench::ordinary_syscall_rows();
    frames_and_mappings();
    bench::ordinary_frame_rows();
    exceptions();
    slice_switch();
    bench::upcall_entry();
    irq_to_user();
    bench::disk_rows(pool);
    exos::printf("bench: done, %d setup failures\n", bench::failures);
    return bench::failures;
}
