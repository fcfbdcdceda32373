// The formatter behind kprintf and panic; see format.h for what it supports.
#include "format.h"

#include <cstdint>

namespace exo {
namespace {

struct Spec {
    bool left_align = false;
    bool zero_pad = false;
    int width = 0;
    int length = 0;  // 0 = int, 1 = long, 2 = long long, 3 = size_t
};

void pad(CharacterSink& sink, int count, char fill) {
    for (int i = 0; i < count; ++i) sink.put(fill);
}

void emit(CharacterSink& sink, const char* text, int length, const Spec& spec, bool numeric) {
    int padding = spec.width > length ? spec.width - length : 0;
    char fill = spec.zero_pad && numeric && !spec.left_align ? '0' : ' ';
    if (!spec.left_align) pad(sink, padding, fill);
    for (int i = 0; i < length; ++i) sink.put(text[i]);
    if (spec.left_align) pad(sink, padding, ' ');
}

void emit_number(CharacterSink& sink, uint64_t magnitude, bool negative, unsigned base,
                 const Spec& spec, const char* prefix = "") {
    char digits[24];
    int count = 0;
    do {
        unsigned digit = static_cast<unsigned>(magnitude % base);
        digits[count++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
        magnitude /= base;
    } while (magnitude != 0);
    char text[32];
    int length = 0;
    if (negative) text[length++] = '-';
    for (const char* p = prefix; *p; ++p) text[length++] = *p;
    while (count > 0) text[length++] = digits[--count];
    emit(sink, text, length, spec, true);
}

uint64_t take_unsigned(va_list& arguments, int length) {
    switch (length) {
    case 0: return va_arg(arguments, unsigned int);
    case 1: return va_arg(arguments, unsigned long);
    case 2: return va_arg(arguments, unsigned long long);
    default: return va_arg(arguments, size_t);
    }
}

int64_t take_signed(va_list& arguments, int length) {
    switch (length) {
    case 0: return va_arg(arguments, int);
    case 1: return va_arg(arguments, long);
    case 2: return va_arg(arguments, long long);
    default: return static_cast<int64_t>(va_arg(arguments, size_t));
    }
}

class BufferSink final : public CharacterSink {
public:
    BufferSink(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
    void put(char c) override {
        if (length_ + 1 < capacity_) buffer_[length_] = c;
        ++length_;
    }
    size_t finish() {
        if (capacity_ != 0) buffer_[length_ < capacity_ ? length_ : capacity_ - 1] = '\0';
        return length_;
    }

private:
    char* buffer_;
    size_t capacity_;
    size_t length_ = 0;
};

}  // namespace

void format_to(CharacterSink& sink, const char* format, va_list arguments) {
    va_list args;
    va_copy(args, arguments);
    for (const char* p = format; *p; ++p) {
        if (*p != '%') {
            sink.put(*p);
            continue;
        }
        Spec spec;
        ++p;
        for (;; ++p) {
            if (*p == '-') spec.left_align = true;
            else if (*p == '0') spec.zero_pad = true;
            else break;
        }
        while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
        while (*p == 'l' || *p == 'z') {
            spec.length = *p == 'z' ? 3 : spec.length + 1;
            ++p;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t value = take_signed(args, spec.length);
            uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : value;
            emit_number(sink, magnitude, value < 0, 10, spec);
            break;
        }
        case 'u': emit_number(sink, take_unsigned(args, spec.length), false, 10, spec); break;
        case 'x': emit_number(sink, take_unsigned(args, spec.length), false, 16, spec); break;
        case 'p':
            emit_number(sink, reinterpret_cast<uintptr_t>(va_arg(args, void*)), false, 16, spec,
                        "0x");
            break;
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            emit(sink, &c, 1, spec, false);
            break;
        }
        case 's': {
            const char* text = va_arg(args, const char*);
            if (text == nullptr) text = "(null)";
            int length = 0;
            while (text[length]) ++length;
            emit(sink, text, length, spec, false);
            break;
        }
        case '%': sink.put('%'); break;
        case '\0': --p; break;  // a lone '%' at the end prints nothing
        default:
            sink.put('%');
            sink.put(*p);
            break;
        }
    }
    va_end(args);
}

void format_to(CharacterSink& sink, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    format_to(sink, format, arguments);
    va_end(arguments);
}

size_t format_buffer(char* buffer, size_t capacity, const char* format, ...) {
    BufferSink sink(buffer, capacity);
    va_list arguments;
    va_start(arguments, format);
    format_to(sink, format, arguments);
    va_end(arguments);
    return sink.finish();
}

}  // namespace exo
