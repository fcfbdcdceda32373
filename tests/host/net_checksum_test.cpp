// The port's Internet checksum (libos/net/checksum.cpp) against RFC 1071's definition, summed
// a 16-bit word at a time from the first byte: every length up to 300 at every alignment,
// buffers of all ones and all zeros (the carries), and RFC 1071's own example.
#include <cstdint>
#include <vector>

#include "lwip_port/port.h"

#include <CppUTest/TestHarness.h>

namespace {

// RFC 1071 4.1, on the bytes as they are in memory; returned as lwIP's own checksum returns it
// (the sum of the words as the machine loads them, folded, not inverted): on a little-endian
// machine the bytes of each word are swapped.
uint16_t reference(const uint8_t* bytes, size_t length) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < length; i += 2) sum += uint32_t(bytes[i]) << 8 | bytes[i + 1];
    if (length % 2 != 0) sum += uint32_t(bytes[length - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>((sum >> 8) | (sum << 8));
}

}  // namespace

TEST_GROUP(NetChecksum){};

TEST(NetChecksum, EveryLengthAndAlignment) {
    std::vector<uint8_t> buffer(512 + 16);
    uint64_t state = 88172645463325252ull;
    for (auto& byte : buffer) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        byte = static_cast<uint8_t>(state);
    }
    for (size_t offset = 0; offset < 16; ++offset) {
        for (size_t length = 0; length <= 300; ++length) {
            const uint8_t* start = buffer.data() + offset;
            uint16_t expected = reference(start, length);
            uint16_t got = exos_lwip_checksum(start, int(length));
            // 0 and 0xffff are both zero in one's complement; the fold may give either.
            if (expected == 0xffff && got == 0) continue;
            if (expected != got) {
                FAIL(("offset " + std::to_string(offset) + " length " +
                      std::to_string(length)).c_str());
            }
        }
    }
}

TEST(NetChecksum, CarriesAndTheRfcExample) {
    std::vector<uint8_t> ones(1500, 0xff), zeros(1500, 0);
    for (size_t offset = 0; offset < 8; ++offset) {
        uint16_t sum = exos_lwip_checksum(ones.data() + offset, 1400);
        CHECK(sum == 0xffff || sum == 0);
        CHECK_EQUAL(0, exos_lwip_checksum(zeros.data() + offset, 1400));
    }
    // RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (here byte-swapped: f2dd).
    alignas(8) uint8_t example[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK_EQUAL(0xf2dd, exos_lwip_checksum(example, 8));
    CHECK_EQUAL(0, exos_lwip_checksum(example, 0));
    CHECK_EQUAL(0, exos_lwip_checksum(example, -4));
}
