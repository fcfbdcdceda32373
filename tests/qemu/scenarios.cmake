# The foundation scenarios, on every emulated board.
exo_scenario(boot_hello IMAGE default STATUS 0
    EXPECT "exo: RISC-V exokernel on ${EXO_BOARD}" "exo: hart " "exo: firmware OpenSBI v1.1"
           "exo: kernel page table at" "timer interrupt delivered through the trap vector"
           "exo: entering environment 'hello'"
           "hello from U-mode: environment running in its own Sv39 address space"
           "exo: environment 'hello' exited with status 0")

exo_scenario(abi_errors IMAGE abi_errors STATUS 0
    EXPECT "abi_errors: console still works after hostile calls" "abi_errors: 0 failed checks"
    REJECT "CHECK FAILED")

exo_scenario(illegal_instruction IMAGE illegal_instruction STATUS 70
    EXPECT "illegal_instruction: about to execute"
           "exo: environment 'illegal_instruction' killed: illegal instruction at pc"
    REJECT "still running")

exo_scenario(exit_status IMAGE exit_status STATUS 42
    EXPECT "exo: environment 'exit_status' exited with status 42")

if(EXO_BOARD STREQUAL "qemu-virt")
    # Debian's fw_jump puts the device tree inside RAM at 0x82200000 and ignores the ELF entry.
    exo_scenario(boot_fw_jump IMAGE default STATUS 0
        QEMU_ARGS -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
        EXPECT "exo: RISC-V exokernel on qemu-virt" "hello from U-mode"
               "exo: environment 'hello' exited with status 0")
endif()
