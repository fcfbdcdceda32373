// A child whose exception handler faults itself: the kernel must destroy it, not loop.
#include <exo/console.h>
#include <exo/upcalls.h>

namespace {
exo::ExceptionOutcome faulting_handler(const volatile abi::TrapState&) {
    *reinterpret_cast<volatile uint64_t*>(0x71000000) = 1;  // faults again, inside the handler
    return exo::ExceptionOutcome::retry();
}
}  // namespace

int main() {
    exo::set_exception_handler(faulting_handler);
    exo::printf("handler_faults: executing an illegal instruction\n");
    asm volatile(".word 0x00000000");
    exo::printf("handler_faults: still running, which is wrong\n");
    return 0;
}
