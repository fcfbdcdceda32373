# QEMU virt: NS16550A console, PLIC, Sstc timer, virtio-mmio slots, the sifive,test1 exit device.
set(EXO_BOARD_DESCRIPTION "QEMU virt machine")
set(EXO_QEMU_LABEL qemu-virt)
# -bios default is QEMU's bundled OpenSBI (fw_dynamic); ci/boot.sh and the tests add the rest.
set(EXO_QEMU_COMMAND qemu-system-riscv64 -M virt -m 128M -smp 1 -nographic -bios default)
