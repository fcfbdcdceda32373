// Syscall dispatch: the table the trap vector indexes, and the path for calls needing a frame.
#pragma once

#include "arch/riscv64/hart_page.h"

namespace exo {

// Fills the hart page's syscall table: every slot up to riscv::kSyscallTableSlots, with the
// unknown-syscall handler where no call is defined.
void install_syscall_table(riscv::HartPage& page);

}  // namespace exo
