// Pipe reads and writes (see pipe.h). The two indices only grow; their difference is the fill.
#include <exo/pipe.h>
#include <exo/syscall.h>

namespace exo {

void Pipe::write(const void* bytes, size_t size) {
    const auto* from = static_cast<const uint8_t*>(bytes);
    for (size_t done = 0; done < size;) {
        uint64_t written = ring_->written;
        if (written - ring_->read == PipeRing::kCapacity) {
            (void)yield(peer_);  // full: let the reader run
            continue;
        }
        ring_->data[written % PipeRing::kCapacity] = from[done++];
        // The byte must be visible before the index that publishes it (RVWMO, fence w,w).
        asm volatile("fence w, w" ::: "memory");
        ring_->written = written + 1;
    }
}

void Pipe::read(void* bytes, size_t size) {
    auto* to = static_cast<uint8_t*>(bytes);
    for (size_t done = 0; done < size;) {
        uint64_t read = ring_->read;
        if (ring_->written == read) {
            (void)yield(peer_);  // empty: let the writer run
            continue;
        }
        asm volatile("fence r, r" ::: "memory");
        to[done++] = ring_->data[read % PipeRing::kCapacity];
        ring_->read = read + 1;
    }
}

}  // namespace exo
