// Creating environments from an image and frames their parent supplies, and destroying them so
// that everything they held comes back.
#pragma once

#include <abi/syscall.h>
#include <cstddef>
#include <span>

#include "boot/elf_loader.h"
#include "kernel_state.h"

namespace exo {

// Frames a new environment needs for this image: root, shared page, tables, segments, stack.
uint64_t frames_needed(const ElfImage& image);

// Checks that every frame is the parent's own, unbound, unpinned and listed once. Marks nothing.
abi::Error check_donated_frames(KernelState& state, EnvironmentSlot parent,
                                std::span<const uint64_t> frames);

// Builds a new environment from a parsed image, using `frames` (already checked, owned by
// `parent_slot`, or by kNoEnvironment's kernel at boot) in order; the frames left over are
// listed in its shared page. Nothing changes unless it succeeds.
abi::Error create_environment(KernelState& state, EnvironmentId parent, const ElfImage& elf,
                              std::span<const std::byte> image, std::span<const uint64_t> frames,
                              const char* name, Environment*& created);

// EnvSetEntry: where the kernel enters the environment for `kind` (abi::Entry), on which stack;
// pc 0 clears it. The exception entry lives in the trap page, where the trap vector reads it.
abi::Error set_entry(Environment& environment, uint64_t kind, uint64_t pc, uint64_t sp);

// Unmaps, revokes and releases everything the environment holds, then frees its slot.
void destroy_environment(KernelState& state, Environment& environment);

}  // namespace exo
