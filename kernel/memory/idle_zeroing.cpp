// The idle loop's work: zeroing freed frames while nothing is runnable (frame_zeroing.h). It
// runs with interrupts masked and stops as soon as one is pending, so an interrupt waits at most
// one frame's zeroing longer than it would in wfi.
#include "arch/riscv64/csr.h"
#include "kernel_state.h"
#include "memory/frame_zeroing.h"

namespace exo {

void zero_free_frames_while_idle() {
    KernelState& state = kernel_state();
    frame_zeroing::zero_free_frames(state.frames, *state.physical, [] {
        return (riscv::read<riscv::Csr::sip>() & riscv::read<riscv::Csr::sie>()) != 0;
    });
}

}  // namespace exo
