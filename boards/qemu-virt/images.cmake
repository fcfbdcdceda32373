# What this board's product image contains (as Hubris's app.toml does for an app): each image's
# environments in order (the first starts at boot with every slot and the frames its image
# needs plus 64), the sources and library OS pieces each links, and the slots and frames each
# is to have. cmake/board_image.cmake reads it; the tests' images are in tests/qemu/images.cmake.
include(${PROJECT_SOURCE_DIR}/libos/apps/apps.cmake)

# The shell on the console (docs/shell.md), with the programs it can run when the machine has
# no disk to load them from.
exo_image(default
    ENVIRONMENT shell SLOTS 0xffff FRAMES 64
    ENVIRONMENT hello ENVIRONMENT spin ENVIRONMENT fault ENVIRONMENT args)

# One environment that prints a line and exits: the boot scenarios' image.
exo_image(hello ENVIRONMENT hello)
