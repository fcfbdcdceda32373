// HiFive Unleashed (FU540-C000): UART0 is the console; the RTC clock gives a 1 MHz timebase.
#include "boot/board.h"

namespace exo {

const BoardConfig kBoard = {
    .name = "hifive-unleashed",
    .description = "SiFive HiFive Unleashed (FU540-C000)",
    .default_timebase_hz = 1'000'000,
    .fallback_console = {.kind = UartKind::Sifive,
                         .window = {0x10010000, 0x1000},
                         .irq = 4,
                         .clock_hz = 0,
                         .reg_shift = 0},
    .slots_per_round = 16,
    .slot_microseconds = 1000,
};

}  // namespace exo
