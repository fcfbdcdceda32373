# A cross build for one board: the kernel, the library OSes, environment images and board images.
set(EXO_BOARD "qemu-virt" CACHE STRING "Board folder under boards/")
set(EXO_BOARD_DIR ${PROJECT_SOURCE_DIR}/boards/${EXO_BOARD})
if(NOT EXISTS ${EXO_BOARD_DIR}/board.cmake)
    message(FATAL_ERROR "EXO_BOARD=${EXO_BOARD}: no boards/${EXO_BOARD}/board.cmake")
endif()
include(${EXO_BOARD_DIR}/board.cmake)
# The board's QEMU command line, one argument per line, for ci/boot.sh and ci/debug.sh.
list(JOIN EXO_QEMU_COMMAND "\n" qemu_lines)
file(WRITE ${CMAKE_BINARY_DIR}/qemu_command "${qemu_lines}\n")

# Flags for everything that runs on the target: freestanding C++20, no exceptions or RTTI.
set(EXO_FREESTANDING_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
    -fno-asynchronous-unwind-tables -fno-stack-protector -fno-common -nostdlib
    -O2 -g -Wall -Wextra -Werror)
add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${EXO_FREESTANDING_FLAGS}>"
                    "$<$<COMPILE_LANGUAGE:C>:-ffreestanding;-O2;-g;-Wall;-Wextra;-Werror>"
                    "$<$<COMPILE_LANGUAGE:ASM>:-g>")

# Freestanding helpers shared by the kernel and the library OSes (formatting, mem* functions).
# They live outside kernel/, so a library OS that links them sees no kernel header.
add_library(exo_freestanding STATIC lib/freestanding/format.cpp lib/freestanding/memory.cpp)
target_include_directories(exo_freestanding PUBLIC ${PROJECT_SOURCE_DIR}/lib)

# Every kernel function clears the caller-saved registers it used before it returns, so no
# kernel value (an address, another environment's data) is left in the registers an environment
# gets back from a syscall: the trap vector's table path runs the C++ handler on the caller's
# own registers and restores nothing (docs/abi.md, "Registers"). Linux's
# CONFIG_ZERO_CALL_USED_REGS, applied for the same reason. The kernel's copy of the freestanding
# helpers (memcpy and friends run on syscall paths) gets it too.
set(EXO_KERNEL_REGISTER_HYGIENE -fzero-call-used-regs=used-gpr)
add_library(exo_freestanding_kernel STATIC lib/freestanding/format.cpp lib/freestanding/memory.cpp)
target_include_directories(exo_freestanding_kernel PUBLIC ${PROJECT_SOURCE_DIR}/lib)
target_compile_options(exo_freestanding_kernel PRIVATE ${EXO_KERNEL_REGISTER_HYGIENE})

# Every environment ELF lands here, where the board images' .incbin finds it.
set(EXO_ENVIRONMENT_DIR ${CMAKE_BINARY_DIR}/environments)
# Headers generated from the image declarations (<exos/images/<image>.h>), for environments.
set(EXO_DECLARATION_DIR ${CMAKE_BINARY_DIR}/declarations)
add_subdirectory(libos)

# The numbers the assembly shares with the C++ (struct offsets, hart-page slots, ABI numbers, CSR
# fields), generated from the C++ types at every build: asm_offsets.cpp is compiled to assembly
# only, and cmake/asm_offsets.cmake turns its markers into asm_offsets.h for trap_entry.S and
# boot.S. A layout change in C++ changes the assembly with it; there is no table to keep.
add_library(exo_asm_offsets_source OBJECT arch/riscv64/asm_offsets.cpp)
target_compile_options(exo_asm_offsets_source PRIVATE -S)
target_include_directories(exo_asm_offsets_source PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/kernel ${PROJECT_SOURCE_DIR}/lib
                                                          ${PROJECT_SOURCE_DIR}/arch/riscv64)
target_link_libraries(exo_asm_offsets_source PRIVATE exo_abi)
set(EXO_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
    OUTPUT ${EXO_GENERATED_DIR}/asm_offsets.h
    COMMAND ${CMAKE_COMMAND} -DINPUT=$<TARGET_OBJECTS:exo_asm_offsets_source>
            -DOUTPUT=${EXO_GENERATED_DIR}/asm_offsets.h -P ${PROJECT_SOURCE_DIR}/cmake/asm_offsets.cmake
    DEPENDS exo_asm_offsets_source $<TARGET_OBJECTS:exo_asm_offsets_source> ${PROJECT_SOURCE_DIR}/cmake/asm_offsets.cmake
    COMMENT "Generating asm_offsets.h from the C++ types"
    VERBATIM)
add_custom_target(exo_asm_offsets DEPENDS ${EXO_GENERATED_DIR}/asm_offsets.h)

# The kernel's sources, folder by folder (kernel/CMakeLists.txt).
include(${PROJECT_SOURCE_DIR}/kernel/CMakeLists.txt)
add_library(exo_kernel OBJECT
    arch/riscv64/boot.S
    arch/riscv64/fpu.S
    arch/riscv64/guarded_copy.S
    arch/riscv64/trap_entry.S
    arch/riscv64/plic.cpp
    arch/riscv64/sbi.cpp
    arch/riscv64/timer.cpp
    arch/riscv64/trap_names.cpp
    ${EXO_KERNEL_SOURCES}
    ${EXO_BOARD_DIR}/board.cpp
)
target_include_directories(exo_kernel PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/kernel
    ${PROJECT_SOURCE_DIR}/lib ${PROJECT_SOURCE_DIR}/arch/riscv64 ${EXO_GENERATED_DIR})
add_dependencies(exo_kernel exo_asm_offsets)
set_source_files_properties(arch/riscv64/trap_entry.S arch/riscv64/boot.S arch/riscv64/fpu.S PROPERTIES
    OBJECT_DEPENDS ${EXO_GENERATED_DIR}/asm_offsets.h)
target_link_libraries(exo_kernel PRIVATE exo_abi)
# Link-time optimisation lets the syscall handlers, the ownership tables and the address-space
# code inline into one another across files: the fast paths are short because of it.
target_compile_options(exo_kernel PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-flto ${EXO_KERNEL_REGISTER_HYGIENE}>)

# exo_image(<name> ENVIRONMENT <environment> [SLOTS <mask>] [FRAMES <count>]
#                  [ENVIRONMENT <environment> ...]... [SELFTEST <source>...])
# One image as its declaration file states it (Hubris's app.toml in CMake words): links
# kernel-<name>.elf, the kernel plus the environment ELFs in order, the first started at boot
# (EnvCreate's image index is the position). SLOTS (a mask of slot numbers) and FRAMES (the frames
# it is given beyond its image's own) are what the image's first environment hands that
# environment; the build checks that no two environments share a slot and generates
# <exos/images/<name>.h> (namespace exos::image_<name>), where the image's environments read them. Every image of a board shares
# the kernel objects; SELFTEST swaps in a kernel self-test (kernel/boot/selftest.h) for the default
# that does nothing.
function(exo_image name)
    set(environments "")
    set(selftest ${EXO_KERNEL_DEFAULT_SELFTEST})
    set(selftest_given FALSE)
    set(field "")
    foreach(word IN LISTS ARGN)
        if(word MATCHES "^(ENVIRONMENT|SLOTS|FRAMES|SELFTEST)$")
            set(field ${word})
        elseif(field STREQUAL "ENVIRONMENT")
            list(APPEND environments ${word})
            set(slots_${word} 0)
            set(frames_${word} 0)
            set(current ${word})
        elseif(field STREQUAL "SELFTEST")
            if(NOT selftest_given)  # the first source replaces the default; more join it
                set(selftest "")
                set(selftest_given TRUE)
            endif()
            list(APPEND selftest ${word})
        elseif(field MATCHES "^(SLOTS|FRAMES)$" AND DEFINED current)
            string(TOLOWER ${field} lower)
            math(EXPR ${lower}_${current} "${word}" OUTPUT_FORMAT HEXADECIMAL)
        else()
            message(FATAL_ERROR "image ${name}: '${word}' outside an ENVIRONMENT, SLOTS, FRAMES or SELFTEST")
        endif()
    endforeach()
    if(NOT environments)
        message(FATAL_ERROR "image ${name}: no ENVIRONMENT")
    endif()

    set(blobs "")
    set(names "")
    set(table "")
    set(index 0)
    set(files "")
    set(taken 0)
    set(declarations "")
    set(summary "")
    foreach(environment IN LISTS environments)
        math(EXPR overlap "${taken} & ${slots_${environment}}")
        if(NOT overlap EQUAL 0)
            message(FATAL_ERROR "image ${name}: ${environment} declares slots another environment has")
        endif()
        math(EXPR taken "${taken} | ${slots_${environment}}")
        get_property(pieces GLOBAL PROPERTY EXO_ENVIRONMENT_PIECES_${environment})
        math(EXPR frames "${frames_${environment}}")
        string(APPEND declarations "inline constexpr EnvironmentDeclaration ${environment}{${index}, ${slots_${environment}}, ${frames}};\n")
        list(JOIN pieces " " pieces)
        string(APPEND summary "//   ${index} ${environment}: slots ${slots_${environment}}, ${frames} frames; links ${pieces}\n")
        set(file ${EXO_ENVIRONMENT_DIR}/${environment}.elf)
        list(APPEND files ${file})
        string(APPEND blobs "    .balign 16\nexo_image_${index}:\n    .incbin \"${file}\"\nexo_image_${index}_end:\n")
        string(APPEND names "exo_image_name_${index}:\n    .asciz \"${environment}\"\n")
        string(APPEND table "    .dword exo_image_name_${index}, exo_image_${index}, exo_image_${index}_end - exo_image_${index}\n")
        math(EXPR index "${index} + 1")
    endforeach()
    file(CONFIGURE OUTPUT ${EXO_DECLARATION_DIR}/exos/images/${name}.h CONTENT
"// Generated by cmake/board_image.cmake from the declaration of image '${name}' (${EXO_BOARD}):
${summary}#pragma once

#include <exos/image_declaration.h>

namespace exos::image_${name} {

${declarations}
}  // namespace exos::image_${name}
")

    set(EXO_EMBED_BLOBS "${blobs}")
    set(EXO_EMBED_NAMES "${names}")
    set(EXO_EMBED_TABLE "${table}")
    set(EXO_EMBED_COUNT ${index})
    configure_file(${PROJECT_SOURCE_DIR}/cmake/embed_images.S.in
                   ${CMAKE_CURRENT_BINARY_DIR}/embed_${name}.S @ONLY)
    set(target kernel-${name})
    add_executable(${target} ${CMAKE_CURRENT_BINARY_DIR}/embed_${name}.S ${selftest})
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/kernel
                                                ${PROJECT_SOURCE_DIR}/lib)
    target_link_libraries(${target} PRIVATE exo_abi)
    set_target_properties(${target} PROPERTIES SUFFIX ".elf"
        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
    set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/embed_${name}.S PROPERTIES
        OBJECT_DEPENDS "${files}")
    add_dependencies(${target} ${environments})
    target_link_libraries(${target} PRIVATE exo_kernel exo_freestanding_kernel)
    target_link_options(${target} PRIVATE -flto -O2 ${EXO_KERNEL_REGISTER_HYGIENE}
        -T ${PROJECT_SOURCE_DIR}/linker/kernel.ld -L ${EXO_BOARD_DIR}
        -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
        ${PROJECT_SOURCE_DIR}/linker/kernel.ld ${EXO_BOARD_DIR}/board_memory.ld)
    # Beside the ELF, the raw image a boot loader loads (kernel-<name>.bin): the loaded bytes from
    # the load address on, starting with the RISC-V Image header (arch/riscv64/boot.S) that
    # U-Boot's booti needs. objcopy lays the sections out at their load (physical) addresses.
    add_custom_command(TARGET ${target} POST_BUILD
        COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}>
                ${CMAKE_BINARY_DIR}/${target}.bin
        BYPRODUCTS ${CMAKE_BINARY_DIR}/${target}.bin
        VERBATIM)
endfunction()

# The board's product images, declared in one file (boards/<board>/images.cmake).
include(${EXO_BOARD_DIR}/images.cmake)
# Its SD-card image, on the boards that boot from one through U-Boot.
include(${PROJECT_SOURCE_DIR}/cmake/sd_image.cmake)

add_subdirectory(tests/qemu)
add_subdirectory(tests/bench)

# For the shell: every environment this build declares with the library OS pieces it links
# (its ps), and the benchmark budgets (its bench), generated from the declarations themselves.
get_property(exo_all_environments GLOBAL PROPERTY EXO_ENVIRONMENTS)
set(exo_pieces_table "")
foreach(environment IN LISTS exo_all_environments)
    get_property(pieces GLOBAL PROPERTY EXO_ENVIRONMENT_PIECES_${environment})
    list(JOIN pieces " " pieces)
    string(APPEND exo_pieces_table "    {\"${environment}\", \"${pieces}\"},\n")
endforeach()
file(CONFIGURE OUTPUT ${EXO_DECLARATION_DIR}/exos/environments.h CONTENT
"// Generated by cmake/board_image.cmake: every environment of this build (${EXO_BOARD}) and the
// library OS pieces it links, from its exo_environment declaration.
#pragma once

namespace exos {

struct EnvironmentPieces {
    const char* name;
    const char* pieces;
};

inline constexpr EnvironmentPieces kEnvironmentPieces[] = {
${exo_pieces_table}};

}  // namespace exos
")
file(STRINGS ${PROJECT_SOURCE_DIR}/tests/bench/budgets.txt exo_budget_lines REGEX "^[a-z]")
set(exo_budget_table "")
foreach(line IN LISTS exo_budget_lines)
    if(line MATCHES "^([a-z0-9_]+) ([0-9]+)")
        string(APPEND exo_budget_table "    {\"${CMAKE_MATCH_1}\", ${CMAKE_MATCH_2}},\n")
    endif()
endforeach()
file(CONFIGURE OUTPUT ${EXO_DECLARATION_DIR}/exos/bench_budgets.h CONTENT
"// Generated by cmake/board_image.cmake from tests/bench/budgets.txt: each operation's budget in
// retired instructions.
#pragma once

#include <cstdint>

namespace exos {

struct BenchBudget {
    const char* name;
    uint64_t budget;
};

inline constexpr BenchBudget kBenchBudgets[] = {
${exo_budget_table}};

}  // namespace exos
")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/tests/bench/budgets.txt)
