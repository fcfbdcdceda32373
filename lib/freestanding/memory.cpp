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
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(value);
    return destination;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memcpy(
    void* __restrict destination, const void* __restrict source, size_t size) {
    auto* to = static_cast<unsigned char*>(destination);
    const auto* from = static_cast<const unsigned char*>(source);
    if (((reinterpret_cast<uintptr_t>(to) | reinterpret_cast<uintptr_t>(from) | size) & 7) == 0) {
        auto* to_words = reinterpret_cast<uint64_t*>(to);  // both aligned: copy words
        const auto* from_words = reinterpret_cast<const uint64_t*>(from);
        for (size_t i = 0; i < size / 8; ++i) to_words[i] = from_words[i];
        return destination;
    }
    for (size_t i = 0; i < size; ++i) to[i] = from[i];
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
