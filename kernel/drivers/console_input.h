// The console's input as a multiplexed resource. The kernel keeps the UART (it writes its own
// log there), takes every received byte in its receive interrupt, and keeps the bytes in one
// ring for the environment holding the input (the first environment), which reads them with
// ConsoleRead when kConsoleInput tells it some wait. Nothing is echoed or edited here: line
// discipline is the library OS's. Logic only: the UARTs are driven in console.cpp, and the
// host tests feed bytes in directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "memory/frame_table.h"

namespace exo {

class ConsoleInput {
public:
    static constexpr uint32_t kCapacity = 1024;  // a power of two
    static_assert((kCapacity & (kCapacity - 1)) == 0);

    // Input arrives on `line` (the UART's receive interrupt is on) for the environment in
    // `holder`'s slot.
    void attach(uint32_t line, EnvironmentSlot holder) {
        line_ = line;
        holder_ = holder;
    }
    uint32_t line() const { return line_; }
    EnvironmentSlot holder() const { return holder_; }

    // Bytes the UART delivered: into the ring as far as it has room; the rest are counted as
    // dropped (a full ring is the holder's to drain: the kernel never blocks on it). Returns
    // how many it kept.
    uint32_t push(std::span<const uint8_t> bytes);
    // Copies up to `max` of the oldest bytes to `out` without taking them: ConsoleRead takes
    // them only once they reached the caller.
    uint32_t peek(uint8_t* out, uint32_t max) const;
    void consume(uint32_t count);
    // The holder ended: what it did not read is nobody's.
    void discard() { read_ = written_; }

    uint32_t buffered() const { return static_cast<uint32_t>(written_ - read_); }
    uint64_t received() const { return received_; }
    uint64_t dropped() const { return dropped_; }

private:
    uint8_t ring_[kCapacity] = {};
    uint64_t written_ = 0;  // both only grow; their difference is the fill
    uint64_t read_ = 0;
    uint64_t received_ = 0;
    uint64_t dropped_ = 0;
    uint32_t line_ = 0;
    EnvironmentSlot holder_ = kNoEnvironment;
};

}  // namespace exo
