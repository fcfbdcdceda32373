// Pipe reads and writes (see pipe.h). The two indices only grow; their difference is the fill.
#include <exo/pipe.h>
#include <exo/syscall.h>
#include <exo/transfer.h>

namespace exo {

void Pipe::wait() {
    if (pump_ != kNoPump && call(peer_, pump_).error == abi::Error::Ok) return;
    (void)yield(peer_);
}

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

void Pipe::write(const void* bytes, size_t size) {
    const auto* from = static_cast<const uint8_t*>(bytes);
    for (size_t done = 0; done < size;) {
        uint64_t written = ring_->written;
        if (written - ring_->read == PipeRing::kCapacity) {
            wait();  // full: let the reader run
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
            wait();  // empty: let the writer run
            continue;
        }
        asm volatile("fence r, r" ::: "memory");
        to[done++] = ring_->data[read % PipeRing::kCapacity];
        ring_->read = read + 1;
    }
}

}  // namespace exo
