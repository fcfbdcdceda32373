// The two C library functions lwIP's objects refer to beyond what lib/freestanding provides
// (mem*, strlen): strncmp (lwip_strnstr) and strtol (atoi, in netif_find). The target has no C
// library; these follow C17 7.24.4.4 and 7.22.1.4 for what lwIP asks of them.
#include <climits>
#include <cstddef>

extern "C" {

int strncmp(const char* left, const char* right, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        auto a = static_cast<unsigned char>(left[i]), b = static_cast<unsigned char>(right[i]);
        if (a != b) return a < b ? -1 : 1;
        if (a == 0) return 0;
    }
    return 0;
}

long strtol(const char* text, char** end, int base) {
    const char* cursor = text;
    while (*cursor == ' ' || (*cursor >= '\t' && *cursor <= '\r')) ++cursor;
    bool negative = *cursor == '-';
    if (*cursor == '-' || *cursor == '+') ++cursor;
    if ((base == 0 || base == 16) && cursor[0] == '0' && (cursor[1] | 0x20) == 'x') {
        cursor += 2;
        base = 16;
    } else if (base == 0) {
        base = cursor[0] == '0' ? 8 : 10;
    }
    unsigned long value = 0;
    unsigned long limit = negative ? static_cast<unsigned long>(LONG_MAX) + 1 : LONG_MAX;
    bool overflow = false, any = false;
    for (;; ++cursor) {
        int digit;
        char c = *cursor;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            digit = (c | 0x20) - 'a' + 10;
        } else {
            break;
        }
        if (digit >= base) break;
        any = true;
        auto unsigned_base = static_cast<unsigned long>(base);
        if (value > (limit - static_cast<unsigned long>(digit)) / unsigned_base) {
            overflow = true;
        } else {
            value = value * unsigned_base + static_cast<unsigned long>(digit);
        }
    }
    if (end != nullptr) *end = const_cast<char*>(any ? cursor : text);
    if (overflow) return negative ? LONG_MIN : LONG_MAX;
    return negative ? static_cast<long>(0 - value) : static_cast<long>(value);
}

}  // extern "C"
