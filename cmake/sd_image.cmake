# The SD-card image of a board that boots through U-Boot (boards/<board>/board.cmake sets
# EXO_UBOOT_TARGET, the U-Boot configuration's name): target sd-image, ${CMAKE_BINARY_DIR}/sd.img,
# built by ci/make_sd_image.sh from the firmware ci/fetch_uboot.sh fetched (ci/setup.sh runs it)
# and kernel-default.bin. docs/flashing.md says how to write it to a card.
if(NOT EXO_UBOOT_TARGET)
    return()
endif()

# ci/fetch_uboot.sh's default, or where EXO_UBOOT_DIR told it to put the firmware.
set(uboot_default /usr/local/share/exo/u-boot)
if(DEFINED ENV{EXO_UBOOT_DIR})
    set(uboot_default $ENV{EXO_UBOOT_DIR})
endif()
set(EXO_UBOOT_DIR ${uboot_default} CACHE PATH "Where ci/fetch_uboot.sh put u-boot-sifive")
# QEMU's SD card model takes only a power-of-two size; a card may be any size above it.
set(EXO_SD_IMAGE_MIB 64 CACHE STRING "Size of sd.img in MiB (a power of two)")

set(EXO_UBOOT_SPL ${EXO_UBOOT_DIR}/${EXO_UBOOT_TARGET}/u-boot-spl.bin)
set(EXO_UBOOT_ITB ${EXO_UBOOT_DIR}/${EXO_UBOOT_TARGET}/u-boot.itb)
set(EXO_SD_IMAGE ${CMAKE_BINARY_DIR}/sd.img)

if(EXISTS ${EXO_UBOOT_SPL} AND EXISTS ${EXO_UBOOT_ITB})
    file(READ ${EXO_UBOOT_DIR}/VERSION uboot_version)
    string(STRIP "${uboot_version}" uboot_version)
    message(STATUS "sd.img: U-Boot ${uboot_version} (${EXO_UBOOT_TARGET}) from ${EXO_UBOOT_DIR}")
    add_custom_command(
        OUTPUT ${EXO_SD_IMAGE}
        COMMAND ${PROJECT_SOURCE_DIR}/ci/make_sd_image.sh --spl ${EXO_UBOOT_SPL}
                --itb ${EXO_UBOOT_ITB} --kernel ${CMAKE_BINARY_DIR}/kernel-default.bin
                --title "exo on ${EXO_BOARD_DESCRIPTION}" --mib ${EXO_SD_IMAGE_MIB}
                --out ${EXO_SD_IMAGE}
        DEPENDS kernel-default ${CMAKE_BINARY_DIR}/kernel-default.bin ${EXO_UBOOT_SPL}
                ${EXO_UBOOT_ITB} ${PROJECT_SOURCE_DIR}/ci/make_sd_image.sh
        COMMENT "Building sd.img for ${EXO_BOARD_DESCRIPTION}"
        VERBATIM)
    add_custom_target(sd-image ALL DEPENDS ${EXO_SD_IMAGE})
else()
    # Not a configure error: the kernel and the other tests build without U-Boot. The SD tests
    # (tests/qemu/CMakeLists.txt) are still registered and fail, saying why.
    message(WARNING "sd.img: no U-Boot in ${EXO_UBOOT_DIR}/${EXO_UBOOT_TARGET}: run ci/setup.sh "
                    "(or ci/fetch_uboot.sh) and configure again; sd.img is not built")
    add_custom_target(sd-image
        COMMAND ${CMAKE_COMMAND} -E echo
                "sd-image: no U-Boot in ${EXO_UBOOT_DIR}: run ci/fetch_uboot.sh, then cmake again"
        COMMAND false
        VERBATIM)
endif()
