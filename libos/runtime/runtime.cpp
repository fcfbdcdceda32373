// C++ ABI hooks for environments, and the exit path from main.
#include <exos/syscall.h>

extern "C" {

extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

// Global objects with constructors (default member initialisers included) before main.
void exos_run_constructors() {
    for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor) {
        (*constructor)();
    }
}

[[noreturn]] void exos_exit_from_main(int status) { exos::exit(status); }

void __cxa_pure_virtual() { exos::exit(134); }
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;
void abort() { exos::exit(134); }

}  // extern "C"
