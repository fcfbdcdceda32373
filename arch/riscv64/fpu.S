// Floating-point register state, saved and restored between environments (the kernel itself
// never uses the FPU). FpState: f0..f31 then fcsr (arch/riscv64/fpu.h).
#include "asm_offsets.h"   // generated from the C++ types (arch/riscv64/asm_offsets.cpp)

    .section .text
    .balign 4

    .globl fpu_save
fpu_save:                           // a0 = FpState*
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd     f\n, FP_STATE_F + \n*8(a0)
    .endr
    frcsr   t0
    sd      t0, FP_STATE_FCSR(a0)
    ret

    .globl fpu_restore
fpu_restore:                        // a0 = const FpState*
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld     f\n, FP_STATE_F + \n*8(a0)
    .endr
    ld      t0, FP_STATE_FCSR(a0)
    fscsr   t0
    ret

    .globl fpu_clear
fpu_clear:                          // every register and fcsr to zero: nothing of the last user
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmv.d.x f\n, zero
    .endr
    fscsr   zero
    ret
