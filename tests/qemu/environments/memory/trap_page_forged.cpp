// A child that forges its trap page: handler at a kernel address, busy cleared, a stack pointer
// into nowhere; then an "event" to return from, whose saved pc is the kernel's too, and
// UpcallReturn. The kernel resumes that pc in U-mode, the fetch faults, the forged handler is
// entered (in U-mode again) and faults while busy is set: the kernel must destroy the child, not
// jump into itself or loop. Without the forged event, a store fault gets there the same way.
#include <abi/syscall.h>
#include <exos/console.h>
#include <exos/syscall.h>
#include <exos/trap_page.h>

int main() {
    volatile abi::TrapPage& page = exos::trap_page();
    page.handler_pc = 0xffffffff80200000;  // the kernel's text
    page.handler_sp = 0x8;
    page.busy = 0;
    page.event_pc = 0xffffffff80200000;
    page.event_sp = 0x8;
    page.event_busy = 1;
    exos::printf("trap_page_forged: returning from a forged event\n");
    (void)exos::syscall(abi::Syscall::UpcallReturn, 0);
    exos::printf("trap_page_forged: faulting with a forged handler\n");
    *reinterpret_cast<volatile uint64_t*>(0x72000000) = 1;
    exos::printf("trap_page_forged: still running, which is wrong\n");
    return 0;
}
