// QEMU virt: the device tree describes everything; these are only fallbacks.
#include "boot/board.h"

namespace exo {

const BoardConfig kBoard = {
    .name = "qemu-virt",
    .description = "QEMU virt machine",
    .default_timebase_hz = 10'000'000,
    .fallback_console = {.kind = UartKind::Ns16550a,
                         .window = {0x10000000, 0x100},
                         .irq = 10,
                         .clock_hz = 3686400,
                         .reg_shift = 0},
    .slots_per_round = 16,
    .slot_microseconds = 1000,
};

}  // namespace exo
