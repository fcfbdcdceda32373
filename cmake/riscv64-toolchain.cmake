# Cross toolchain for the kernel and the library OSes: Debian's riscv64-linux-gnu GCC, used
# freestanding. It ships libstdc++'s freestanding headers (<array>, <span>, <bit>, ...), which the
# bare riscv64-unknown-elf GCC does not. Its driver defaults to PIE and build-ids: both are turned
# off in the flags below and in linker/.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_OBJCOPY riscv64-linux-gnu-objcopy CACHE FILEPATH "")
set(CMAKE_OBJDUMP riscv64-linux-gnu-objdump CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(EXO_TARGET_FLAGS "-march=rv64gc -mabi=lp64d -mcmodel=medany -fno-pie")
set(CMAKE_C_FLAGS_INIT "${EXO_TARGET_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${EXO_TARGET_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${EXO_TARGET_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
