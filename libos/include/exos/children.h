// Starting child environments (from an embedded image, or from an ELF in our own frames) with
// arguments, and learning how they ended.
#pragma once

#include <abi/shared_info.h>
#include <abi/syscall.h>
#include <cstdint>

#include <exos/frame_pool.h>

namespace exos {

struct Child {
    abi::Error error;
    uint64_t id;
    // The first of the `extra` frames: the child finds it first in its shared page's
    // initial_frames, so parent and child can agree on it (for a shared mailbox, say). With
    // arguments, it carries them (arguments.h).
    uint64_t first_spare_frame;
    // With InvalidArgument from spawn_elf: the kernel's ELF check that failed (its ElfError).
    uint64_t detail;
};

// What a child starts with (arguments.h): its argv, and slots we released for it to take.
struct Launch {
    int argc = 0;
    const char* const* argv = nullptr;
    uint64_t slots = 0;
};

// Creates a child from embedded image `image` with the frames it needs plus `extra`, taken
// from `pool` (they become the child's).
Child spawn(FramePool& pool, uint64_t image, uint64_t extra = 16);
// The same, with arguments in the first extra frame (extra must be at least 1).
Child spawn(FramePool& pool, uint64_t image, uint64_t extra, const Launch& launch);
// A child from the ELF of `length` bytes in our frames first_pfn, first_pfn + 1, ... (read from
// a disk, say), checked by the kernel's loader, named `name` (up to 15 bytes).
Child spawn_elf(FramePool& pool, uint64_t first_pfn, uint64_t length, const char* name,
                uint64_t extra, const Launch& launch);

// Yields until the child no longer exists (it exited, was destroyed or killed).
void wait_for(uint64_t child);
// How `child` ended, if its record is among the last kChildEndSlots in our shared page.
bool child_end(uint64_t child, abi::ChildEnd& end);
// Sleeps (EventWait) until the child's end is recorded; its record. A record that scrolled
// out of the ring (many children ended meanwhile) comes back with reason Destroyed, status -1.
abi::ChildEnd wait_for_end(uint64_t child);

}  // namespace exos
