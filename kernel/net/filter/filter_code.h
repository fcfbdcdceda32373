// What classifying a frame answers, and where the compiled classifier lives: FilterCode places
// the code the filter compiler emits and runs it. The kernel's FilterCode keeps it in pages that
// are never writable and executable at once (filter_code_target.cpp); the host tests' runs it on
// an RV64I emulator (tests/common/rv64_emulator.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace exo {

// The compiled code returns this in a0 and a1 (a two-word struct, RISC-V psABI 2.2).
struct Classification {
    // 0: no exclusive filter accepts the frame; else 1 + the accepting filter's table index
    // (PacketFilters::exclusive_owner and exclusive_filter say whose it is). Exclusive filters
    // are disjoint, so at most one accepts.
    uint64_t exclusive = 0;
    // Bit s: environment slot s has a shared filter that accepts the frame (one copy each).
    uint64_t shared_owners = 0;

    bool operator==(const Classification&) const = default;
};

// The compiled classifier's signature: a0 = the frame, a1 = its length.
using ClassifierEntry = Classification (*)(const uint8_t* packet, uint64_t length);

class FilterCode {
public:
    // Replaces the code with `count` instruction words (the entry is the first). False when they
    // do not fit: the code in place then stays as it was.
    virtual bool load(const uint32_t* words, size_t count) = 0;
    // Runs the last code loaded (there must be some).
    virtual Classification run(const uint8_t* packet, uint64_t length) const = 0;
    // The last code loaded as a function this hart can call, if it runs natively (nullptr on
    // the host's emulator): the classifier then calls it without going through run().
    virtual ClassifierEntry entry() const { return nullptr; }

protected:
    ~FilterCode() = default;
};

}  // namespace exo
