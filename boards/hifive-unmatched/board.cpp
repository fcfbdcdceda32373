// HiFive Unmatched (FU740-C000): SiFive UART0 console, 1 MHz timebase.
#include "boot/board.h"

namespace exo {

const BoardConfig kBoard = {
    .name = "hifive-unmatched",
    .description = "SiFive HiFive Unmatched (FU740-C000)",
    .default_timebase_hz = 1'000'000,
    .fallback_console = {.kind = UartKind::Sifive,
                         .window = {0x10010000, 0x1000},
                         .irq = 39,
                         .clock_hz = 0,
                         .reg_shift = 0},
    .slots_per_round = 16,
    .slot_microseconds = 1000,
};

}  // namespace exo
