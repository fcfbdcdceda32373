// The kernel's wait for an interrupt (kernel_wait.h).
#include "cpu/kernel_wait.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/trap_entry.h"

namespace exo {

void wait_for_interrupt_and_take_it() {
    riscv::write<riscv::Csr::stvec>(reinterpret_cast<uint64_t>(&kernel_wait_entry));
    // wfi with SIE clear still wakes on a pending interrupt; opening SIE only afterwards means
    // the interrupt cannot slip in between the caller's check and the wfi.
    riscv::wait_for_interrupt();
    riscv::set_bits<riscv::Csr::sstatus>(riscv::sstatus::kSie);
    riscv::clear_bits<riscv::Csr::sstatus>(riscv::sstatus::kSie);
    leave_kernel_wait();
}

void leave_kernel_wait() {
    riscv::write<riscv::Csr::stvec>(reinterpret_cast<uint64_t>(&trap_entry));
}

}  // namespace exo
