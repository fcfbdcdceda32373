// The Internet checksum (RFC 1071) for lwIP (LWIP_CHKSUM, lwip_port/port.h), eight bytes per
// add: lwIP's own sums 16 bits at a time, and every byte sent or received passes through it.
#include "lwip_port/port.h"

#include <cstdint>

namespace {

// One's-complement addition on 64 bits: the carry out of bit 63 comes back in at bit 0.
inline uint64_t add_carry(uint64_t sum, uint64_t word) {
    sum += word;
    return sum + (sum < word);
}

// A word from the bytes [address, address + count) of one aligned 8-byte word, each byte in
// the lane a little-endian load of that word gives it, the others zero.
inline uint64_t partial_word(const uint8_t* bytes, uintptr_t address, size_t count) {
    uint64_t word = 0;
    for (size_t i = 0; i < count; ++i) word |= uint64_t{bytes[i]} << (8 * ((address + i) & 7));
    return word;
}

}  // namespace

extern "C" uint16_t exos_lwip_checksum(const void* data, int length) {
    if (length <= 0) return 0;
    const auto* bytes = static_cast<const uint8_t*>(data);
    auto address = reinterpret_cast<uintptr_t>(bytes);
    size_t remaining = static_cast<size_t>(length);
    // The sum is taken in the 16-bit lanes of aligned loads, which pair bytes by the parity of
    // their address. The checksum pairs them from the first byte: when that byte's address is
    // odd, the two pairings give the same sum with its bytes swapped (RFC 1071, 2(B)).
    bool odd_start = (address & 1) != 0;
    uint64_t sum = 0;
    if ((address & 7) != 0) {
        size_t head = 8 - (address & 7);
        if (head > remaining) head = remaining;
        sum = add_carry(sum, partial_word(bytes, address, head));
        bytes += head;
        address += head;
        remaining -= head;
    }
    // Aligned words: the loads are whole words of the buffer, never past its end.
    const auto* words = reinterpret_cast<const uint64_t*>(bytes);
    for (; remaining >= 32; remaining -= 32, words += 4) {
        sum = add_carry(sum, words[0]);
        sum = add_carry(sum, words[1]);
        sum = add_carry(sum, words[2]);
        sum = add_carry(sum, words[3]);
    }
    for (; remaining >= 8; remaining -= 8) sum = add_carry(sum, *words++);
    if (remaining != 0) {
        bytes = reinterpret_cast<const uint8_t*>(words);
        sum = add_carry(sum, partial_word(bytes, reinterpret_cast<uintptr_t>(bytes), remaining));
    }
    // Fold 64 bits to 16, carries included.
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    auto folded = static_cast<uint16_t>(sum);
    return odd_start ? static_cast<uint16_t>((folded >> 8) | (folded << 8)) : folded;
}
