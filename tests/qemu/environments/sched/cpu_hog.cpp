// CPU-bound and never yielding once the window opens.
#include "common.h"

int main() {
    if (!sched::take_slots_and_wait()) return 1;
    volatile uint64_t spins = 0;
    for (;;) spins = spins + 1;
}
