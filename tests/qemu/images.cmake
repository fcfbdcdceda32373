# The test images (QEMU scenarios, tests/qemu/scenarios.cmake), declared as the product images
# are (boards/<board>/images.cmake): each environment's sources and the library OS pieces it
# links, each image's environments in order (the first starts at boot). SLOTS and FRAMES are
# declared where an image's driver reads them from <exos/images/<image>.h>; the other drivers
# hand out slots and frames in their own code.

exo_environment(abi_errors SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/abi_errors.cpp)
exo_environment(illegal_instruction SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/illegal_instruction.cpp)
exo_environment(exit_status SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/exit_status.cpp)
exo_environment(bindings SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/bindings.cpp PIECES frames)
exo_environment(sleeper SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/sleeper.cpp)
exo_environment(quick_exit SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/quick_exit.cpp)
exo_environment(paging SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/paging.cpp PIECES frames demand_pager)
exo_environment(exceptions SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/exceptions.cpp PIECES frames)
exo_environment(no_handler SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/no_handler.cpp)
exo_environment(handler_faults SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/handler_faults.cpp)
exo_environment(trap_page_forged SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/trap_page_forged.cpp)
exo_environment(revocation SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/revocation.cpp PIECES frames)
exo_environment(hog_cooperative SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/hog_cooperative.cpp)
exo_environment(hog_stubborn SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/memory/hog_stubborn.cpp)
exo_environment(hostile_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/hostile/hostile_init.cpp PIECES frames)
exo_environment(victim SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/hostile/victim.cpp)
exo_environment(hostile SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/hostile/hostile.cpp ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/registers.cpp)
exo_environment(device_buffers SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/hostile/device_buffers.cpp)
exo_environment(cpu_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/cpu/cpu_init.cpp PIECES frames)
exo_environment(spinner SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/cpu/spinner.cpp)
exo_environment(grace_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/cpu/grace_init.cpp PIECES frames)
exo_environment(grace_child SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/cpu/grace_child.cpp)
exo_environment(irq_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/irq/irq_init.cpp PIECES frames)
exo_environment(irq_owner SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/irq/irq_owner.cpp)
exo_environment(irq_bystander SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/irq/irq_bystander.cpp)
exo_environment(irq_nested_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/irq/irq_nested_init.cpp PIECES frames)
exo_environment(irq_nested_owner SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/irq/irq_nested_owner.cpp)
exo_environment(sched_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/sched/sched_init.cpp PIECES frames)
exo_environment(periodic_tasks SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/sched/periodic_tasks.cpp PIECES periodic)
exo_environment(rr_threads SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/sched/rr_threads.cpp PIECES round_robin)
exo_environment(cpu_hog SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/sched/cpu_hog.cpp)
exo_environment(transfer_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/transfer/transfer_init.cpp PIECES frames ipc)
exo_environment(transfer_server SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/transfer/server.cpp PIECES ipc)
exo_environment(gate_attack SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/gate_attack.cpp ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/registers.cpp PIECES frames)
exo_environment(policies_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/policies/policies_init.cpp PIECES frames)
exo_environment(composed SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/policies/composed.cpp
    PIECES frames demand_pager pinned_memory round_robin periodic)
exo_environment(disk_fat SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/disk/disk_fat.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/registers.cpp PIECES frames fs disk)
exo_environment(disk_cut SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/disk/disk_cut.cpp
    PIECES frames fs disk)
exo_environment(disk_tenant
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/disk/disk_tenant.cpp PIECES frames fs disk)
exo_environment(net_first SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/net_first.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/registers.cpp PIECES frames)
exo_environment(net_second SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/net_second.cpp)
exo_environment(gate_peer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/gate_peer.cpp ${CMAKE_CURRENT_SOURCE_DIR}/environments/attack/registers.cpp)

exo_image(abi_errors ENVIRONMENT abi_errors)
exo_image(cpu ENVIRONMENT cpu_init ENVIRONMENT spinner)
exo_image(grace ENVIRONMENT grace_init ENVIRONMENT grace_child)
exo_image(irq ENVIRONMENT irq_init ENVIRONMENT irq_owner ENVIRONMENT irq_bystander ENVIRONMENT spinner)
exo_image(irq_nested ENVIRONMENT irq_nested_init ENVIRONMENT irq_nested_owner)
exo_image(sched ENVIRONMENT sched_init ENVIRONMENT periodic_tasks ENVIRONMENT rr_threads ENVIRONMENT cpu_hog)
exo_image(transfer ENVIRONMENT transfer_init ENVIRONMENT transfer_server)
exo_image(gate_attack ENVIRONMENT gate_attack ENVIRONMENT gate_peer)
exo_image(hostile ENVIRONMENT hostile_init ENVIRONMENT victim ENVIRONMENT hostile)
exo_image(device_buffers ENVIRONMENT device_buffers)
exo_image(guarded_copy_faults ENVIRONMENT hello
    SELFTEST ${CMAKE_CURRENT_SOURCE_DIR}/selftests/guarded_copy_faults.cpp)
# The packet filters' compiled code on the hart against the interpreter, and their rows.
exo_image(net_filter ENVIRONMENT hello
    SELFTEST ${CMAKE_CURRENT_SOURCE_DIR}/selftests/net_filter.cpp
             ${CMAKE_CURRENT_SOURCE_DIR}/selftests/net_filter_rows.cpp)
exo_image(stack_overflow ENVIRONMENT hello
    SELFTEST ${CMAKE_CURRENT_SOURCE_DIR}/selftests/stack_overflow.cpp)
exo_image(bindings ENVIRONMENT bindings ENVIRONMENT sleeper ENVIRONMENT quick_exit)
exo_image(paging ENVIRONMENT paging)
exo_image(exceptions ENVIRONMENT exceptions ENVIRONMENT no_handler ENVIRONMENT handler_faults ENVIRONMENT trap_page_forged)
exo_image(exceptions_slow ENVIRONMENT exceptions ENVIRONMENT no_handler ENVIRONMENT handler_faults ENVIRONMENT trap_page_forged
    SELFTEST ${CMAKE_CURRENT_SOURCE_DIR}/selftests/exceptions_through_kernel.cpp)
exo_image(revocation ENVIRONMENT revocation ENVIRONMENT hog_cooperative ENVIRONMENT hog_stubborn)
exo_image(illegal_instruction ENVIRONMENT illegal_instruction)
exo_image(exit_status ENVIRONMENT exit_status)
exo_image(disk_fat ENVIRONMENT disk_fat ENVIRONMENT disk_tenant)
exo_image(disk_cut ENVIRONMENT disk_cut)
exo_image(net_raw ENVIRONMENT net_first ENVIRONMENT net_second)

# Two memory policies and a scheduler in one environment (scenario library_os_policies): the
# driver hands the composed environment the slots and frames declared here.
exo_image(policies
    ENVIRONMENT policies_init
    ENVIRONMENT composed       SLOTS 0xff00 FRAMES 16)

# The network (issue 14): lwIP in the library OS over the kernel's rings, reached by clients on
# the host (tests/qemu/net_scenario.sh).
exo_environment(udp_echo SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/udp_echo.cpp
    PIECES frames net)
exo_environment(http_server SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/http_server.cpp
    PIECES frames net)
exo_environment(share_init SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/share_init.cpp
    PIECES frames net)
exo_environment(udp_echo_dhcp SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/environments/net/udp_echo.cpp
    PIECES frames net)
target_compile_definitions(udp_echo_dhcp PRIVATE EXO_NET_DHCP=1)
exo_image(udp_echo ENVIRONMENT udp_echo)
exo_image(udp_echo_dhcp ENVIRONMENT udp_echo_dhcp)
exo_image(http_server ENVIRONMENT http_server)
exo_image(net_share ENVIRONMENT share_init ENVIRONMENT udp_echo)
