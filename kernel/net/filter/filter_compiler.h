// The filter compiler: the merged tree (filter_tree.h) to one RV64I leaf function,
//   Classification classify(const uint8_t* packet /* a0 */, uint64_t length /* a1 */);
// returning in a0 and a1 (docs/net-filters.md, "The code generator"). The code has no loop (every
// branch and jump goes forward), no stack, no store and no call; it reads the frame only at
// offsets it has first checked against the length; it uses only the caller-saved t0, t1, t2, a2
// and a3 besides its arguments, and clears every one of them before it returns (the kernel's
// register rule, kernel/register_hygiene.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/filter/filter_tree.h"
#include "net/filter/rv64_encoding.h"

namespace exo {

class FilterCompiler {
public:
    // The most instruction words one compiled tree may take (32 KiB of code).
    static constexpr uint32_t kMaxWords = 8192;
    static constexpr uint32_t kMaxFilters = 256;

    // Compiles `tree` (at most kMaxFilters filters) into `out` (room for kMaxWords); returns the
    // number of words, or 0 when the code would not fit.
    size_t compile(const FilterTree& tree, uint32_t* out);

private:
    // What the code on one path has established so far: the frame is at least `frame` bytes
    // long; once `transport` is set, t2 holds packet + 4 * IHL and the transport header has at
    // least `transport_bytes` bytes inside the frame.
    struct Known {
        uint32_t frame = 0;
        bool transport = false;
        uint32_t transport_bytes = 0;
    };

    void emit_node(uint32_t low, uint32_t high, uint32_t depth, uint32_t next, Known known,
                   bool shared_later);
    // Bounds, load and mask of the field atom `depth` of [low, high) reads, into t0.
    void emit_field(uint32_t low, uint32_t high, uint32_t depth, uint32_t miss, Known& known);
    void emit_value_test(uint32_t position, uint32_t depth, uint32_t miss);
    void emit_dispatch(uint32_t low, uint32_t high, uint32_t depth, uint32_t miss, Known known,
                       bool shared_later);
    void emit_accept(uint32_t position, bool shared_after);
    void emit_frame_check(uint32_t bytes, uint32_t miss);
    void emit_transport(uint32_t bytes, uint32_t miss, Known& known);
    void emit_return(int64_t exclusive);  // no shared filter: the result is a constant
    void emit_return_results();           // from a2 and a3
    void clear_temporaries();

    uint32_t min_required_frame(uint32_t low, uint32_t high) const;
    uint32_t min_required_transport(uint32_t low, uint32_t high) const;
    bool shared_in(uint32_t low, uint32_t high) const {
        return shared_before_[high] != shared_before_[low];
    }

    // The emitter: words, labels, forward branches resolved once their label is bound.
    void emit(uint32_t word);
    void add_fixup(uint16_t label, uint16_t branch);
    void load_constant(rv64::Register rd, int64_t value);
    void branch(rv64::Condition condition, rv64::Register rs1, rv64::Register rs2,
                uint32_t label);
    void jump(uint32_t label);
    uint32_t new_label();
    void bind(uint32_t label);
    bool resolve();  // patches every branch; false when one needs its long form (next pass)

    static constexpr uint16_t kUnbound = 0xffff;
    static constexpr uint16_t kJal = 0xffff;  // Fixup::branch of a jal (+-1 MiB: always in reach)
    struct Fixup {
        uint16_t at;      // the word to patch
        uint16_t label;
        uint16_t branch;  // the conditional branch's number (+-4 KiB), for long_; or kJal
    };
    static_assert(kMaxWords < kUnbound);

    const FilterTree* tree_ = nullptr;
    uint32_t* out_ = nullptr;
    uint32_t size_ = 0;
    bool overflow_ = false;
    bool any_shared_ = false;
    bool any_transport_ = false;
    uint32_t final_label_ = 0;
    // t1's value where the code falls through in a straight line (reset at every label).
    bool t1_known_ = false;
    int64_t t1_value_ = 0;
    // The last word emitted was a ret or a jump: until a label, code is dead (and not emitted).
    bool unreachable_ = false;
    uint32_t label_count_ = 0;
    uint32_t fixup_count_ = 0;
    uint32_t branch_count_ = 0;
    uint16_t shared_before_[kMaxFilters + 1] = {};
    uint16_t label_at_[kMaxWords] = {};
    Fixup fixups_[kMaxWords] = {};
    // Conditional branches (by number) that a previous pass found out of reach: inverted over a
    // jal. Numbers are stable from pass to pass: emission does not depend on distances.
    uint8_t long_[kMaxWords / 8] = {};
};

}  // namespace exo
