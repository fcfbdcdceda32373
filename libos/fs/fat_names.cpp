// Names on a FAT volume (fat_names.h).
#include "fat_names.h"

namespace exos::fat::names {
namespace {

bool short_name_character(uint16_t unit) {
    // Section 6.1: letters, digits and these; lower case is folded before this check.
    if ((unit >= 'A' && unit <= 'Z') || (unit >= '0' && unit <= '9'))
        return true;
    for (char allowed : std::string_view("$%'-_@~`!(){}^#&"))
        if (unit == static_cast<uint16_t>(allowed))
            return true;
    return false;
}

bool reserved_in_long_name(uint16_t unit) {
    if (unit < 0x20)
        return true;
    for (char reserved : std::string_view("\"*/:<>?\\|"))
        if (unit == static_cast<uint16_t>(reserved))
            return true;
    return false;
}

}  // namespace

FsError decode(std::string_view utf8, NameUnits& name) {
    name.length = 0;
    size_t at = 0;
    while (at < utf8.size()) {
        uint32_t lead = static_cast<uint8_t>(utf8[at]);
        uint32_t extra = lead < 0x80                ? 0
                         : (lead & 0xe0) == 0xc0 ? 1
                         : (lead & 0xf0) == 0xe0 ? 2
                                                 : 3;
        if (extra == 3)
            return FsError::InvalidName;  // past U+FFFF (long names here are UCS-2), or no lead
        if (at + extra >= utf8.size())
            return FsError::InvalidName;  // cut short
        uint32_t code = extra == 0 ? lead : lead & (extra == 1 ? 0x1f : 0x0f);
        for (uint32_t index = 1; index <= extra; ++index) {
            uint32_t next = static_cast<uint8_t>(utf8[at + index]);
            if ((next & 0xc0) != 0x80)
                return FsError::InvalidName;
            code = code << 6 | (next & 0x3f);
        }
        // Overlong forms and surrogates are not characters.
        if ((extra == 1 && code < 0x80) || (extra == 2 && code < 0x800) ||
            (code >= 0xd800 && code < 0xe000))
            return FsError::InvalidName;
        if (name.length == kMaxNameUnits)
            return FsError::InvalidName;
        name.units[name.length++] = static_cast<uint16_t>(code);
        at += extra + 1;
    }
    return FsError::Ok;
}

void encode(const uint16_t* units, uint32_t length, char* out) {
    uint32_t written = 0;
    auto put = [&](uint32_t byte) { out[written++] = static_cast<char>(byte); };
    for (uint32_t index = 0; index < length && written + 4 < kMaxNameBytes; ++index) {
        uint32_t code = units[index];
        if (code >= 0xd800 && code < 0xdc00 && index + 1 < length && units[index + 1] >= 0xdc00 &&
            units[index + 1] < 0xe000) {
            code = 0x10000 + ((code - 0xd800) << 10) + (units[++index] - 0xdc00);
        } else if (code >= 0xd800 && code < 0xe000) {
            code = '?';
        }
        if (code < 0x80) {
            put(code);
        } else if (code < 0x800) {
            put(0xc0 | code >> 6);
            put(0x80 | (code & 0x3f));
        } else if (code < 0x10000) {
            put(0xe0 | code >> 12);
            put(0x80 | (code >> 6 & 0x3f));
            put(0x80 | (code & 0x3f));
        } else {
            put(0xf0 | code >> 18);
            put(0x80 | (code >> 12 & 0x3f));
            put(0x80 | (code >> 6 & 0x3f));
            put(0x80 | (code & 0x3f));
        }
    }
    out[written] = '\0';
}

uint16_t fold(uint16_t unit) {
    return unit >= 'a' && unit <= 'z' ? static_cast<uint16_t>(unit - 'a' + 'A') : unit;
}

bool same(const NameUnits& a, const NameUnits& b) {
    if (a.length != b.length)
        return false;
    for (uint32_t index = 0; index < a.length; ++index)
        if (fold(a.units[index]) != fold(b.units[index]))
            return false;
    return true;
}

bool valid_long_name(const NameUnits& name) {
    if (name.length == 0)
        return false;
    bool only_dots_and_spaces = true;
    for (uint32_t index = 0; index < name.length; ++index) {
        if (reserved_in_long_name(name.units[index]))
            return false;
        only_dots_and_spaces &= name.units[index] == '.' || name.units[index] == ' ';
    }
    uint16_t last = name.units[name.length - 1];
    return !only_dots_and_spaces && last != '.' && last != ' ';
}

void basis(const NameUnits& name, uint8_t short_name[11], bool& lossy, bool& needs_long_name) {
    for (uint32_t index = 0; index < 11; ++index)
        short_name[index] = ' ';
    lossy = false;
    needs_long_name = false;
    // The extension starts after the last dot that is not a leading one.
    uint32_t start = 0;
    while (start < name.length && name.units[start] == '.')
        ++start;
    uint32_t last_dot = name.length;
    for (uint32_t index = start; index < name.length; ++index)
        if (name.units[index] == '.')
            last_dot = index;
    uint32_t base_length = 0;
    uint32_t extension_length = 0;
    for (uint32_t index = 0; index < name.length; ++index) {
        uint16_t unit = name.units[index];
        if (unit >= 'a' && unit <= 'z')
            needs_long_name = true;
        if (index < start || unit == ' ' || (unit == '.' && index != last_dot)) {
            lossy = true;  // leading dots, spaces and inner dots do not survive
            continue;
        }
        if (index == last_dot)
            continue;
        uint16_t folded = fold(unit);
        uint8_t character = short_name_character(folded) ? static_cast<uint8_t>(folded) : '_';
        lossy |= character == '_' && unit != '_';
        if (index < last_dot) {
            if (base_length < 8)
                short_name[base_length] = character;
            else
                lossy = true;
            ++base_length;
        } else {
            if (extension_length < 3)
                short_name[8 + extension_length] = character;
            else
                lossy = true;
            ++extension_length;
        }
    }
    if (base_length == 0) {
        short_name[0] = '_';  // a name like ".profile" still needs a base
        lossy = true;
    }
    needs_long_name |= lossy;
}

void with_tail(const uint8_t basis_name[11], uint32_t number, uint8_t short_name[11]) {
    char digits[8];
    uint32_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + number % 10);
        number /= 10;
    } while (number != 0 && count < 7);
    uint32_t base_length = 0;
    while (base_length < 8 && basis_name[base_length] != ' ')
        ++base_length;
    uint32_t keep = base_length < 7 - count ? base_length : 7 - count;
    for (uint32_t index = 0; index < 11; ++index)
        short_name[index] = index < keep || index >= 8 ? basis_name[index] : ' ';
    short_name[keep] = '~';
    for (uint32_t index = 0; index < count; ++index)
        short_name[keep + 1 + index] = static_cast<uint8_t>(digits[count - 1 - index]);
}

void short_display(const uint8_t short_name[11], uint8_t case_bits, char out[13]) {
    uint32_t written = 0;
    auto lower = [](uint8_t c, bool on) {
        return static_cast<char>(on && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    };
    for (uint32_t index = 0; index < 8 && short_name[index] != ' '; ++index) {
        // 0x05 stands for a first byte 0xE5, which marks deleted entries (section 6.1).
        uint8_t c = index == 0 && short_name[0] == 0x05 ? 0xe5 : short_name[index];
        out[written++] = lower(c, case_bits & 0x08);
    }
    if (short_name[8] != ' ') {
        out[written++] = '.';
        for (uint32_t index = 8; index < 11 && short_name[index] != ' '; ++index)
            out[written++] = lower(short_name[index], case_bits & 0x10);
    }
    out[written] = '\0';
}

void short_units(const uint8_t short_name[11], uint8_t case_bits, NameUnits& name) {
    char display[13];
    short_display(short_name, case_bits, display);
    name.length = 0;
    for (uint32_t index = 0; display[index] != '\0'; ++index)
        name.units[name.length++] = static_cast<uint8_t>(display[index]);
}

uint8_t checksum(const uint8_t short_name[11]) {
    uint8_t sum = 0;
    for (uint32_t index = 0; index < 11; ++index)
        sum = static_cast<uint8_t>(((sum & 1) << 7) + (sum >> 1) + short_name[index]);
    return sum;
}

}  // namespace exos::fat::names
