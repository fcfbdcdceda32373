// The packet filters the environments installed, as one object the network code calls: install
// (verify, check against the others, merge, compile, load; or refuse and change nothing),
// remove, classify a received frame, and say which ports an environment owns for the transmit
// check. Fixed tables only: no kernel memory grows with the filters. docs/net-filters.md.
//
// Not reentrant: a classify must not run in the middle of an install or a removal (which change
// the table, then the code). The kernel runs with interrupts off (sstatus.SIE clear outside its
// wait) on one hart, so the receive path cannot interrupt a syscall here.
#pragma once

#include <abi/net_filter.h>
#include <abi/syscall.h>
#include <cstddef>
#include <cstdint>

#include "memory/frame_table.h"
#include "net/filter/filter.h"
#include "net/filter/filter_code.h"
#include "net/filter/filter_compiler.h"
#include "net/filter/filter_tree.h"
#include "net/filter/filter_verifier.h"

namespace exo {

// Names one installed filter: 1 + its table index in bits 0..15, the entry's generation in
// bits 16..30, so an id kept after its filter went names nothing. Never 0.
using FilterId = uint32_t;

class PacketFilters {
public:
    static constexpr uint32_t kMaxFilters = FilterCompiler::kMaxFilters;
    static constexpr uint32_t kMaxFiltersPerOwner = 64;
    // A shared subscriber is a bit of Classification::shared_owners.
    static constexpr EnvironmentSlot kMaxOwners = 64;

    // Where compiled code goes from now on (nullptr: none; frames are then classified by the
    // tree walked in C++). Compiles and loads what is installed; false if that did not fit.
    bool attach_code(FilterCode* code);

    // Ok and the new filter's id; or, changing nothing: InvalidArgument (owner out of range, or
    // the verifier's: last_fault() says which rule), TooMany (the table, or the owner's share of
    // it, is full), Overlaps (it could accept a frame another environment's filter takes:
    // docs/net-filters.md, "Overlap"), AlreadyExists (the owner's own exclusive filter could
    // accept the same frame), TooLarge (the merged filters' code would not fit).
    abi::Error install(EnvironmentSlot owner, const abi::PacketFilter& filter, FilterId& id);
    // NotOwner unless `id` names a filter of `owner` that is installed.
    abi::Error remove(EnvironmentSlot owner, FilterId id);
    // The environment ended: all its filters go.
    void remove_all(EnvironmentSlot owner);

    // Who gets a received frame of `length` bytes (the compiled code, or the tree while none is
    // loaded). The frame is untrusted: a field past `length` is never read.
    Classification classify(const uint8_t* packet, uint64_t length) const;
    // The same decision from the reference interpreter: every filter, one by one.
    Classification interpret(const uint8_t* packet, uint64_t length) const;
    // The same decision from the tree walked in C++.
    Classification walk(const uint8_t* packet, uint64_t length) const;

    EnvironmentSlot exclusive_owner(const Classification& result) const;
    FilterId exclusive_filter(const Classification& result) const;

    // Whether `owner` has an exclusive filter requiring IPv4, `protocol` and destination port
    // `port` (requires_port): the transmit check lets it send from that port.
    bool claims(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const;
    // The same answer from a walk of every filter (the index's reference, for tests).
    bool claims_walked(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const;

    uint32_t count() const { return count_; }
    uint32_t count(EnvironmentSlot owner) const;
    // Whether the code in place is the tree's compiled form (false: walked in C++).
    bool compiled() const { return compiled_; }
    size_t code_words() const { return compiled_ ? code_words_ : 0; }
    // Why the last install answered InvalidArgument.
    FilterFault last_fault() const { return last_fault_; }
    const InstalledFilter* find(EnvironmentSlot owner, FilterId id) const;

private:
    FilterTree tree() const { return {filters_, order_, count_}; }
    abi::Error check_overlap(EnvironmentSlot owner, const Filter& filter) const;
    void insert_in_order(uint16_t index);
    void remove_from_order(uint16_t index);
    // Compiles the tree and loads it; false (and the code in place unchanged) if it did not fit.
    bool load_code();
    // The port claims' index: each exclusive filter that requires one (protocol, port) is on
    // the chain of its port's bucket. The transmit check asks for every frame sent; walking
    // every filter for it cost about 2,500 instructions a frame with the table's 256 entries.
    void add_claim(uint16_t index);
    void drop_claim(uint16_t index);
    static constexpr uint32_t kClaimBuckets = 256;
    void set_compiled(bool compiled);

    InstalledFilter filters_[kMaxFilters];
    uint16_t order_[kMaxFilters] = {};
    uint32_t count_ = 0;
    FilterCode* code_ = nullptr;
    ClassifierEntry entry_ = nullptr;  // the code's, when it runs natively: called directly
    bool compiled_ = false;
    size_t code_words_ = 0;
    FilterFault last_fault_ = FilterFault::None;
    FilterCompiler compiler_;
    uint32_t words_[FilterCompiler::kMaxWords] = {};
    uint32_t claim_key_[kMaxFilters] = {};        // port_claim_key, or 0: claims no port
    uint16_t claim_next_[kMaxFilters] = {};       // 1 + the next index on the chain, 0: none
    uint16_t claim_head_[kClaimBuckets] = {};     // 1 + the first index on the chain, 0: none
};

}  // namespace exo
