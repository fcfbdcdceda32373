// The benchmark's peer: owns the odd slots; the first instruction of its slice-start entry
// reads instret into the shared mailbox, so the benchmark can time a slot switch between two
// environments (timer interrupt to the next owner's entry).
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/pipe.h>
#include <exos/transfer.h>

#include "../qemu/environments/memory/mailbox.h"

// After recording the switch, carry on where the kernel stopped us (the IPC loop below).
extern "C" [[noreturn]] void peer_give_up() {
    (void)exos::syscall(
        abi::Syscall::ResumeContext,
        reinterpret_cast<uint64_t>(const_cast<abi::TrapState*>(&exos::shared_info().preempted)));
    for (;;) (void)exos::yield();
}

// The IPC half of the benchmark: answer shared-memory pings (words[8] -> words[9]) and echo
// pipe bytes (ring at +1024 -> ring at +2560), then hand the CPU back to the benchmark.
[[noreturn]] void serve_ipc() {
    mailbox::Mailbox& box = mailbox::at();
    auto* in = reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 1024);
    auto* out = reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 2560);
    exos::Pipe from_bench(in, exos::shared_info().parent_id),
        to_bench(out, exos::shared_info().parent_id);
    for (;;) {
        if (box.words[8] != box.words[9]) box.words[9] = box.words[8];
        if (in->written != in->read) {
            uint8_t byte;
            from_bench.read(&byte, 1);
            to_bench.write(&byte, 1);
        }
        (void)exos::yield(exos::shared_info().parent_id);
    }
}

// words[0] = instret at entry, words[1] = entries so far, words[2] = the benchmark's last
// spin value (words[3]) as it was when we got the CPU: nobody ran in between. With words[12]
// set, the entry then writes an FP register, so the kernel has our FPU state to switch too.
// (Mailbox layout: state, value, then words[] from offset 16.)
asm(R"(
    .text
    .globl peer_slice_start
peer_slice_start:
    rdinstret t0
    li      t1, 0x7f000000
    sd      t0, 16(t1)
    ld      t2, 40(t1)
    sd      t2, 32(t1)
    ld      t2, 24(t1)
    addi    t2, t2, 1
    sd      t2, 24(t1)
    ld      t2, 112(t1)         # words[12]: slice_switch_fp has us use the FPU too
    beqz    t2, 1f
    fmv.d.x ft0, t2
1:  j       peer_give_up
)");
extern "C" void peer_slice_start();

// Call entry 0, the null protected control transfer: instret at entry into words[4], then Reply.
// Emitted from inside a function so the Reply number is an "i" operand (top-level asm takes none).
namespace {
[[gnu::used]] void emit_peer_null_call() {
    asm volatile(R"(
    .pushsection .text.peer_null_call, "ax", @progbits
    .globl peer_null_call
peer_null_call:
    rdinstret t0
    li      t1, 0x7f000000
    sd      t0, 48(t1)
    li      a7, %[reply]
    ecall
    .popsection
)"
                 :
                 : [reply] "i"(abi::kReply));
}
}  // namespace
extern "C" void peer_null_call();

// Call entry 2, the shared-memory ping-pong: copy the counter (words[8]) to the answer
// (words[9]) and hand the CPU back.
// Emitted from inside a function so the Reply number is an "i" operand (top-level asm takes none).
namespace {
[[gnu::used]] void emit_peer_shm_echo() {
    asm volatile(R"(
    .pushsection .text.peer_shm_echo, "ax", @progbits
    .globl peer_shm_echo
peer_shm_echo:
    li      t1, 0x7f000000
    ld      t0, 80(t1)
    sd      t0, 88(t1)
    li      a7, %[reply]
    ecall
    .popsection
)"
                 :
                 : [reply] "i"(abi::kReply));
}
}  // namespace
extern "C" void peer_shm_echo();

// Call entry 1, through the library OS: a remote procedure that adds its arguments.
void add(uint64_t, uint64_t a, uint64_t b, uint64_t, uint64_t, uint64_t results[5]) {
    results[0] = a + b;
}

// Call entry 3, the pipes' pump: echo what the benchmark wrote (ring at +1024) back (+2560).
void pump(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t[5]) {
    (void)exos::Pipe::pump(reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 1024),
                          reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 2560));
}
alignas(16) char call_stack[4096];

alignas(16) char entry_stack[4096];

int main() {
    if (!mailbox::offer()) return 1;
    for (uint64_t slot = 1; slot < 16; slot += 2)
        (void)exos::syscall(abi::Syscall::SliceReserve, slot);
    (void)exos::set_entry(abi::Entry::SliceStart, reinterpret_cast<uint64_t>(&peer_slice_start),
                         reinterpret_cast<uint64_t>(entry_stack + sizeof(entry_stack)));
    (void)exos::set_entry(abi::Entry::Call0, reinterpret_cast<uint64_t>(&peer_null_call),
                         reinterpret_cast<uint64_t>(call_stack + sizeof(call_stack)));
    (void)exos::serve(1, add);
    (void)exos::set_entry(abi::Entry::Call2, reinterpret_cast<uint64_t>(&peer_shm_echo),
                         reinterpret_cast<uint64_t>(call_stack + sizeof(call_stack)));
    (void)exos::serve(3, pump);
    mailbox::at().state = mailbox::kDone;
    serve_ipc();
}
