// Formatted output for environments, through the console syscall.
#pragma once

#include <cstddef>

namespace exos {

void print(const char* text);
void printf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace exos
