# One line per host suite; the GROUPS are the CppUTest TEST_GROUPs, each a ctest test.
exo_host_suite(device_tree SOURCES device_tree_test.cpp GROUPS DeviceTreeVirt DeviceTreeSifive DeviceTreeHostile)
exo_host_suite(elf_loader SOURCES elf_loader_test.cpp GROUPS ElfLoader ElfLoaderHostile)
