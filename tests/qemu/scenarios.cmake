# The foundation scenarios, on every emulated board (the board's hello image: one environment
# that prints a line and exits; the default image boots into the shell, tested in shell.cmake).
exo_scenario(boot_hello IMAGE hello STATUS 0
    EXPECT "exo: RISC-V exokernel on ${EXO_BOARD}" "exo: hart " "exo: firmware OpenSBI v1.1"
           "exo: kernel page table at" "timer interrupt delivered to the waiting kernel"
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
    exo_scenario(boot_fw_jump IMAGE hello STATUS 0
        QEMU_ARGS -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
        EXPECT "exo: RISC-V exokernel on qemu-virt" "hello from U-mode"
               "exo: environment 'hello' exited with status 0")
endif()

# Memory as an exposed resource (issue 3): each image's first environment drives the scenario
# and exits with its count of failed checks; the kernel's audit runs after every step.
exo_scenario(memory_bindings IMAGE bindings STATUS 0 LABELS memory
    EXPECT "sleeper: destroying my parent: not permitted"
           "exo: environment 'quick_exit' exited with status 0"
           "exo: environment 'sleeper' destroyed by its parent"
           "bindings: child returned" "bindings: 0 failed checks"
    REJECT "CHECK FAILED" "(frame ")

exo_scenario(memory_paging IMAGE paging STATUS 0 LABELS memory
    EXPECT "paging: 81 faults, 17 evictions, 64 resident"
           "paging: 101 protection faults handled in the library OS" "paging: 0 failed checks"
    REJECT "CHECK FAILED")

# The exceptions scenario, with exceptions delivered by the trap vector and, forced, through the
# kernel's slow path (as on hardware that leaves accessed/dirty bits to software).
set(EXO_EXCEPTIONS_EXPECT
    "exceptions: 2 illegal, 1 breakpoints, 1 page faults handled"
    "exo: environment 'no_handler' killed: load page fault at pc"
    "exo: environment 'handler_faults' killed: store page fault at pc"
    ", inside its own handler"
    "trap_page_forged: returning from a forged event"
    "exo: environment 'trap_page_forged' killed: instruction page fault at pc ffffffff80200000"
    "exceptions: still running after the three children were destroyed"
    "exceptions: 0 failed checks")
exo_scenario(memory_exceptions IMAGE exceptions STATUS 0 LABELS memory
    EXPECT "exo: accessed/dirty bits set by the hardware; exceptions straight to the environment"
           ${EXO_EXCEPTIONS_EXPECT}
    REJECT "CHECK FAILED" "still running, which is wrong" "faulting with a forged handler" "panic")

exo_scenario(memory_exceptions_through_kernel IMAGE exceptions_slow STATUS 0 LABELS memory
    EXPECT "selftest: exceptions through the kernel's slow path"
           "exo: accessed/dirty bits set by the hardware; exceptions through the kernel"
           ${EXO_EXCEPTIONS_EXPECT}
    REJECT "CHECK FAILED" "still running, which is wrong" "faulting with a forged handler" "panic")

# Under QEMU's instruction counter: the scenario races allocations against revocation
# deadlines, so with virtual time tied to the host's clock a loaded machine changed who was
# asked for frames (on sifive_u the driver saw 1 request instead of 2 in about one run in four,
# on main before issue 11 as well). Counted time makes every run the same.
exo_scenario(memory_revocation IMAGE revocation STATUS 0 LABELS memory TIMEOUT 60
    QEMU_ARGS -icount shift=0,align=off,sleep=off
    EXPECT "hog_cooperative: took"
           "hog_cooperative: asked for 16 frames, returned 16, 0 repossessed"
           "revocation: cooperative child: took 16 back, then a frame after"
           "hog_stubborn: took"
           "hog_stubborn: 16 repossessed (event seen), 4 of 4 essential kept"
           "revocation: stubborn child: took "
           "revocation: 2 requests to this environment"
           "revocation: 0 failed checks"
    REJECT "CHECK FAILED")

# Hostile environments (issue 6): a seeded syscall fuzzer against the live kernel while victims
# verify checksummed workloads; the count of calls survived is printed.
exo_scenario(hostile_syscalls IMAGE hostile STATUS 0 LABELS hostile TIMEOUT 120
    EXPECT "hostile: seed" "200000 hostile syscalls"
           "hostile: 0 registers with kernel values after 200000 calls"
           "victim 1:" "0 checksum mismatches, 16 of 16 frames kept, 2 of 2 slots kept"
           "victim 2:" "0 checksum mismatches, 16 of 16 frames kept, 2 of 2 slots kept"
           "hostile_init: destroying the hostile environment returned" " frames, 0 left"
           "hostile_init: 0 failed checks"
    REJECT "CHECK FAILED" "killed" "(frame ")

# User buffers on a device page (an environment that owns a device maps its registers and hands
# them to ConsoleWrite, EnvCreate and ResumeContext): refused with BadAddress, the kernel never
# touches the device, and runs on. Once a panic (scause 5, a byte load from the word-only device).
exo_scenario(device_buffers IMAGE device_buffers STATUS 0 LABELS hostile
    EXPECT "device_buffers: buffers on the device page" "device_buffers: buffers inside the device page"
           "device_buffers: buffers running from RAM into the device page"
           "device_buffers: the kernel still reads RAM buffers"
           "device_buffers: 9 calls refused with bad address" "device_buffers: 0 failed checks"
           "exo: environment 'device_buffers' exited with status 0"
    # A recovered fault would mean the page checks let the device page through.
    REJECT "CHECK FAILED" "LEAKED:!" "(frame " "recovered a fault in a user copy")

# Defence in depth: a fault inside the user-copy routine is the copy's failure, not a panic. A
# kernel self-test makes it fault three ways (page faults on load and store, a PMP access fault),
# each time with a syscall's return state in sepc and sstatus, which must survive the fault.
exo_scenario(guarded_copy_faults IMAGE guarded_copy_faults STATUS 0 LABELS hostile
    EXPECT "exo: recovered a fault in a user copy: load page fault"
           "selftest: guarded copy from the stack guard page: fault recovered, return state kept"
           "exo: recovered a fault in a user copy: store page fault"
           "selftest: guarded copy into read-only data: fault recovered, return state kept"
           "exo: recovered a fault in a user copy: load access fault"
           "selftest: guarded copy from firmware memory: fault recovered, return state kept"
           "selftest: guarded copy: 3 of 3 faults recovered, an ordinary copy still works"
           "exo: environment 'hello' exited with status 0"
    REJECT "which is wrong" "FAILED" "LOST")

# Packet filters (issue 14, item 4): random filter sets and frames, the compiled classifier run
# on the hart from the generated-code window against the reference interpreter; the window W^X
# throughout (a store into it faults: recovered by the guarded copy); the benchmark rows (under
# the instruction counter, where rdinstret is exact; bench.budgets holds them to their budgets).
exo_scenario(net_filter_compiled IMAGE net_filter STATUS 0 LABELS net TIMEOUT 90
    QEMU_ARGS -icount shift=0,align=off,sleep=off
    EXPECT "selftest: packet filters compiled to the generated-code window"
           "exo: recovered a fault in a user copy: store page fault"
           ", 0 disagreements" "BENCH filter_demux_1 " "BENCH filter_demux_16 "
           "BENCH filter_demux_256 " "selftest: net filter: 0 failures" "exo: exit status 0"
    REJECT "FAILED" "DISAGREE" "NOT ACCEPTED" "hello from U-mode")

# Kernel hardening: a kernel stack overflow hits the guard page and panics cleanly (status 99),
# reported from the emergency stack with the faulting address in the guard page.
exo_scenario(kernel_stack_overflow IMAGE stack_overflow STATUS 99 LABELS hostile
    EXPECT "selftest: recursing until the kernel stack overflows"
           "exo: PANIC: kernel stack overflow (guard page hit)" "scause 000000000000000f (store page fault)"
    REJECT "hello from U-mode")

# CPU time as an exposed resource (issue 4). Under icount, time is instructions, so shares do
# not depend on how busy the host is.
set(EXO_ICOUNT -icount shift=0,align=off,sleep=off)
exo_scenario(cpu_shares IMAGE cpu STATUS 0 LABELS cpu TIMEOUT 60 QEMU_ARGS ${EXO_ICOUNT}
    EXPECT "cpu: 8-slot spinner ran" "cpu: slice-end ignored" "cpu: integer spinners: 0 and 0 registers lost"
           "cpu: 0 failed checks"
    REJECT "CHECK FAILED")

# The slice-end grace is charged to the environment that got the slice-end upcall, even if it
# released its slot inside the grace (and a neighbour it donated the grace to reserved it).
exo_scenario(cpu_grace IMAGE grace STATUS 0 LABELS cpu TIMEOUT 60 QEMU_ARGS ${EXO_ICOUNT}
    EXPECT "grace: release and yield: owner reported yes, penalties 1 (event yes), left in its upcall no; neighbour reported yes, reserved the slot in its upcall yes, upcall finished yes, penalties 0 (event no), slot 5 its yes"
           "grace: release alone: owner reported yes, penalties 1 (event yes), left in its upcall no"
           "grace: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

exo_scenario(interrupts IMAGE irq STATUS 0 LABELS interrupts TIMEOUT 60 QEMU_ARGS ${EXO_ICOUNT}
    EXPECT "owner handled 5 interrupts, kernel delivered 5" "irq: storm of"
           "irq: bystander refused 11 times, received 0 interrupts (kernel count 0), reclaimed the device: yes"
           "irq: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

# An event entered directly, a second interrupt pending inside it and a yield: the second waits
# for the first to end, the interrupted context keeps all 31 registers, and a Call into the
# event entry is Busy (after a yield, and after slot ends the trap vector switches itself).
exo_scenario(interrupts_nested IMAGE irq_nested STATUS 0 LABELS interrupts TIMEOUT 60 QEMU_ARGS ${EXO_ICOUNT}
    EXPECT "irq_nested: first event entered directly yes, second interrupt pending inside it yes; events handled "
           ", the second entered while the first ran no"
           "irq_nested: main context reported yes, 0 of 31 registers changed"
           "irq_nested: Call into the event entry: error 18 after a yield, 8 of 8 busy after slot ends"
           "irq_nested: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

exo_scenario(library_os_schedulers IMAGE sched STATUS 0 LABELS cpu TIMEOUT 90 QEMU_ARGS ${EXO_ICOUNT}
    EXPECT "sched: periodic 4-slot task:" "0 missed" "sched: round-robin threads progressed"
           "sched: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

# Protected control transfer (issue 5).
# The fast Call's authority check attacked from the ABI (issue 11): every environment slot in
# use, every gate encoding tried as a callee id, every register checked after each path.
exo_scenario(gate_attack IMAGE gate_attack STATUS 0 LABELS transfer hostile TIMEOUT 90
    EXPECT "gate_attack: 63 environments, every slot in use (then: too many)"
           "gate_attack: forged ids accepted: 0 while idle, 0 while every peer waits or serves; forged entries 0; kernel values in registers 0 (syscalls), 0 (entries), 0 (attacker)"
           "gate_attack: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

exo_scenario(control_transfer IMAGE transfer STATUS 0 LABELS transfer
    EXPECT "transfer: 1001 calls answered, 10 sends counted (55), a callee dying mid-call failed the call: no such environment"
           "bytes through a pipe and back, 0 mismatched" "transfer: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

# Fast/slow agreement (issue 12): each scenario's image booted once as above and once with the
# boot option exo.fast_paths=off (transfers, exceptions, slot ends, device interrupts and table
# syscalls all through the C++), consoles compared line by line (compare_paths.sh). Under the instruction counter, so every figure is repeatable.
# exo_path_agreement(<name> IMAGE <image> [IGNORE <regex>...])
function(exo_path_agreement name)
    if(NOT EXO_QEMU_LABEL)
        return()
    endif()
    cmake_parse_arguments(A "" "IMAGE" "IGNORE" ${ARGN})
    set(arguments --kernel ${CMAKE_BINARY_DIR}/kernel-${A_IMAGE}.elf --timeout 150
                  --logs ${CMAKE_CURRENT_BINARY_DIR}/${name})
    foreach(pattern IN LISTS A_IGNORE)
        list(APPEND arguments --ignore "${pattern}")
    endforeach()
    set(test ${EXO_QEMU_LABEL}.${name})
    add_test(NAME ${test} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compare_paths.sh ${arguments}
                                  -- ${EXO_QEMU_COMMAND} ${EXO_ICOUNT})
    set_tests_properties(${test} PROPERTIES LABELS "${EXO_QEMU_LABEL};agreement" TIMEOUT 320)
endfunction()

# The shares are retired instructions: the slow paths spend more of each slot in the kernel,
# so the spinners' percentages move in the second decimal. Everything else must match.
exo_path_agreement(cpu_agreement IMAGE cpu IGNORE "[0-9]+\\.[0-9]+%")
exo_path_agreement(transfer_agreement IMAGE transfer)
exo_path_agreement(exceptions_agreement IMAGE exceptions)
# How many interrupts the storm raises in its fixed time depends on what each costs, and so does
# the spinner's share beside it.
exo_path_agreement(interrupts_agreement IMAGE irq
    IGNORE "storm of [0-9]+ interrupts" "[0-9]+\\.[0-9]+%")

# The library OS's upcall dispatcher (issue 12): a demand pager, pinned memory and round-robin
# threads in one environment. Faults reach the policy whose region they are in (pinned memory
# reports its own and ends the environment with 95), a fault in neither is reported as
# unclaimed (status 96), the threads progress, a second scheduler is refused, and a revocation
# request is shared out between both policies in registration order.
exo_scenario(library_os_policies IMAGE policies STATUS 0 LABELS memory cpu TIMEOUT 60
    QEMU_ARGS -icount shift=0,align=off,sleep=off
    EXPECT "exos: scheduler 'periodic tasks' refused: 'round-robin threads' already schedules this environment"
           "pinned: store page fault at pc "
           ", address 50002000: this policy never pages"
           "exo: environment 'composed' exited with status 95"
           "policies: the pinned-fault child has ended"
           "exos: unclaimed store page fault at pc "
           ", address 60000000: no memory policy or handler takes it"
           "exo: environment 'composed' exited with status 96"
           "policies: the unclaimed-fault child has ended"
           "policies: pager 32 faults, 16 evictions, 16 of 16 pages intact; pinned "
           "second scheduler refused: yes"
           "revocation: pinned memory gave 4, the pager 12, 0 repossessed from us"
           "policies: 0 failed checks"
    REJECT "CHECK FAILED" "killed")

# The disk (issue 13), on virt (the board with virtio-mmio slots): a FAT16 image made and
# checked by the host's mkfs.fat, mtools and fsck.fat around a guest that reads, writes, renames
# and deletes through the library OS's FAT over the kernel's disk rings; the legacy and the
# modern virtio-mmio transport; no disk attached; a boot sector the guest's mount must refuse.
if(EXO_QEMU_LABEL STREQUAL "qemu-virt")
    foreach(mode legacy modern none corrupt)
        set(test ${EXO_QEMU_LABEL}.disk_fat_${mode})
        add_test(NAME ${test}
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/disk_fat.sh --mode ${mode}
                         --kernel ${CMAKE_BINARY_DIR}/kernel-disk_fat.elf
                         --work ${CMAKE_CURRENT_BINARY_DIR}/disk_fat_${mode}
                         -- ${EXO_QEMU_COMMAND})
        set_tests_properties(${test} PROPERTIES LABELS "${EXO_QEMU_LABEL};blk;fs" TIMEOUT 180)
    endforeach()
    # The power-cut sweep: the same file-creating sequence as the host's durability sweep, on
    # the real disk path, the machine stopped by the kernel after every completed write in turn
    # (exo.cut_after_writes), each image judged by fsck.fat -n and mtype.
    add_test(NAME ${EXO_QEMU_LABEL}.disk_cut
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/disk_cut.sh
                     --kernel ${CMAKE_BINARY_DIR}/kernel-disk_cut.elf
                     --work ${CMAKE_CURRENT_BINARY_DIR}/disk_cut -- ${EXO_QEMU_COMMAND})
    set_tests_properties(${EXO_QEMU_LABEL}.disk_cut PROPERTIES
        LABELS "${EXO_QEMU_LABEL};blk;fs" TIMEOUT 600 COST 300)
    # The network (issue 14) on the kernel's ABI: two environments share the NIC, a peer on the
    # host speaks Ethernet to them through QEMU's socket backend on 127.0.0.1 (net_raw.sh).
    foreach(mode legacy modern)
        set(test ${EXO_QEMU_LABEL}.net_raw_${mode})
        add_test(NAME ${test}
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_raw.sh --mode ${mode}
                         --kernel ${CMAKE_BINARY_DIR}/kernel-net_raw.elf
                         --work ${CMAKE_CURRENT_BINARY_DIR}/net_raw_${mode}
                         -- ${EXO_QEMU_COMMAND})
        set_tests_properties(${test} PROPERTIES LABELS "${EXO_QEMU_LABEL};net" TIMEOUT 180)
    endforeach()
endif()

# The network (issue 14), on virt: environments with their own lwIP behind QEMU's user network,
# reached from 127.0.0.1 by Python, curl and ab (net_scenario.sh; ports chosen at run time).
if(EXO_QEMU_LABEL STREQUAL "qemu-virt")
    set(image_udp udp_echo)
    set(image_dhcp udp_echo_dhcp)
    set(image_http http_server)
    set(image_share net_share)
    foreach(mode udp dhcp http share)
        set(image ${image_${mode}})
        set(test ${EXO_QEMU_LABEL}.net_${mode})
        add_test(NAME ${test}
                 COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/net_scenario.sh --mode ${mode}
                         --kernel ${CMAKE_BINARY_DIR}/kernel-${image}.elf
                         --work ${CMAKE_CURRENT_BINARY_DIR}/net_${mode} -- ${EXO_QEMU_COMMAND})
        set_tests_properties(${test} PROPERTIES LABELS "${EXO_QEMU_LABEL};net" TIMEOUT 200)
    endforeach()
endif()
