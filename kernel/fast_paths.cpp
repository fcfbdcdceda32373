// The fast paths' boot-time switch (see fast_paths.h).
#include "fast_paths.h"

namespace exo {

bool fast_paths_enabled = true;

}  // namespace exo
