// Executes an illegal instruction: the kernel must report it and end this environment cleanly.
#include <exo/console.h>

int main() {
    exo::printf("illegal_instruction: about to execute 0x00000000\n");
    asm volatile(".word 0x00000000");  // the all-zeros encoding is defined to be illegal
    exo::printf("illegal_instruction: still running, which is wrong\n");
    return 0;
}
