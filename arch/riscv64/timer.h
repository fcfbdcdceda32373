// The supervisor timer: Sstc's stimecmp where the hart has it (no firmware call on the hot path),
// otherwise SBI set_timer. Deadlines are in ticks of the `time` CSR (timebase from the tree).
#pragma once

#include <cstdint>

namespace riscv {

void timer_init(bool has_sstc);
bool timer_uses_sstc();
uint64_t timer_now();
void timer_set(uint64_t deadline);
void timer_clear();

}  // namespace riscv
