// A busy program: says so once, then spins until it is killed (the shell's kill and Ctrl-C).
#include <cstdint>

#include <exos/console.h>

int main() {
    exos::printf("spin: spinning until stopped\n");
    volatile uint64_t turns = 0;
    for (;;) turns = turns + 1;
}
