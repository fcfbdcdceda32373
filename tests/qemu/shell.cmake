# The shell as a person uses it (issue 15): the default image booted on a pseudo-terminal,
# commands typed key by key (shell_session.py). On virt with a disk made by mkfs.fat and mtools,
# the whole session; on sifive_u (the HiFive Unleashed, no disk) the prompt and a few commands.
if(EXO_QEMU_LABEL STREQUAL "qemu-virt")
    set(exo_shell_mode full)
elseif(EXO_QEMU_LABEL STREQUAL "qemu-sifive-u")
    set(exo_shell_mode small)
endif()
if(DEFINED exo_shell_mode)
    add_test(NAME ${EXO_QEMU_LABEL}.shell
             COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/shell_session.py --mode ${exo_shell_mode}
                     --kernel ${CMAKE_BINARY_DIR}/kernel-default.elf --programs ${EXO_ENVIRONMENT_DIR}
                     --work ${CMAKE_CURRENT_BINARY_DIR}/shell --timeout 240
                     -- ${EXO_QEMU_COMMAND})
    set_tests_properties(${EXO_QEMU_LABEL}.shell PROPERTIES
        LABELS "${EXO_QEMU_LABEL};shell" TIMEOUT 300)
endif()
