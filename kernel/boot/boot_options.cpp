// The parser of boot_options.h.
#include "boot/boot_options.h"

namespace exo {

namespace {

// A decimal number of 1 to 18 digits (no sign, no leading junk); nothing otherwise.
bool parse_count(std::string_view digits, uint64_t& value) {
    if (digits.empty() || digits.size() > 18) return false;
    value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
}

bool starts_with(std::string_view word, std::string_view prefix) {
    return word.size() >= prefix.size() && word.compare(0, prefix.size(), prefix) == 0;
}

// Applies one word; false when it is not a known option with a known value.
bool apply(std::string_view word, BootOptions& options) {
    constexpr std::string_view kCut = "exo.cut_after_writes=";
    if (starts_with(word, kCut)) {
        uint64_t count = 0;
        std::string_view digits(word.data() + kCut.size(), word.size() - kCut.size());
        if (!parse_count(digits, count) || count == 0) return false;
        options.cut_after_writes = count;
    } else if (word == "exo.fast_paths=off") {
        options.fast_paths = false;
    } else if (word == "exo.fast_paths=on") {
        options.fast_paths = true;
    } else {
        return false;
    }
    return true;
}

}  // namespace

BootOptions parse_boot_options(std::string_view bootargs) {
    BootOptions options;
    // By hand: string_view::find is memchr and substr throws, neither of which the freestanding
    // kernel has.
    size_t start = 0;
    for (size_t end = 0; end <= bootargs.size(); ++end) {
        if (end < bootargs.size() && bootargs[end] != ' ') continue;
        std::string_view word(bootargs.data() + start, end - start);  // substr could throw
        if (!word.empty() && !apply(word, options)) ++options.unknown;
        start = end + 1;
    }
    return options;
}

}  // namespace exo
