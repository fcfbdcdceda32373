// Host network tests run each lwIP stack in a process of its own (lwIP keeps its state in
// globals, one stack per process, as one per environment on the target): a stack program runs
// in a forked child over a HostLink on one end of a socket pair, writes what it found wrong to
// a report, and exits with its count of failures. An alarm ends a child that hangs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <exos/net_interface.h>

#include "net_host_link.h"

namespace nettest {

// What a stack program tells the test: one line per failed check (or a note).
class Report {
public:
    explicit Report(int descriptor) : descriptor_(descriptor) {}
    void note(const char* format, ...) __attribute__((format(printf, 2, 3)));
    // Counts a failure and reports it when `ok` is false.
    bool check(bool ok, const char* format, ...) __attribute__((format(printf, 3, 4)));
    int failures() const { return failures_; }

private:
    int descriptor_;
    int failures_ = 0;
};

using StackProgram = void (*)(HostLink& link, Report& report);

struct Child {
    pid_t pid;
    int report;  // read end of the report pipe
};

constexpr exos::MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
constexpr exos::MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};

// Starts `program` in a child whose link is `descriptor`; the child closes `other` (the pair's
// far end, when the parent keeps it). Gives up after `seconds`.
Child spawn(StackProgram program, int descriptor, int other, exos::MacAddress mac,
            unsigned seconds = 30);
// Waits for the child; its report, and its exit status (signals as 128 + number) in *status.
std::string finish(Child child, int* status);

// Starts the interface with a static address, or reports why not.
bool start_stack(HostLink& link, Report& report, uint32_t address);

// Bytes a test sends and checks: a function of position and seed.
inline uint8_t pattern_byte(uint64_t position, uint32_t seed) {
    return static_cast<uint8_t>((position * 131 + seed * 7 + (position >> 9)) & 0xff);
}

}  // namespace nettest
