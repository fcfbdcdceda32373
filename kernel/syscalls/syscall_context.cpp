// SyscallConsole::print: formatting for the handlers' messages (syscall_context.h).
#include "syscalls/syscall_context.h"

#include <cstdarg>

#include "freestanding/format.h"

namespace exo {

namespace {

// Collects a line so the console gets one write, not one per character.
class LineSink final : public CharacterSink {
public:
    explicit LineSink(SyscallConsole& console) : console_(console) {}
    void put(char c) override {
        buffer_[length_++] = c;
        if (length_ == sizeof(buffer_)) flush();
    }
    void flush() {
        if (length_ != 0) console_.write(buffer_, length_);
        length_ = 0;
    }

private:
    SyscallConsole& console_;
    char buffer_[128];
    size_t length_ = 0;
};

}  // namespace

void SyscallConsole::print(const char* format, ...) {
    LineSink sink(*this);
    va_list arguments;
    va_start(arguments, format);
    format_to(sink, format, arguments);
    va_end(arguments);
    sink.flush();
}

}  // namespace exo
