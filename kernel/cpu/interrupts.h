// Device interrupts for environments: the kernel owns the PLIC (this hart's supervisor
// context), masks a bound line when it fires, and tells the owner through its shared page and
// an Event upcall; the owner's IrqAck completes and unmasks it.
#pragma once

#include "boot/device_tree.h"
#include "environments/environment.h"

namespace exo {

// Exports the devices environments may claim (every UART but the console, the RTC), keeps the
// console's line for the kernel, and turns on external interrupts for this hart's context.
void interrupts_init(const DeviceTreeInfo& tree, uint64_t hart_id);
void handle_external_interrupt();
// PLIC side of the syscalls (the ownership checks are the InterruptTable's).
void line_enable(uint32_t line, bool enabled);
void line_complete(uint32_t line);

}  // namespace exo
