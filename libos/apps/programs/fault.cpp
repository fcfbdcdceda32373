// A program that faults: it stores to address 0, which nothing maps. It registers no exception
// handler, so the kernel ends it (status 70) and tells its parent the cause.
#include <cstdint>

#include <exos/console.h>

int main() {
    exos::printf("fault: storing to address 0\n");
    *reinterpret_cast<volatile uint64_t*>(uintptr_t{0}) = 1;
    exos::printf("fault: still running, which is wrong\n");
    return 1;
}
