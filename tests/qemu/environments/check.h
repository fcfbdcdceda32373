// A tiny expectation helper for scenario environments: prints each failed check and counts it;
// the environment exits with the failure count, which the runner compares with 0.
#pragma once

#include <exos/console.h>
#include <exos/syscall.h>

namespace scenario {

inline int failures = 0;

inline void expect(bool condition, const char* what) {
    if (!condition) {
        exos::printf("CHECK FAILED: %s\n", what);
        ++failures;
    }
}

}  // namespace scenario

#define EXPECT(condition) ::scenario::expect((condition), #condition)
// The kernel's audit after a step: every frame accounted for, map counts right, owners alive.
#define EXPECT_AUDIT_CLEAN(step)                                                      \
    do {                                                                              \
        uint64_t problems = exos::audit();                                             \
        if (problems != 0) exos::printf("CHECK FAILED: audit after %s: %lu problems\n", \
                                       step, problems);                               \
        ::scenario::failures += problems != 0;                                        \
    } while (0)
