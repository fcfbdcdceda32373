// What a board folder tells the kernel beyond the device tree: its name and the defaults to use
// where the tree is silent. Each boards/<name>/board.cpp defines kBoard.
#pragma once

#include <cstdint>

#include "boot/device_tree.h"

namespace exo {

struct BoardConfig {
    const char* name;
    const char* description;
    uint64_t default_timebase_hz;  // used when the tree has no timebase-frequency
    UartInfo fallback_console;     // used when the tree names no UART we drive
    uint32_t slots_per_round;      // the slice vector's length
    uint64_t slot_microseconds;    // one slot's length
};

extern const BoardConfig kBoard;

}  // namespace exo
