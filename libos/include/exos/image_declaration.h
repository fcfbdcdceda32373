// One environment of an image as its declaration states it (boards/<board>/images.cmake,
// tests/qemu/images.cmake); the build generates <exos/images/<image>.h> with one per environment.
#pragma once

#include <cstdint>

namespace exos {

struct EnvironmentDeclaration {
    uint64_t image;   // its index among the image's environments: EnvCreate's image number
    uint64_t slots;   // the slots it is to have, as a mask of slot numbers
    uint64_t frames;  // the frames it is given beyond what its image needs
};

}  // namespace exos
