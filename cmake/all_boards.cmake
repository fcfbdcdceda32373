# The "all" build: every board image as a cross sub-build of this host build, and their tests
# pulled into this build's ctest run, so one run ends with one summary over everything.
include(ExternalProject)

set(EXO_BOARDS qemu-virt hifive-unleashed hifive-unmatched)
set(board_test_includes "")
foreach(board IN LISTS EXO_BOARDS)
    set(board_binary_dir ${CMAKE_BINARY_DIR}/boards/${board})
    ExternalProject_Add(board-${board}
        SOURCE_DIR ${PROJECT_SOURCE_DIR}
        BINARY_DIR ${board_binary_dir}
        CMAKE_GENERATOR Ninja
        CMAKE_ARGS
            -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/riscv64-toolchain.cmake
            -DCMAKE_BUILD_TYPE=RelWithDebInfo
            -DEXO_BOARD=${board}
        BUILD_ALWAYS ON
        INSTALL_COMMAND ""
        USES_TERMINAL_BUILD ON)
    string(APPEND board_test_includes "subdirs(\"${board_binary_dir}\")\n")
endforeach()

# The libFuzzer targets (tests/fuzz), a clang sub-build like a board's: each fuzzes for
# EXO_FUZZ_SECONDS, and their tests join the same run (label "fuzz").
set(EXO_FUZZ_SECONDS 30 CACHE STRING "How long each fuzz.<target> test fuzzes, in seconds")
set(fuzz_binary_dir ${CMAKE_BINARY_DIR}/fuzz)
ExternalProject_Add(fuzz-targets
    SOURCE_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz
    BINARY_DIR ${fuzz_binary_dir}
    CMAKE_GENERATOR Ninja
    CMAKE_ARGS
        -DCMAKE_CXX_COMPILER=clang++
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
        -DEXO_FUZZ_SECONDS=${EXO_FUZZ_SECONDS}
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    USES_TERMINAL_BUILD ON)
string(APPEND board_test_includes "subdirs(\"${fuzz_binary_dir}\")\n")

# ctest reads this file while loading this directory's tests; `subdirs` adds each board build's
# own CTestTestfile, labels included.
file(WRITE ${CMAKE_BINARY_DIR}/board_tests.cmake "${board_test_includes}")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${CMAKE_BINARY_DIR}/board_tests.cmake)
