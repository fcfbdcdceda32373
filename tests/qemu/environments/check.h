// A tiny expectation helper for scenario environments: prints each failed check and counts it;
// the environment exits with the failure count, which the runner compares with 0.
#pragma once

#include <exo/console.h>

namespace scenario {

inline int failures = 0;

inline void expect(bool condition, const char* what) {
    if (!condition) {
        exo::printf("CHECK FAILED: %s\n", what);
        ++failures;
    }
}

}  // namespace scenario

#define EXPECT(condition) ::scenario::expect((condition), #condition)
