# SiFive HiFive Unleashed (FU540-C000), emulated by QEMU sifive_u. Hart 0 is the E51 monitor core
# (M-mode only); OpenSBI starts the kernel on a U54 hart. No SRST shutdown: -no-reboot turns the
# kernel's reset request into QEMU's exit.
set(EXO_BOARD_DESCRIPTION "SiFive HiFive Unleashed (FU540)")
set(EXO_QEMU_LABEL qemu-sifive-u)
set(EXO_QEMU_COMMAND qemu-system-riscv64 -M sifive_u -m 128M -smp 2 -nographic -bios default -no-reboot)
# The U-Boot configuration whose SPL and u-boot.itb boot it from an SD card (cmake/sd_image.cmake).
set(EXO_UBOOT_TARGET sifive_unleashed)
# The board's own boot chain from sd.img (the qemu-sdboot test): msel=11 makes the mask ROM boot
# from the SD card, with the SPL given as -bios (QEMU's ROM does not read it from the card); the
# SPL needs the board's 8 GiB; -smp 5 is the E51 and four U54s, any of which U-Boot boots on.
set(EXO_QEMU_SD_COMMAND qemu-system-riscv64 -M sifive_u,msel=11 -smp 5 -m 8G -display none
    -monitor none -nic none -no-reboot)
