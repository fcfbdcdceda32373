// A child that checks it cannot destroy its parent, then gives its time away until destroyed.
#include <exo/console.h>
#include <exo/shared_info.h>
#include <exo/syscall.h>

int main() {
    abi::Error error = exo::environment_destroy(exo::shared_info().parent_id);
    exo::printf("sleeper: destroying my parent: %s\n", abi::to_string(error));
    for (;;) (void)exo::yield();
}
