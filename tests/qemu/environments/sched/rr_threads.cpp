// A throughput environment: three compute threads, round-robin, one per slot of its own; a
// fourth thread reports their progress when the measurement window closes.
#include <exos/threads.h>

#include "common.h"

namespace {

exos::RoundRobinThreads threads;
volatile uint64_t progress[3] = {};

void compute(uint64_t index) {
    for (;;) progress[index] = progress[index] + 1;
}

void reporter(uint64_t) {
    mailbox::Mailbox& box = mailbox::at();
    for (;;) {
        if (box.state != mailbox::kReported && sched::now() >= box.words[3]) {
            for (int i = 0; i < 3; ++i) box.words[4 + i] = progress[i];
            box.words[7] = threads.switches();
            box.state = mailbox::kReported;
        }
    }
}

}  // namespace

int main() {
    if (!sched::take_slots_and_wait()) return 1;
    for (uint64_t i = 0; i < 3; ++i) threads.spawn(compute, i);
    threads.spawn(reporter, 0);
    threads.start();
}
