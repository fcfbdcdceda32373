// The kernel console: the board's UART once the device tree names it, the SBI legacy console
// before that or when the UART is of a kind we do not drive.
#pragma once

#include "boot/device_tree.h"

namespace exo {

void console_use_uart(const UartInfo& uart, uintptr_t mapped_base);
const char* console_name();
void console_put(char c);
void console_write(const char* text, size_t length);
void kprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace exo
