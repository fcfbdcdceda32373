// Calls into OpenSBI (SBI spec 1.0): legacy console, TIME, SRST and the base extension probe.
#pragma once

#include <cstdint>

namespace sbi {

struct Result {
    long error;
    long value;
};

enum class Extension : long {
    LegacyPutchar = 0x01,
    Base = 0x10,
    Time = 0x54494d45,          // "TIME"
    SystemReset = 0x53525354,   // "SRST"
};

enum class ResetType : long { Shutdown = 0, ColdReboot = 1 };
enum class ResetReason : long { None = 0, SystemFailure = 1 };

Result call(Extension extension, long function, long arg0 = 0, long arg1 = 0, long arg2 = 0);

bool probe(Extension extension);
long spec_version();
long implementation_id();
long implementation_version();
void legacy_putchar(char c);
void set_timer(uint64_t deadline);
// Returns only if the firmware refused (for example SRST shutdown on the FU540).
Result system_reset(ResetType type, ResetReason reason);

}  // namespace sbi
