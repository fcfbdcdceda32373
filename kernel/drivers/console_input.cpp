// The console's input ring (see console_input.h).
#include "drivers/console_input.h"

namespace exo {

uint32_t ConsoleInput::push(std::span<const uint8_t> bytes) {
    uint32_t kept = 0;
    for (uint8_t byte : bytes) {
        ++received_;
        if (written_ - read_ == kCapacity) {
            ++dropped_;
            continue;
        }
        ring_[written_++ % kCapacity] = byte;
        ++kept;
    }
    return kept;
}

uint32_t ConsoleInput::peek(uint8_t* out, uint32_t max) const {
    uint32_t count = buffered() < max ? buffered() : max;
    for (uint32_t i = 0; i < count; ++i) out[i] = ring_[(read_ + i) % kCapacity];
    return count;
}

void ConsoleInput::consume(uint32_t count) {
    read_ += count <= buffered() ? count : buffered();
}

}  // namespace exo
