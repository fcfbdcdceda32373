// What every syscall handler works on, passed in rather than reached through singletons: the
// kernel state, the caller, and the two pieces of hardware a handler itself touches (the clock
// and the console). The kernel supplies its own (syscall_entry.cpp); host tests and the fuzzer
// supply fakes and call the same handlers through the same table.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel_state.h"

namespace exo {

// The timer's time, in ticks of the `time` CSR.
class SyscallClock {
public:
    virtual uint64_t now() = 0;

protected:
    ~SyscallClock() = default;
};

// Where ConsoleWrite's bytes and the kernel's messages about a call go.
class SyscallConsole {
public:
    virtual void write(const char* text, size_t length) = 0;
    // Formats (lib/freestanding/format.h) and writes the result.
    void print(const char* format, ...) __attribute__((format(printf, 2, 3)));

protected:
    ~SyscallConsole() = default;
};

struct SyscallContext {
    KernelState& state;
    Environment& caller;
    SyscallClock& clock;
    SyscallConsole& console;
};

}  // namespace exo
