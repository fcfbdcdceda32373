// lwIP's platform hooks (libos/net/lwip_port/port.h) for the host suites: the process's
// monotonic clock, stderr, abort, a seeded generator.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "lwip/sys.h"
#include "lwip_port/port.h"

extern "C" {

u32_t sys_now(void) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<u32_t>(now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

void exos_lwip_diagnostic(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vfprintf(stderr, format, arguments);
    va_end(arguments);
}

void exos_lwip_assert_failed(const char* message, const char* file, int line) {
    fprintf(stderr, "lwIP assertion failed: %s (%s:%d)\n", message, file, line);
    abort();
}

uint32_t exos_lwip_random(void) {
    static uint64_t state = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(sys_now());
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<uint32_t>(state >> 16);
}

}  // extern "C"
