// memset, memcpy, memmove, memcmp, strlen: GCC emits calls to these even with -ffreestanding
// (struct copies, large zero-initialisations), so the kernel and every library OS link this file.
#include <cstddef>
#include <cstdint>

extern "C" {

// GCC may turn these loops back into calls to themselves; -ffreestanding and the attribute keep
// it from doing so.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memset(void* destination,
                                                                           int value, size_t size) {
    auto* bytes = static_cast<unsigned char*>(destination);
    auto fill = static_cast<unsigned char>(value);
    // Bytes up to an 8-byte boundary, then words four at a time, then the tail: the kernel
    // zeroes request structures on its disk path, where a byte loop cost a thousand instructions.
    while (size != 0 && (reinterpret_cast<uintptr_t>(bytes) & 7) != 0) {
        *bytes++ = fill;
        --size;
    }
    uint64_t word = fill * 0x0101010101010101ull;
    auto* words = reinterpret_cast<uint64_t*>(bytes);
    for (; size >= 32; size -= 32, words += 4) {
        words[0] = word;
        words[1] = word;
        words[2] = word;
        words[3] = word;
    }
    for (; size >= 8; size -= 8) *words++ = word;
    bytes = reinterpret_cast<unsigned char*>(words);
    while (size-- != 0) *bytes++ = fill;
    return destination;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memcpy(
    void* __restrict destination, const void* __restrict source, size_t size) {
    auto* to = static_cast<unsigned char*>(destination);
    const auto* from = static_cast<const unsigned char*>(source);
    if (size >= 16) {
        // Bytes until the destination is 8-aligned, then whole words.
        while ((reinterpret_cast<uintptr_t>(to) & 7) != 0) {
            *to++ = *from++;
            --size;
        }
        auto* to_words = reinterpret_cast<uint64_t*>(to);
        size_t skew = reinterpret_cast<uintptr_t>(from) & 7;
        if (skew == 0) {
            const auto* from_words = reinterpret_cast<const uint64_t*>(from);
            for (; size >= 32; size -= 32, to_words += 4, from_words += 4) {
                to_words[0] = from_words[0];
                to_words[1] = from_words[1];
                to_words[2] = from_words[2];
                to_words[3] = from_words[3];
            }
            for (; size >= 8; size -= 8) *to_words++ = *from_words++;
            from = reinterpret_cast<const unsigned char*>(from_words);
        } else {
            // A source on another alignment (a received frame's payload behind a 14-byte
            // header, say): aligned loads, each output word two of them shifted together, not
            // eight byte copies. Little endian. Every word loaded holds at least one byte of
            // the source, and an aligned word never crosses a page, so nothing outside the
            // source's pages is read.
            const auto* from_words = reinterpret_cast<const uint64_t*>(from - skew);
            unsigned right = unsigned(skew) * 8, left = 64 - right;
            uint64_t low = *from_words++;
            for (; size >= 8; size -= 8) {
                uint64_t high = *from_words++;
                *to_words++ = (low >> right) | (high << left);
                low = high;
            }
            from = reinterpret_cast<const unsigned char*>(from_words) - 8 + skew;
        }
        to = reinterpret_cast<unsigned char*>(to_words);
    }
    while (size-- != 0) *to++ = *from++;
    return destination;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memmove(void* destination,
                                                                            const void* source,
                                                                            size_t size) {
    auto* to = static_cast<unsigned char*>(destination);
    const auto* from = static_cast<const unsigned char*>(source);
    if (to < from) {
        for (size_t i = 0; i < size; ++i) to[i] = from[i];
    } else {
        for (size_t i = size; i > 0; --i) to[i - 1] = from[i - 1];
    }
    return destination;
}

int memcmp(const void* left, const void* right, size_t size) {
    const auto* a = static_cast<const unsigned char*>(left);
    const auto* b = static_cast<const unsigned char*>(right);
    for (size_t i = 0; i < size; ++i) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* text) {
    size_t length = 0;
    while (text[length]) ++length;
    return length;
}

}  // extern "C"
