// A server reached by protected control transfer: entry 0 adds its arguments and says who
// called, entry 1 counts asynchronous sends, entry 3 exits in the middle of a call. Entry 2 is
// unregistered until the client asks (words[5] = 1): then it is a hostile callee that replies
// with sp = 0 and every callee-saved register trashed, which the caller must survive.
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/pipe.h>
#include <exos/transfer.h>

#include "../memory/mailbox.h"

namespace {

void add(uint64_t caller, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t results[5]) {
    results[0] = a + b + c + d;
    results[1] = caller;
    results[2] = exos::shared_info().environment_id;
}

void count(uint64_t, uint64_t amount, uint64_t, uint64_t, uint64_t, uint64_t[5]) {
    mailbox::at().words[0] = mailbox::at().words[0] + amount;
}

void quit(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t[5]) { exos::exit(0); }

alignas(16) char hostile_stack[1024];

}  // namespace

// Emitted from inside a function so the Reply number is an "i" operand (top-level asm takes none).
namespace {
[[gnu::used]] void emit_server_hostile_reply() {
    asm volatile(R"(
    .pushsection .text.server_hostile_reply, "ax", @progbits
    .globl server_hostile_reply
server_hostile_reply:
    li      s0, -1
    li      s1, -1
    li      s2, -1
    li      s3, -1
    li      s4, -1
    li      s5, -1
    li      s6, -1
    li      s7, -1
    li      s8, -1
    li      s9, -1
    li      s10, -1
    li      s11, -1
    li      gp, -1
    li      ra, -1
    li      sp, 0
    li      a1, 42
    li      a2, 43
    li      a7, %[reply]
    ecall
    .popsection
)"
                 :
                 : [reply] "i"(abi::kReply));
}
}  // namespace
extern "C" void server_hostile_reply();

int main() {
    if (!mailbox::offer()) return 1;
    (void)exos::serve(0, add);
    (void)exos::serve(1, count);
    (void)exos::serve(3, quit);
    mailbox::at().state = mailbox::kDone;
    // Between calls: echo whatever arrives on the pipe (ring at +1024) back (ring at +2560).
    auto* in = reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 1024);
    auto* out = reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 2560);
    uint64_t parent = exos::shared_info().parent_id;
    exos::Pipe from_parent(in, parent), to_parent(out, parent);
    for (;;) {
        if (mailbox::at().words[5] == 1) {
            mailbox::at().words[5] = 2;
            (void)exos::set_entry(
                abi::Entry::Call2, reinterpret_cast<uint64_t>(&server_hostile_reply),
                reinterpret_cast<uint64_t>(hostile_stack + sizeof(hostile_stack)));
        }
        while (in->written != in->read) {
            uint8_t byte;
            from_parent.read(&byte, 1);
            to_parent.write(&byte, 1);
        }
        (void)exos::yield(parent);
    }
}
