# One line per host suite; the GROUPS are the CppUTest TEST_GROUPs, each a ctest test.
exo_host_suite(device_tree SOURCES device_tree_test.cpp device_tree_hostile_test.cpp GROUPS DeviceTreeVirt DeviceTreeSifive DeviceTreeHostile
    DeviceTreeBootargs BootOptions)
exo_host_suite(elf_loader SOURCES elf_loader_test.cpp elf_loader_hostile_test.cpp GROUPS ElfLoader ElfLoaderHostile)
exo_host_suite(sv39 SOURCES sv39_test.cpp GROUPS Sv39Entry PageTable)
exo_host_suite(syscall_decode SOURCES syscall_decode_test.cpp GROUPS SyscallDecode)
exo_host_suite(format SOURCES format_test.cpp GROUPS Format)
exo_host_suite(frame_table SOURCES frame_table_test.cpp frame_zeroing_test.cpp GROUPS FrameTable FrameTableHostile FrameZeroing)
exo_host_suite(address_space SOURCES address_space_test.cpp address_space_hostile_test.cpp GROUPS AddressSpace AddressSpaceHostile)
exo_host_suite(environment SOURCES environment_test.cpp environment_table_test.cpp revocation_test.cpp GROUPS EnvironmentTable EnvironmentLifecycle Revocation)
exo_host_suite(memory_model
    SOURCES memory_model_test.cpp memory_model.cpp memory_model_frames.cpp memory_model_bindings.cpp
            memory_model_environments.cpp memory_model_verify.cpp
    GROUPS MemoryModel)
exo_host_suite(cpu SOURCES cpu_test.cpp slice_grace_test.cpp entry_exclusion_test.cpp
    GROUPS SliceVector InterruptTable SliceGrace EntryExclusion)
exo_host_suite(transfer SOURCES transfer_test.cpp transfer_gate_test.cpp GROUPS Transfer TransferGate)
exo_host_suite(user_copy SOURCES user_copy_test.cpp GROUPS UserCopy GuardedCopyFixup)
exo_host_suite(syscalls SOURCES syscall_table_test.cpp kernel_paths_test.cpp upcalls_test.cpp
    GROUPS SyscallTable Scheduler TrapDecisions Interrupts Upcalls)
# The console's input, waiting for events, children's ends, programs from memory, KernelInfo.
exo_host_suite(console SOURCES console_input_test.cpp event_wait_test.cpp
    GROUPS ConsoleInputRing ConsoleRead KernelInfo EventWait ChildEnds EnvCreateElf)
# The scheduler runs on the fake hardware here and every ownership change is checked.
exo_host_suite(vector_inputs SOURCES vector_inputs_test.cpp GROUPS VectorInputs)
# The library OS's upcall dispatcher: its decisions make no syscall, so they run here too.
exo_host_suite(upcall_dispatcher
    SOURCES upcall_dispatcher_test.cpp ${EXO_SOURCE_ROOT}/libos/runtime/dispatcher.cpp
    GROUPS UpcallDispatcher)
# The library OS's line editor (the shell's), against a small terminal emulator.
exo_host_suite(line_editor
    SOURCES line_editor_test.cpp ${EXO_SOURCE_ROOT}/libos/terminal/line_editor.cpp
    GROUPS LineEditor)
foreach(suite upcall_dispatcher upcall_dispatcher_sanitized line_editor line_editor_sanitized)
    if(TARGET ${suite})
        target_include_directories(${suite} PRIVATE ${EXO_SOURCE_ROOT}/libos/include)
    endif()
endforeach()
# The disk layer: block ownership, rings, pinning, revocation (over FakeBlockQueue).
exo_host_suite(disk SOURCES extent_table_test.cpp disk_test.cpp GROUPS ExtentTable DiskRings)
# The net layer: rings, delivery by the classifier's verdict, transmit checks, pinning (over
# FakeNic and FakeClassifier), and what a sender may send.
exo_host_suite(net SOURCES net_test.cpp transmit_check_test.cpp GROUPS NetRings TransmitCheck)
# virtio-mmio transport, split virtqueue, virtio-blk and virtio-net over fake devices that can lie.
exo_host_suite(virtio
    SOURCES virtio_transport_test.cpp virtqueue_test.cpp virtio_blk_test.cpp
            virtio_blk_hostile_test.cpp fake_virtio_device.cpp virtio_net_test.cpp
            fake_network_device.cpp
    GROUPS VirtioTransport Virtqueue VirtqueueHostile VirtioBlock VirtioBlockHostile VirtioNet
           VirtioNetHostile)
# The library OS's file system: the block cache, and FAT12/16/32 against images made and checked
# by the real tools (mkfs.fat, mtools, fsck.fat: ci/setup.sh installs dosfstools and mtools).
set(EXO_FS_SOURCES block_cache.cpp fat_mount.cpp fat_chain.cpp fat_names.cpp fat_directory.cpp
    fat_file.cpp fat_api.cpp)
list(TRANSFORM EXO_FS_SOURCES PREPEND ${EXO_SOURCE_ROOT}/libos/fs/)
exo_host_suite(block_cache SOURCES block_cache_test.cpp ${EXO_FS_SOURCES} GROUPS BlockCache)
exo_host_suite(fat
    SOURCES fat_test.cpp fat_namespace_test.cpp fat_hostile_test.cpp fat_durability_test.cpp
            ${EXO_FS_SOURCES}
    GROUPS FatMount FatRead FatWrite FatNamespace FatHostile FatFull FatDurability)
foreach(suite block_cache block_cache_sanitized fat fat_sanitized)
    if(TARGET ${suite})
        target_include_directories(${suite} PRIVATE ${EXO_SOURCE_ROOT}/libos/include)
    endif()
endforeach()
# The library OS's network stack: lwIP (fetched by ci/fetch_lwip.sh) with the port and the
# sockets, built for the host; each stack of a test runs in a process of its own
# (net_process.h), over socket pairs.
include(${EXO_SOURCE_ROOT}/libos/net/lwip.cmake)
set_source_files_properties(${EXO_LWIP_SOURCES} PROPERTIES COMPILE_OPTIONS "${EXO_LWIP_RELAXED_FLAGS}")
set(EXO_NET_TEST_SOURCES net_checksum_test.cpp net_rings_test.cpp net_pair_test.cpp net_hostile_test.cpp
    net_frames.cpp net_process.cpp net_host_link.cpp net_host_port.cpp)
exo_host_suite(libos_net SOURCES ${EXO_NET_TEST_SOURCES} GROUPS NetChecksum LibosNetRings NetPair NetHostile)
foreach(variant "" _sanitized)
    if(NOT TARGET libos_net${variant})
        continue()
    endif()
    add_library(exo_net_host${variant} STATIC ${EXO_LWIP_SOURCES} ${EXO_LWIP_CHECKSUM_SOURCE}
        ${EXO_NET_SOURCES})
    target_include_directories(exo_net_host${variant} PUBLIC ${EXO_LWIP_INCLUDE_DIRS}
        ${EXO_SOURCE_ROOT}/libos/include)
    target_link_libraries(exo_net_host${variant} PUBLIC exo_abi)
    target_compile_options(exo_net_host${variant} PRIVATE ${EXO_HOST_WARNINGS})
    if(variant STREQUAL "_sanitized")
        target_compile_options(exo_net_host${variant} PUBLIC ${EXO_SANITIZE_FLAGS})
    endif()
    target_link_libraries(libos_net${variant} PRIVATE exo_net_host${variant})
endforeach()
# Packet filters (kernel/net/filter): the verifier, the interpreter, the overlap check, the merged
# tree, and the compiler's code run on an RV64I emulator against the interpreter.
exo_host_suite(net_filter
    SOURCES net_filter_test.cpp net_filter_table_test.cpp net_filter_compiler_test.cpp
            ${EXO_SOURCE_ROOT}/tests/common/rv64_emulator.cpp
    GROUPS NetFilterVerifier NetFilterInterpreter NetFilterOverlap NetFilterTable NetFilterClaims
           NetFilterTree NetFilterCompiler NetFilterDifferential)
