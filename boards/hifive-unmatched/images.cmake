# What this board's product image contains (as Hubris's app.toml does for an app): each image's
# environments in order (the first starts at boot with every slot and the frames its image
# needs plus 64), the sources and library OS pieces each links, and the slots and frames each
# is to have. cmake/board_image.cmake reads it; the tests' images are in tests/qemu/images.cmake.

exo_environment(hello
    SOURCES ${PROJECT_SOURCE_DIR}/libos/apps/hello/hello.cpp
    PIECES  runtime)

exo_image(default
    ENVIRONMENT hello SLOTS 0xffff FRAMES 64)
