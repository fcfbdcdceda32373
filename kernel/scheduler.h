// Which environment runs: round-robin over live environments on a fixed timer quantum, plus
// directed yield. This is a placeholder mechanism until the slice vector (issue 4) exposes CPU
// time to library OSes; it holds no priorities and no policy beyond "next in slot order".
#pragma once

#include <cstdint>

#include "environment.h"

namespace exo {

void scheduler_init(uint64_t timebase_hz, bool address_space_ids);
// Makes `environment` current: satp, pending upcalls. Returns the frame trap_entry resumes.
riscv::TrapFrame* run(Environment& environment);
// The next live environment after the current one in slot order (the current one if alone).
Environment* next_in_turn();
// The timer interrupt: deadlines, then the next environment in turn.
riscv::TrapFrame* scheduler_tick();
// After the current environment died: run the next one, or shut down if none is left.
[[noreturn]] void run_next_after_exit();
void arm_timer();

}  // namespace exo
