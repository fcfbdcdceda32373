// Timer programming. Clearing writes "never" (all ones), which also drops a pending STIP.
#include "timer.h"

#include "csr.h"
#include "sbi.h"

namespace riscv {
namespace {
bool use_sstc = false;
}

void timer_init(bool has_sstc) {
    use_sstc = has_sstc;
    timer_clear();
    set_bits<Csr::sie>(interrupt::bit(interrupt::kTimer));
}

bool timer_uses_sstc() { return use_sstc; }

uint64_t timer_now() { return read<Csr::time>(); }

void timer_set(uint64_t deadline) {
    if (use_sstc) {
        write<Csr::stimecmp>(deadline);
    } else {
        sbi::set_timer(deadline);
    }
}

void timer_clear() { timer_set(~0ull); }

}  // namespace riscv
