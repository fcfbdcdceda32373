// Kernel entry from OpenSBI: a0 = hart id, a1 = device-tree blob (physical), MMU off, S-mode.
// Clears .bss, turns on a three-gigapage boot page table and jumps to the kernel's virtual
// address; kmain then builds the real page table.
#include "asm_offsets.h"   // generated from the C++ types (arch/riscv64/asm_offsets.cpp)

    .section .text.boot, "ax", @progbits
    .globl _start
_start:
    rdinstret s2                    // boot cost is measured from here
    csrw    sie, zero
    csrw    stvec, zero             // no traps expected before kmain installs a vector

    // .bss, through physical addresses (lla is pc-relative; the MMU is still off).
    lla     t0, __bss_start
    lla     t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    lla     t0, boot_page_table
    // root[g] = identity for the gigabyte g holding the image, so the pc survives the satp write,
    // and root[510] = the same gigabyte at KERNEL_IMAGE_BASE (V R W X A D).
    lla     t1, _start
    srli    t1, t1, 30
    slli    t2, t1, 28
    ori     t2, t2, 0xcf
    slli    t3, t1, 3
    add     t3, t0, t3
    sd      t2, 0(t3)
    li      t3, 510 * 8
    add     t3, t0, t3
    sd      t2, 0(t3)
    // root[256 + i] = physical gigabyte i at the direct map (V R W A D, no X), for the first
    // BOOT_DIRECT_MAP_GIGABYTES; enough to reach the blob, the UART and early RAM.
    li      t4, 0
    li      t5, BOOT_DIRECT_MAP_GIGABYTES
    li      t6, 256 * 8
    add     t6, t0, t6
3:  slli    t2, t4, 28
    ori     t2, t2, 0xc7
    slli    t3, t4, 3
    add     t3, t6, t3
    sd      t2, 0(t3)
    addi    t4, t4, 1
    bltu    t4, t5, 3b

    srli    t1, t0, 12
    li      t2, 1
    slli    t2, t2, 63              // satp.MODE = 8 (Sv39)
    or      t1, t1, t2
    sfence.vma
    csrw    satp, t1
    sfence.vma

    lla     t0, .Lhigh_entry
    ld      t0, 0(t0)
    jr      t0

    .section .text, "ax", @progbits
high_entry:
    la      sp, __boot_stack_top
    mv      a2, s2
    call    kmain
1:  wfi
    j       1b

    .section .rodata
    .balign 8
.Lhigh_entry:
    .dword high_entry
    // The linker's virtual-minus-physical offset as data: C++ cannot reach an absolute symbol
    // through medany's pc-relative addressing.
    .globl kernel_virtual_offset
kernel_virtual_offset:
    .dword __kernel_virtual_offset

    .section .bss
    .balign 4096
    .globl boot_page_table
boot_page_table:
    .space 4096
