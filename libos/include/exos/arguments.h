// A program's arguments, as this library OS passes them from parent to child. The parent
// writes an ArgumentPage into the first frame it gives the child beyond what the image needs
// (the child finds that frame first in its shared page's initial_frames); before main, the
// child's runtime maps it read-only at kArgumentsAddress, checks it, reserves the slots it
// names, and calls main(argc, argv). A frame without the page's magic stays an ordinary spare
// frame. A convention between library OSes: the kernel only hands the frame over.
#pragma once

#include <cstddef>
#include <cstdint>

namespace exos {

inline constexpr uint64_t kArgumentMagic = 0x73677261736f7865;  // "exosargs", little-endian
// Under the initial stack, in the 2 MiB region the kernel already made a page table for (the
// stack's and the shared page's): mapping it needs no donated frame.
inline constexpr uint64_t kArgumentsAddress = 0x3fffff0000;
inline constexpr uint32_t kMaxArguments = 32;

struct ArgumentPage {
    uint64_t magic;
    uint32_t count;  // argc
    uint32_t bytes;  // text used: `count` NUL-terminated strings, back to back
    uint64_t slots;  // slots of the slice vector the parent released for the child (a mask)
    char text[4096 - 24];
};
static_assert(sizeof(ArgumentPage) == 4096, "one frame");

// Fills `page`; false when they do not fit (more than kMaxArguments, or too much text).
bool write_arguments(ArgumentPage& page, int argc, const char* const* argv, uint64_t slots);
// Whether `page` is well formed: the magic, a count and length within bounds, and every string
// terminated inside the text (a parent's page is checked like any other input).
bool arguments_valid(const ArgumentPage& page);

// This program's arguments as main gets them (argv[argc] is null; the strings are read-only).
int argument_count();
char* const* argument_vector();
// The frame they came in (0: none): FramePool::adopt_initial_frames leaves it alone.
uint64_t argument_frame();

}  // namespace exos
