// A child that checks it cannot destroy its parent, then gives its time away until destroyed.
#include <exo/console.h>
#include <exo/shared_info.h>
#include <exo/syscall.h>

int main() {
    abi::Error error = exo::environment_destroy(exo::shared_info().parent_id);
    exo::printf("sleeper: destroying my parent: %s\n", abi::to_string(error));
    // Tell the parent we are done: it watches our first spare frame's essential bit, which the
    // frame table exposes to anyone who asks.
    (void)exo::frame_set_essential(exo::shared_info().initial_frames[0], true);
    for (;;) (void)exo::yield();
}
