// A child that checks it cannot destroy its parent, then gives its time away until destroyed.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

int main() {
    abi::Error error = exos::environment_destroy(exos::shared_info().parent_id);
    exos::printf("sleeper: destroying my parent: %s\n", abi::to_string(error));
    // Tell the parent we are done: it watches our first spare frame's essential bit, which the
    // frame table exposes to anyone who asks.
    (void)exos::frame_set_essential(exos::shared_info().initial_frames[0], true);
    for (;;) (void)exos::yield();
}
