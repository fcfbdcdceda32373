// A server reached by protected control transfer: entry 0 adds its arguments and says who
// called, entry 1 counts asynchronous sends, entry 2 is never registered, entry 3 exits in
// the middle of a call.
#include <exo/shared_info.h>
#include <exo/syscall.h>
#include <exo/pipe.h>
#include <exo/transfer.h>

#include "../memory/mailbox.h"

namespace {

void add(uint64_t caller, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t results[5]) {
    results[0] = a + b + c + d;
    results[1] = caller;
    results[2] = exo::shared_info().environment_id;
}

void count(uint64_t, uint64_t amount, uint64_t, uint64_t, uint64_t, uint64_t[5]) {
    mailbox::at().words[0] = mailbox::at().words[0] + amount;
}

void quit(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t[5]) { exo::exit(0); }

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    (void)exo::serve(0, add);
    (void)exo::serve(1, count);
    (void)exo::serve(3, quit);
    mailbox::at().state = mailbox::kDone;
    // Between calls: echo whatever arrives on the pipe (ring at +1024) back (ring at +2560).
    auto* in = reinterpret_cast<exo::PipeRing*>(mailbox::kAddress + 1024);
    auto* out = reinterpret_cast<exo::PipeRing*>(mailbox::kAddress + 2560);
    uint64_t parent = exo::shared_info().parent_id;
    exo::Pipe from_parent(in, parent), to_parent(out, parent);
    for (;;) {
        while (in->written != in->read) {
            uint8_t byte;
            from_parent.read(&byte, 1);
            to_parent.write(&byte, 1);
        }
        (void)exo::yield(parent);
    }
}
