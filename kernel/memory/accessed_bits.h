// Does this hart set a page's accessed bit itself, or fault for software to set it (Svade)?
// The trap vector delivers exceptions straight to environments only on the first kind: on the
// second, the kernel must see every page fault first to settle accessed/dirty faults.
#pragma once

#include <abi/trap_page.h>

#include "arch/riscv64/trap_frame.h"

namespace exo {

// Maps one probe page without its accessed bit, loads from it, and looks. Runs once at boot,
// after the kernel page table and the trap vector are in place.
bool hardware_sets_accessed_bits();
// For handle_kernel_trap: the probe's own fault, skipped; false for any other trap.
bool skip_accessed_bit_probe_fault(riscv::TrapFrame& frame);

// Set by a self-test image to run the exception path the way software-A/D hardware would.
extern bool force_exceptions_through_kernel;

// The page that is always busy: an environment's exception_page points here when exceptions
// must go through the kernel.
extern const abi::TrapPage kExceptionsThroughKernel;

}  // namespace exo
