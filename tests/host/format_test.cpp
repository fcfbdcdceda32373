// The kernel's printf subset.
#include <cstdint>
#include <string>

#include "freestanding/format.h"

#include <CppUTest/TestHarness.h>

namespace {
std::string format(const char* pattern, auto... arguments) {
    char buffer[128];
    exo::format_buffer(buffer, sizeof(buffer), pattern, arguments...);
    return buffer;
}
}  // namespace

TEST_GROUP(Format){};

TEST(Format, Integers) {
    STRCMP_EQUAL("42 -7 0", format("%d %i %u", 42, -7, 0u).c_str());
    STRCMP_EQUAL("ffffffff80200000", format("%lx", 0xffffffff80200000ul).c_str());
    STRCMP_EQUAL("-9223372036854775808", format("%ld", INT64_MIN).c_str());
    STRCMP_EQUAL("18446744073709551615", format("%lu", UINT64_MAX).c_str());
}

TEST(Format, WidthPaddingAndAlignment) {
    STRCMP_EQUAL("00000abc", format("%08x", 0xabcu).c_str());
    STRCMP_EQUAL("   12|", format("%5d|", 12).c_str());
    STRCMP_EQUAL("ra  |", format("%-4s|", "ra").c_str());
}

TEST(Format, StringsCharactersPointers) {
    STRCMP_EQUAL("a-(null)-x-%",
                 format("%s-%s-%c-%%", "a", static_cast<const char*>(nullptr), 'x').c_str());
    STRCMP_EQUAL("0x1000", format("%p", reinterpret_cast<void*>(0x1000)).c_str());
}

TEST(Format, TruncatesButReportsFullLength) {
    char buffer[4];
    size_t length = exo::format_buffer(buffer, sizeof(buffer), "%s", "abcdef");
    UNSIGNED_LONGS_EQUAL(6, length);
    STRCMP_EQUAL("abc", buffer);
}

TEST(Format, UnknownConversionIsPrintedVerbatim) {
    STRCMP_EQUAL("%q", format("%q").c_str());
}
