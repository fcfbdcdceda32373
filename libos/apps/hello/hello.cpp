// The first environment: greets through the console syscall and exits with status 0.
#include <exos/console.h>
#include <exos/syscall.h>

extern "C" uint64_t exos_start_instret;

int main() {
    exos::printf("hello from U-mode: environment running in its own Sv39 address space\n");
    exos::printf("hello: first U-mode instruction at instret %lu\n", exos_start_instret);
    return 0;
}
