// printf for environments: formats into a line buffer and writes it with one syscall per line.
#include <exos/console.h>
#include <exos/syscall.h>

#include <cstdarg>

#include "freestanding/format.h"

namespace exos {
namespace {

class LineSink final : public exo::CharacterSink {
public:
    void put(char c) override {
        buffer_[length_++] = c;
        if (c == '\n' || length_ == sizeof(buffer_)) flush();
    }
    void flush() {
        if (length_ != 0) (void)console_write(buffer_, length_);
        length_ = 0;
    }

private:
    char buffer_[128];
    size_t length_ = 0;
};

}  // namespace

void print(const char* text) {
    size_t length = 0;
    while (text[length]) ++length;
    (void)console_write(text, length);
}

void printf(const char* format, ...) {
    LineSink sink;
    va_list arguments;
    va_start(arguments, format);
    exo::format_to(sink, format, arguments);
    va_end(arguments);
    sink.flush();
}

}  // namespace exos
