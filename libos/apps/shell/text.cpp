// The shell's string helpers: there is no C library in this library OS.
#include "shell.h"

namespace shell {

size_t length(const char* text) {
    size_t count = 0;
    while (text[count] != '\0') ++count;
    return count;
}

bool equal(const char* a, const char* b) {
    size_t i = 0;
    for (; a[i] != '\0' && a[i] == b[i]; ++i) {
    }
    return a[i] == b[i];
}

bool starts_with(const char* text, const char* prefix) {
    for (size_t i = 0; prefix[i] != '\0'; ++i) {
        if (text[i] != prefix[i]) return false;
    }
    return true;
}

bool parse_number(const char* text, uint64_t& value) {
    uint64_t base = 10;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text += 2;
    }
    if (*text == '\0') return false;
    uint64_t result = 0;
    for (; *text != '\0'; ++text) {
        char c = *text;
        uint64_t digit = c >= '0' && c <= '9'   ? c - '0'
                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                : 99;
        if (digit >= base) return false;
        if (result > (~uint64_t{0} - digit) / base) return false;
        result = result * base + digit;
    }
    value = result;
    return true;
}

const char* clip(const char* text, char* out, size_t width) {
    size_t count = length(text);
    if (count <= width) return text;
    size_t keep = width > 3 ? width - 3 : 0;
    for (size_t i = 0; i < keep; ++i) out[i] = text[i];
    for (size_t i = keep; i < width; ++i) out[i] = '.';
    out[width] = '\0';
    return out;
}

bool absolute_path(const char* path, char* out, size_t capacity) {
    size_t at = 0;
    if (path[0] != '/') out[at++] = '/';
    for (size_t i = 0; path[i] != '\0'; ++i) {
        if (at + 1 >= capacity) return false;
        out[at++] = path[i];
    }
    out[at] = '\0';
    return true;
}

const char* base_name(const char* path) {
    const char* name = path;
    for (const char* p = path; *p != '\0'; ++p) {
        if (*p == '/' && p[1] != '\0') name = p + 1;
    }
    return name;
}

}  // namespace shell
