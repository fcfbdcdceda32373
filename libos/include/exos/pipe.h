// A pipe between two environments: a single-producer, single-consumer ring in a page both have
// mapped (one granted it to the other). A full writer or an empty reader hands the CPU to the
// other end instead of spinning: by protected control transfer to the peer's pump entry when it
// serves one (the pump moves what it can and replies), else by directed yield.
#pragma once

#include <cstddef>
#include <cstdint>

#include <exos/syscall.h>
#include <exos/transfer.h>

namespace exos {

struct PipeRing {
    static constexpr uint64_t kCapacity = 1024;  // bytes; a power of two
    volatile uint64_t written;                   // bytes ever written (the writer's index)
    volatile uint64_t read;                      // bytes ever read (the reader's index)
    volatile uint8_t data[kCapacity];
};
static_assert(sizeof(PipeRing) <= 1536, "two rings and a mailbox share one page");

class Pipe {
public:
    static constexpr uint64_t kNoPump = ~uint64_t{0};
    // `ring` lies in shared memory; `peer` is the environment at the other end; `pump` is the
    // call entry (0..3) where the peer serves pump_pipes for this pipe, or kNoPump.
    Pipe(PipeRing* ring, uint64_t peer, uint64_t pump = kNoPump)
        : ring_(ring), peer_(peer), pump_(pump) {}
    // Inline, like the transfer they may block in: a transfer clobbers every register, and an
    // out-of-line function around one must save and restore all 24 callee-saved registers at
    // each call, where the caller's own frame saves them once.
    void write(const void* bytes, size_t size);
    void read(void* bytes, size_t size);

    // For a pump entry: moves what `from` holds into `to` as far as `to` has room, without
    // blocking (an echo between two rings). Returns the bytes moved.
    static uint64_t pump(PipeRing* from, PipeRing* to);

private:
    void wait();
    PipeRing* ring_;
    uint64_t peer_;
    uint64_t pump_;
};

// The two indices only grow; their difference is the fill.
inline void Pipe::wait() {
    if (pump_ != kNoPump && call(peer_, pump_).error == abi::Error::Ok) return;
    (void)yield(peer_);
}

inline void Pipe::write(const void* bytes, size_t size) {
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

inline void Pipe::read(void* bytes, size_t size) {
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

}  // namespace exos
