// A child that forges its trap page: handler at a kernel address, busy cleared, a stack pointer
// into nowhere, then a fault. The kernel enters that "handler" in U-mode, where the fetch
// faults while busy is set: it must destroy the child, not jump into itself or loop.
#include <exo/console.h>
#include <exo/trap_page.h>

int main() {
    volatile abi::TrapPage& page = exo::trap_page();
    page.handler_pc = 0xffffffff80200000;  // the kernel's text
    page.handler_sp = 0x8;
    page.busy = 0;
    exo::printf("trap_page_forged: faulting with a forged handler\n");
    *reinterpret_cast<volatile uint64_t*>(0x72000000) = 1;
    exo::printf("trap_page_forged: still running, which is wrong\n");
    return 0;
}
