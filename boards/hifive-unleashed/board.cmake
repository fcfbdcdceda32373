# SiFive HiFive Unleashed (FU540-C000), emulated by QEMU sifive_u. Hart 0 is the E51 monitor core
# (M-mode only); OpenSBI starts the kernel on a U54 hart. No SRST shutdown: -no-reboot turns the
# kernel's reset request into QEMU's exit.
set(EXO_BOARD_DESCRIPTION "SiFive HiFive Unleashed (FU540)")
set(EXO_QEMU_LABEL qemu-sifive-u)
set(EXO_QEMU_COMMAND qemu-system-riscv64 -M sifive_u -m 128M -smp 2 -nographic -bios default -no-reboot)
