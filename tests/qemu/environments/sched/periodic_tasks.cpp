// A real-time environment on short, frequent slots: three rate-monotonic periodic tasks (4, 8
// and 16 slot lengths) whose jobs must all meet their deadlines while other environments,
// one of them CPU-bound, run in the slots between.
#include <exos/periodic.h>
#include <exos/shared_info.h>

#include "common.h"

namespace {

exos::PeriodicTasks tasks;
volatile uint64_t work_sink = 0;

void work(uint64_t iterations) {
    uint64_t value = work_sink;
    for (uint64_t i = 0; i < iterations; ++i) value = value * 6364136223846793005ull + i;
    work_sink = value;
}

void control_loop() { work(20000); }
void sensor_fusion() { work(60000); }
void report() {
    mailbox::Mailbox& box = mailbox::at();
    if (box.state == mailbox::kReported || sched::now() < box.words[3]) return;
    for (int task = 0; task < 2; ++task) {
        box.words[4 + task * 3] = tasks.completed(task);
        box.words[5 + task * 3] = tasks.missed(task);
        box.words[6 + task * 3] = tasks.worst_response(task);
    }
    box.state = mailbox::kReported;
}

}  // namespace

int main() {
    if (!sched::take_slots_and_wait()) return 1;
    uint64_t slot = exos::shared_info().slot_ticks;
    tasks.add(control_loop, 4 * slot);
    tasks.add(sensor_fusion, 8 * slot);
    tasks.add(report, 16 * slot);
    tasks.start();
}
