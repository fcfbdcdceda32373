// A pipe between two environments: a single-producer, single-consumer ring in a page both have
// mapped (one granted it to the other). A full writer or an empty reader donates the rest of its
// slot to the other end (directed yield) instead of spinning.
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
    // `ring` lies in shared memory; `peer` is the environment at the other end.
    Pipe(PipeRing* ring, uint64_t peer) : ring_(ring), peer_(peer) {}
    void write(const void* bytes, size_t size);
    void read(void* bytes, size_t size);

private:
    PipeRing* ring_;
    uint64_t peer_;
};

}  // namespace exo
