// Executes an illegal instruction: the kernel must report it and end this environment cleanly.
#include <exos/console.h>

int main() {
    exos::printf("illegal_instruction: about to execute 0x00000000\n");
    asm volatile(".word 0x00000000");  // the all-zeros encoding is defined to be illegal
    exos::printf("illegal_instruction: still running, which is wrong\n");
    return 0;
}
