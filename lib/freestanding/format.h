// A small printf: %d %i %u %x %p %s %c %%, with l/ll/z length, width, '0' padding and '-'
// alignment. Freestanding and host-testable; the kernel's console and panic print through it.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace exo {

// Where formatted characters go.
class CharacterSink {
public:
    virtual void put(char c) = 0;

protected:
    ~CharacterSink() = default;
};

void format_to(CharacterSink& sink, const char* format, va_list arguments);
void format_to(CharacterSink& sink, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Formats into a fixed buffer, always NUL-terminated; returns the length it would have had.
size_t format_buffer(char* buffer, size_t capacity, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace exo
