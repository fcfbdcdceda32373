// A pipe between two environments: a single-producer, single-consumer ring in a page both have
// mapped (one granted it to the other). A full writer or an empty reader hands the CPU to the
// other end instead of spinning: by protected control transfer to the peer's pump entry when it
// serves one (the pump moves what it can and replies), else by directed yield.
#pragma once

#include <cstddef>
#include <cstdint>

namespace exo {

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
    Pipe(PipeRing* ring, uint64_t peer, uint64_t pump = kNoPump) : ring_(ring), peer_(peer), pump_(pump) {}
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

}  // namespace exo
