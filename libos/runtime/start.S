// Environment entry: the kernel enters here in U-mode with sp at the top of the initial stack.
// main(argc, argv) gets the parent's arguments (exos/arguments.h); its return value becomes
// the exit status.
    .section .text.start, "ax", @progbits
    .globl _start
_start:
    rdinstret t0                    // first U-mode instruction: boot cost ends here
.option push
.option norelax
    la      gp, __global_pointer$   // first: the linker relaxes data accesses to gp-relative
.option pop
    la      t1, exos_start_instret
    sd      t0, 0(t1)
    call    exos_run_constructors
    call    exos_prepare_main       // a0 = argc, a1 = argv (arguments.h)
    call    main
    call    exos_exit_from_main
1:  j       1b

    .section .bss
    .balign 8
    .globl exos_start_instret
exos_start_instret:
    .dword 0
