# SiFive HiFive Unmatched (FU740-C000). No emulator models it: the image is built and its ELF is
# checked (tests/qemu/check_image.sh); it is flashed to an SD card for the real board.
set(EXO_BOARD_DESCRIPTION "SiFive HiFive Unmatched (FU740)")
set(EXO_QEMU_LABEL "")
set(EXO_QEMU_COMMAND "")
# The U-Boot configuration whose SPL and u-boot.itb boot it from an SD card (cmake/sd_image.cmake).
set(EXO_UBOOT_TARGET sifive_unmatched)
