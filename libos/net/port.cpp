// lwIP's platform hooks on the target (lwip_port/port.h): milliseconds from the time CSR, the
// console, the environment's end, a generator seeded from the clock and the MAC.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include <cstdarg>

#include "freestanding/format.h"
#include "lwip/sys.h"
#include "lwip_port/port.h"

namespace {

uint64_t read_time() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));  // the time CSR, readable from U-mode
    return time;
}

uint64_t random_state = 0;

}  // namespace

extern "C" {

u32_t sys_now(void) {
    uint64_t per_millisecond = exos::shared_info().timebase_hz / 1000;
    if (per_millisecond == 0) per_millisecond = 1;
    return static_cast<u32_t>(read_time() / per_millisecond);
}

void exos_lwip_diagnostic(const char* format, ...) {
    char line[160];
    va_list arguments;
    va_start(arguments, format);
    // format_buffer has no va_list form: lwIP's diagnostics are rare and short.
    class Sink final : public exo::CharacterSink {
    public:
        Sink(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
        void put(char c) override {
            if (length_ + 1 < capacity_) buffer_[length_++] = c;
        }
        size_t length() const { return length_; }

    private:
        char* buffer_;
        size_t capacity_;
        size_t length_ = 0;
    } sink(line, sizeof(line));
    exo::format_to(sink, format, arguments);
    va_end(arguments);
    (void)exos::console_write(line, sink.length());
}

void exos_lwip_assert_failed(const char* message, const char* file, int line) {
    exos::printf("lwip: assertion failed: %s (%s:%d)\n", message, file, line);
    exos::exit(94);
}

uint32_t exos_lwip_random(void) {
    // xorshift64: not for secrets, only so that sequence numbers and ports differ per boot
    // and per environment (two stacks sharing the NIC must not pick the same ports: the
    // second one's claim would be refused).
    if (random_state == 0) {
        random_state = (read_time() ^ exos::shared_info().environment_id << 32) *
                           0x9e3779b97f4a7c15ull | 1;
    }
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return static_cast<uint32_t>(random_state >> 16);
}

}  // extern "C"
