// Syscall dispatch: decode a7, validate the arguments, then act.
#pragma once

#include "arch/riscv64/trap_frame.h"
#include "environment.h"

namespace exo {

// Handles the ecall in `frame` (sepc already advanced) and returns the frame to resume.
riscv::TrapFrame* handle_syscall(Environment& caller, riscv::TrapFrame& frame);

}  // namespace exo
