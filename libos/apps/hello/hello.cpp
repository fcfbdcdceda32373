// The first environment: greets through the console syscall and exits with status 0.
#include <exo/console.h>
#include <exo/syscall.h>

extern "C" uint64_t exo_start_instret;

int main() {
    exo::printf("hello from U-mode: environment running in its own Sv39 address space\n");
    exo::printf("hello: first U-mode instruction at instret %lu\n", exo_start_instret);
    return 0;
}
