// The parser of boot_options.h.
#include "boot/boot_options.h"

namespace exo {

namespace {

// Applies one word; false when it is not a known option with a known value.
bool apply(std::string_view word, BootOptions& options) {
    if (word == "exo.fast_paths=off") {
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
