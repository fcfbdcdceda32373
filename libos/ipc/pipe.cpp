// The pipe pump (see pipe.h); reads and writes are inline in the header.
#include <exos/pipe.h>

namespace exos {

uint64_t Pipe::pump(PipeRing* from, PipeRing* to) {
    uint64_t read = from->read, written = to->written;
    uint64_t moved = 0;
    while (from->written != read && written - to->read < PipeRing::kCapacity) {
        asm volatile("fence r, r" ::: "memory");
        to->data[written % PipeRing::kCapacity] = from->data[read % PipeRing::kCapacity];
        ++read;
        ++written;
        ++moved;
    }
    asm volatile("fence rw, w" ::: "memory");
    from->read = read;
    to->written = written;
    return moved;
}

}  // namespace exos
