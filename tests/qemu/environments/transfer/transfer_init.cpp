// Protected control transfer: a call reaches a registered entry of another environment with its
// arguments in registers and comes back with the results; the callee learns the caller's id;
// calls to stale ids, unregistered entries or ourselves fail in the caller; a callee that dies
// mid-call fails the call instead of hanging it; asynchronous sends run without a reply.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/pipe.h>
#include <exos/transfer.h>

#include "../driver.h"

namespace {
using abi::Error;
exos::FramePool pool;
}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 2; ++i) EXPECT(exos::page_table_donate(*pool.take()) == Error::Ok);
    uint64_t me = exos::shared_info().environment_id;
    exos::Child server = driver::start(pool, 1, 0);
    mailbox::wait_for_state(server.id, mailbox::kDone);

    exos::CallResult sum = exos::call(server.id, 0, 1, 2, 3, 4);
    EXPECT(sum.error == Error::Ok && sum.value[0] == 10);
    EXPECT(sum.value[1] == me);         // the callee learns who called
    EXPECT(sum.value[2] == server.id);  // and it really ran in the server
    for (uint64_t i = 0; i < 1000; ++i) EXPECT(exos::call(server.id, 0, i, i).value[0] == 2 * i);

    EXPECT(exos::call(server.id, 2).error == Error::InvalidArgument);   // not registered
    EXPECT(exos::call(server.id, 7).error == Error::InvalidArgument);   // no such entry
    EXPECT(exos::call(me, 0).error == Error::InvalidArgument);          // ourselves
    EXPECT(exos::call(0, 0).error == Error::NoSuchEnvironment);
    EXPECT(exos::call(0x7777000009, 0).error == Error::NoSuchEnvironment);  // forged
    EXPECT(exos::syscall(abi::kReply, 0, 1).error == Error::NotPermitted);  // nobody called us
    EXPECT(exos::transfer(abi::kCall + 2, server.id, 0, 0, 0, 0).error == Error::InvalidArgument);
    EXPECT(exos::transfer(abi::kCall, server.id ^ (uint64_t{1} << 16), 0, 0, 0, 0).error ==
           Error::NoSuchEnvironment);  // a stale generation
    EXPECT(exos::syscall(abi::kTransferEnd).error == Error::UnknownSyscall);

    // A hostile callee: it replies with sp = 0 and gp, ra, s0..s11 trashed. The caller resumes
    // on its own sp (the kernel keeps it) and its wrapper restores the rest (exos::transfer).
    mailbox::at().words[5] = 1;
    while (mailbox::at().words[5] != 2) (void)exos::yield(server.id);
    exos::CallResult hostile = exos::call(server.id, 2, 7);
    EXPECT(hostile.error == Error::Ok && hostile.value[0] == 42 && hostile.value[1] == 43);
    volatile uint64_t on_stack = 12345;  // the stack still works, and so do globals (gp)
    EXPECT(on_stack == 12345 && exos::shared_info().environment_id == me);

    // A send finds the server Busy while it is still inside the previous one (the slot may end
    // before its entry returns): then let it finish and send again.
    for (uint64_t i = 1; i <= 10; ++i) {
        Error sent = exos::send(server.id, 1, i);
        while (sent == Error::Busy) {
            (void)exos::yield(server.id);
            sent = exos::send(server.id, 1, i);
        }
        EXPECT(sent == Error::Ok);
    }
    while (mailbox::at().words[0] != 55) (void)exos::yield(server.id);

    // A pipe round trip of 6,000 bytes in chunks of 1 to 700 (the rings hold 1,024): the bytes
    // come back in order and intact, across many wrap-arounds of both rings.
    exos::Pipe to_server(reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 1024), server.id);
    exos::Pipe from_server(reinterpret_cast<exos::PipeRing*>(mailbox::kAddress + 2560), server.id);
    uint8_t chunk[700], echo[700];
    uint64_t piped = 0, mismatched = 0;
    for (uint64_t size = 1; piped < 6000; size = size % 700 + 37) {
        for (uint64_t i = 0; i < size; ++i) chunk[i] = static_cast<uint8_t>((piped + i) * 131 + 7);
        to_server.write(chunk, size);
        from_server.read(echo, size);
        for (uint64_t i = 0; i < size; ++i) mismatched += echo[i] != chunk[i];
        piped += size;
    }
    EXPECT(mismatched == 0);
    uint64_t counted = mailbox::at().words[0];
    (void)exos::unmap(mailbox::kAddress);  // the server's page goes with it below

    // The server exits inside a call: the call fails with its id gone, and that id is stale.
    exos::CallResult dead = exos::call(server.id, 3);
    while (dead.error == Error::Busy) {  // still finishing the last send
        (void)exos::yield(server.id);
        dead = exos::call(server.id, 3);
    }
    EXPECT(dead.error == Error::NoSuchEnvironment);
    EXPECT(exos::call(server.id, 0, 1).error == Error::NoSuchEnvironment);
    exos::printf("transfer: 1001 calls answered, 10 sends counted (%lu), a callee dying mid-call "
                 "failed the call: %s\n",
                 counted, abi::to_string(dead.error));
    exos::printf("transfer: %lu bytes through a pipe and back, %lu mismatched\n", piped,
                 mismatched);
    EXPECT_AUDIT_CLEAN("protected control transfer");
    exos::printf("transfer: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
