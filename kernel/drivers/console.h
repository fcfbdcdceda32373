// The kernel console: the board's UART once the device tree names it, the SBI legacy console
// before that or when the UART is of a kind we do not drive.
#pragma once

#include "boot/device_tree.h"

namespace exo {

void console_use_uart(const UartInfo& uart, uintptr_t mapped_base);
const char* console_name();
void console_put(char c);
void console_write(const char* text, size_t length);
// Input (console_input.h): turns on the UART's receive interrupt (false for the SBI console,
// which has no input the kernel could take by interrupt), and, in that interrupt, moves up to
// `max` received bytes into `bytes`, returning how many.
bool console_enable_input();
uint32_t console_receive(uint8_t* bytes, uint32_t max);
void kprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace exo
