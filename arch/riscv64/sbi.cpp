// SBI calls: the argument registers are fixed by the SBI calling convention (a7 = EID, a6 = FID).
#include "sbi.h"

namespace sbi {

Result call(Extension extension, long function, long arg0, long arg1, long arg2) {
    register long a0 asm("a0") = arg0;
    register long a1 asm("a1") = arg1;
    register long a2 asm("a2") = arg2;
    register long a6 asm("a6") = function;
    register long a7 asm("a7") = static_cast<long>(extension);
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return {a0, a1};
}

bool probe(Extension extension) {
    return call(Extension::Base, 3, static_cast<long>(extension)).value != 0;
}
long spec_version() { return call(Extension::Base, 0).value; }
long implementation_id() { return call(Extension::Base, 1).value; }
long implementation_version() { return call(Extension::Base, 2).value; }

void legacy_putchar(char c) { call(Extension::LegacyPutchar, 0, c); }

void set_timer(uint64_t deadline) { call(Extension::Time, 0, static_cast<long>(deadline)); }

Result system_reset(ResetType type, ResetReason reason) {
    return call(Extension::SystemReset, 0, static_cast<long>(type), static_cast<long>(reason));
}

}  // namespace sbi
