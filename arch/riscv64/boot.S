// Kernel entry from OpenSBI: a0 = hart id, a1 = device-tree blob (physical), MMU off, S-mode.
// Clears .bss, turns on a three-gigapage boot page table and jumps to the kernel's virtual
// address; kmain then builds the real page table.
#include "asm_offsets.h"   // generated from the C++ types (arch/riscv64/asm_offsets.cpp)

    .section .text.boot, "ax", @progbits
    .globl _start
_start:
    // The Linux RISC-V Image header (Linux's Documentation/arch/riscv/boot-image-header.rst), so
    // that the raw image (kernel-<image>.bin) is a kernel to U-Boot's booti and extlinux.conf,
    // which enter it with a0 = hart id and a1 = the device tree (its go and bootelf pass argc and
    // argv instead). Entered as an ELF, the first instruction jumps over it.
    .option push
    .option norvc                   // code0 must be exactly one 4-byte instruction
    .option norelax
    j       .Lafter_image_header    // code0
    .word   0                       // code1
    .dword  __image_text_offset     // text_offset: booti copies the image to RAM base + this
    .dword  __image_size            // image_size: .bss and the stacks included
    .dword  0                       // flags: bit 0 clear, little-endian
    .word   2                       // version 0.2 (major << 16 | minor)
    .word   0                       // res1
    .dword  0                       // res2
    .ascii  "RISCV\0\0\0"           // magic (deprecated, kept for older loaders)
    .ascii  "RSC\x05"               // magic2, the one U-Boot checks
    .word   0                       // res3: no PE/COFF header
    .option pop
    .globl image_header_end         // linker/kernel.ld checks the header is 64 bytes
image_header_end:
.Lafter_image_header:
    rdinstret s2                    // boot cost is measured from here
    csrw    sie, zero
    csrw    stvec, zero             // no traps expected before kmain installs a vector

    // The image is linked for one physical address (linker/kernel.ld: kernel_virtual_offset and
    // every absolute address assume it). Started anywhere else, even clearing .bss would write
    // the wrong memory, so say so through the firmware and stop; with booti this means the
    // header's text_offset and the board's RAM base disagree with the link address.
    lla     t0, _start
    lla     t1, .Llinked_start
    ld      t1, 0(t1)
    bne     t0, t1, misplaced

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

// The image runs at t0 but was linked for t1: the message, a shutdown request (the test device
// on QEMU virt ends QEMU), and if the firmware refuses (the FU540 has no shutdown) a halt, so
// that the message stays on the console. No stack: the helpers use only temporaries.
misplaced:
    mv      s3, t0
    mv      s4, t1
    lla     a0, .Lmisplaced_at
    jal     early_print
    mv      a0, s3
    jal     early_print_hex
    lla     a0, .Lmisplaced_linked
    jal     early_print
    mv      a0, s4
    jal     early_print_hex
    lla     a0, .Lmisplaced_hint
    jal     early_print
    li      a0, 0                   // SRST type: shutdown
    li      a1, 1                   // SRST reason: system failure
    li      a6, 0
    li      a7, SBI_EXTENSION_SYSTEM_RESET
    ecall
1:  wfi
    j       1b

// Prints the NUL-terminated string at a0 through the SBI legacy console (the firmware's UART,
// usable before the kernel knows its own). SBI calls keep every register but a0 and a1.
early_print:
    mv      t0, a0
1:  lbu     a0, 0(t0)
    beqz    a0, 2f
    li      a6, 0
    li      a7, SBI_EXTENSION_LEGACY_PUTCHAR
    ecall
    addi    t0, t0, 1
    j       1b
2:  ret

// Prints a0 as 16 hex digits.
early_print_hex:
    mv      t0, a0
    li      t1, 60
1:  srl     a0, t0, t1
    andi    a0, a0, 15
    li      t2, 10
    bltu    a0, t2, 2f
    addi    a0, a0, 'a' - '0' - 10
2:  addi    a0, a0, '0'
    li      a6, 0
    li      a7, SBI_EXTENSION_LEGACY_PUTCHAR
    ecall
    addi    t1, t1, -4
    bgez    t1, 1b
    ret

    .section .rodata
.Lmisplaced_at:
    .asciz  "\r\nexo: PANIC: kernel image started at "
.Lmisplaced_linked:
    .asciz  ", but it runs only at its link address "
.Lmisplaced_hint:
    .asciz  "\r\nexo: load it there (booti: RAM base + the header's text_offset); halted\r\n"

    .section .text, "ax", @progbits
high_entry:
    la      sp, __boot_stack_top
    mv      a2, s2
    call    kmain
1:  wfi
    j       1b

    .section .rodata
    .balign 8
.Llinked_start:
    .dword  _start_physical
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
