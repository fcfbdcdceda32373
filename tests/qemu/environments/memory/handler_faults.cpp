// A child whose exception handler faults itself: the kernel must destroy it, not loop.
#include <exos/console.h>
#include <exos/upcalls.h>

namespace {
exos::ExceptionOutcome faulting_handler(const volatile abi::TrapState&) {
    *reinterpret_cast<volatile uint64_t*>(0x71000000) = 1;  // faults again, inside the handler
    return exos::ExceptionOutcome::retry();
}
}  // namespace

int main() {
    exos::set_exception_handler(faulting_handler);
    exos::printf("handler_faults: executing an illegal instruction\n");
    asm volatile(".word 0x00000000");
    exos::printf("handler_faults: still running, which is wrong\n");
    return 0;
}
