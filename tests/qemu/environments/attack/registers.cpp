// attack_ecall (registers.h): every register loaded from the array, the ecall, every register
// stored back.
#include "registers.h"

asm(R"(
    .text
    .globl attack_ecall
attack_ecall:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    .irp n, 18,19,20,21,22,23,24,25,26,27
    sd      x\n, (\n - 15) * 8(sp)
    .endr
    sd      gp, 104(sp)
    sd      tp, 112(sp)
    sd      a0, 120(sp)
    ld      x1, 8(a0)
    .irp n, 5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, \n * 8(a0)
    .endr
    ld      a0, 80(a0)
    ecall
    sd      t0, -8(sp)
    ld      t0, 120(sp)
    sd      x1, 8(t0)
    sd      x3, 24(t0)
    sd      x4, 32(t0)
    .irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, \n * 8(t0)
    .endr
    ld      t1, -8(sp)
    sd      t1, 40(t0)
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    .irp n, 18,19,20,21,22,23,24,25,26,27
    ld      x\n, (\n - 15) * 8(sp)
    .endr
    ld      gp, 104(sp)
    ld      tp, 112(sp)
    addi    sp, sp, 128
    ret
)");
