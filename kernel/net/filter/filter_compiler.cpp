// The filter compiler (filter_compiler.h): one pass over the tree per emission, repeated while a
// conditional branch turns out to be beyond +-4 KiB (it then takes its long form).
#include "net/filter/filter_compiler.h"

namespace exo {
namespace {

using namespace rv64;

constexpr uint32_t kMaxPasses = 16;
// t2 holds packet + 4 * IHL, so a transport field at `offset` is at t2 + kIhlByte + offset.
constexpr uint32_t kIhlByte = abi::packet_field::kIpv4VersionIhl;
constexpr uint32_t kMinIhlBytes = 20;  // RFC 791: IHL >= 5 words

constexpr uint32_t full_mask(uint8_t size) {
    return size >= 4 ? 0xffffffffu : (uint32_t{1} << (8 * size)) - 1;
}

constexpr uint32_t maximum(uint32_t a, uint32_t b) { return a > b ? a : b; }

}  // namespace

size_t FilterCompiler::compile(const FilterTree& tree, uint32_t* out) {
    if (tree.count > kMaxFilters) return 0;
    tree_ = &tree;
    out_ = out;
    any_transport_ = false;
    shared_before_[0] = 0;
    for (uint32_t position = 0; position < tree.count; ++position) {
        const Filter& filter = tree.at(position);
        shared_before_[position + 1] = shared_before_[position] + (filter.shared ? 1 : 0);
        any_transport_ = any_transport_ || filter.required_transport != 0;
    }
    any_shared_ = shared_in(0, tree.count);
    for (uint8_t& bits : long_) bits = 0;
    for (uint32_t pass = 0; pass < kMaxPasses; ++pass) {
        size_ = 0;
        overflow_ = false;
        label_count_ = fixup_count_ = branch_count_ = 0;
        t1_known_ = unreachable_ = false;
        final_label_ = new_label();
        if (any_shared_) {
            emit(addi(a2, zero, 0));  // the exclusive filter's number, 0: none (yet)
            emit(addi(a3, zero, 0));  // the shared subscribers
        }
        emit_node(0, tree.count, 0, final_label_, Known{}, false);
        bind(final_label_);
        if (any_shared_) {
            emit_return_results();
        } else {
            emit_return(0);
        }
        if (overflow_) return 0;
        if (resolve()) return overflow_ ? 0 : size_;
    }
    return 0;
}

void FilterCompiler::emit_node(uint32_t low, uint32_t high, uint32_t depth, uint32_t next,
                               Known known, bool shared_later) {
    for (;;) {
        uint32_t position = low;
        for (; position < high && tree_->at(position).atom_count == depth; ++position)
            emit_accept(position, shared_later || shared_in(position + 1, high));
        if (position == high) return;
        uint32_t group_end = tree_->key_run_end(position, high, depth);
        if (group_end == high && tree_->value_run_end(position, high, depth) == high) {
            // One field, one value: the child follows in line, in this frame (a chain of atoms
            // costs no recursion, so the kernel stack grows only where the tree branches).
            emit_field(position, high, depth, next, known);
            emit_value_test(position, depth, next);
            low = position;
            ++depth;
            continue;
        }
        while (position < high) {
            group_end = tree_->key_run_end(position, high, depth);
            uint32_t miss = group_end == high ? next : new_label();
            Known inside = known;
            emit_field(position, group_end, depth, miss, inside);
            emit_dispatch(position, group_end, depth, miss, inside,
                          shared_later || shared_in(group_end, high));
            if (group_end != high) bind(miss);
            position = group_end;
        }
        return;
    }
}

void FilterCompiler::emit_field(uint32_t low, uint32_t high, uint32_t depth, uint32_t miss,
                                Known& known) {
    const abi::FilterAtom& atom = tree_->atom(low, depth);
    uint32_t end = uint32_t{atom.offset} + atom.size;
    Register base = a0;
    int32_t displacement = atom.offset;
    if (atom.base == abi::FilterBase::Frame) {
        if (known.frame < end) {
            // Every filter below needs this many bytes: one test serves the whole subtree.
            known.frame = maximum(end, min_required_frame(low, high));
            emit_frame_check(known.frame, miss);
        }
    } else {
        if (!known.transport) {
            uint32_t frame = maximum(kIhlByte + 1, min_required_frame(low, high));
            if (known.frame < frame) {
                known.frame = frame;
                emit_frame_check(frame, miss);
            }
            emit_transport(maximum(end, min_required_transport(low, high)), miss, known);
        } else if (known.transport_bytes < end) {
            known.transport_bytes = maximum(end, min_required_transport(low, high));
            emit(sub(t1, t2, a0));
            emit(addi(t1, t1, static_cast<int32_t>(kIhlByte + known.transport_bytes)));
            t1_known_ = false;
            branch(Condition::Ltu, a1, t1, miss);
        }
        base = t2;
        displacement = static_cast<int32_t>(kIhlByte + atom.offset);
    }
    if (atom.size == 1) {
        emit(lbu(t0, base, displacement));
    } else if (atom.size == 2) {
        emit(lhu(t0, base, displacement));
    } else {
        emit(lw(t0, base, displacement));
    }
    if (atom.mask != full_mask(atom.size)) {
        auto mask = static_cast<int64_t>(native_key(atom.mask, atom.size));
        if (fits_signed(mask, 12)) {
            emit(andi(t0, t0, static_cast<int32_t>(mask)));
        } else {
            load_constant(t1, mask);
            emit(and_(t0, t0, t1));
        }
    }
}

void FilterCompiler::emit_value_test(uint32_t position, uint32_t depth, uint32_t miss) {
    const abi::FilterAtom& atom = tree_->atom(position, depth);
    auto key = static_cast<int64_t>(native_key(atom.value, atom.size));
    if (key == 0) {
        branch(Condition::Ne, t0, zero, miss);
    } else {
        load_constant(t1, key);
        branch(Condition::Ne, t0, t1, miss);
    }
}

void FilterCompiler::emit_dispatch(uint32_t low, uint32_t high, uint32_t depth, uint32_t miss,
                                   Known known, bool shared_later) {
    uint32_t value_end = tree_->value_run_end(low, high, depth);
    if (value_end == high) {  // one value left: test it, then the child
        emit_value_test(low, depth, miss);
        emit_node(low, high, depth + 1, miss, known, shared_later);
        return;
    }
    // Binary search: below the pivot's value to the left, else on to the right. The pivot is
    // the value run holding the middle filter, so each side keeps about half the filters.
    uint32_t pivot = low + (high - low) / 2;
    while (pivot > low &&
           compare_atoms(tree_->atom(pivot - 1, depth), tree_->atom(pivot, depth)) == 0)
        --pivot;
    if (pivot == low) pivot = value_end;
    const abi::FilterAtom& atom = tree_->atom(pivot, depth);
    uint32_t left = new_label();
    load_constant(t1, static_cast<int64_t>(native_key(atom.value, atom.size)));
    branch(Condition::Ltu, t0, t1, left);
    // t1 still holds the pivot's value: the right side's first test reuses it.
    emit_dispatch(pivot, high, depth, miss, known, shared_later);
    jump(miss);  // a frame has one value: after the right side's child, none on the left
    bind(left);
    emit_dispatch(low, pivot, depth, miss, known, shared_later);
}

void FilterCompiler::emit_accept(uint32_t position, bool shared_after) {
    const InstalledFilter& installed = tree_->installed(position);
    if (installed.filter.shared) {
        uint32_t bit = installed.owner;
        if (bit < 11) {
            emit(ori(a3, a3, static_cast<int32_t>(1u << bit)));
            return;
        }
        if (bit >= 12 && bit < 31) {
            emit(lui(t1, 1u << (bit - 12)));
        } else {
            emit(addi(t1, zero, 1));
            emit(slli(t1, t1, bit));
        }
        t1_known_ = false;
        emit(or_(a3, a3, t1));
        return;
    }
    int64_t number = tree_->order[position] + 1;
    if (!any_shared_) {
        emit_return(number);  // exclusive filters are disjoint: nothing else can accept
        return;
    }
    load_constant(a2, number);
    if (!shared_after) jump(final_label_);
}

void FilterCompiler::emit_frame_check(uint32_t bytes, uint32_t miss) {
    load_constant(t1, bytes);
    branch(Condition::Ltu, a1, t1, miss);
}

void FilterCompiler::emit_transport(uint32_t bytes, uint32_t miss, Known& known) {
    emit(lbu(t2, a0, kIhlByte));
    emit(andi(t2, t2, 0xf));
    emit(slli(t2, t2, 2));  // 4 * IHL
    load_constant(t1, kMinIhlBytes);
    branch(Condition::Ltu, t2, t1, miss);
    emit(addi(t1, t2, static_cast<int32_t>(kIhlByte + bytes)));  // transport start + bytes
    t1_known_ = false;
    branch(Condition::Ltu, a1, t1, miss);
    emit(add(t2, a0, t2));
    known.transport = true;
    known.transport_bytes = bytes;
}

void FilterCompiler::clear_temporaries() {
    if (tree_->count == 0) return;  // the code touched none
    emit(addi(t0, zero, 0));
    emit(addi(t1, zero, 0));
    if (any_transport_) emit(addi(t2, zero, 0));
}

void FilterCompiler::emit_return(int64_t exclusive) {
    load_constant(a0, exclusive);
    emit(addi(a1, zero, 0));
    clear_temporaries();
    emit(ret());
    unreachable_ = true;
}

void FilterCompiler::emit_return_results() {
    emit(addi(a0, a2, 0));
    emit(addi(a1, a3, 0));
    emit(addi(a2, zero, 0));
    emit(addi(a3, zero, 0));
    clear_temporaries();
    emit(ret());
}

uint32_t FilterCompiler::min_required_frame(uint32_t low, uint32_t high) const {
    uint32_t least = tree_->at(low).required_frame;
    for (uint32_t position = low + 1; position < high; ++position) {
        uint32_t required = tree_->at(position).required_frame;
        least = required < least ? required : least;
    }
    return least;
}

uint32_t FilterCompiler::min_required_transport(uint32_t low, uint32_t high) const {
    uint32_t least = tree_->at(low).required_transport;
    for (uint32_t position = low + 1; position < high; ++position) {
        uint32_t required = tree_->at(position).required_transport;
        least = required < least ? required : least;
    }
    return least;
}

void FilterCompiler::emit(uint32_t word) {
    if (size_ >= kMaxWords) {
        overflow_ = true;
        return;
    }
    out_[size_++] = word;
}

void FilterCompiler::load_constant(Register rd, int64_t value) {
    if (rd == t1) {
        if (t1_known_ && t1_value_ == value) return;
        t1_known_ = true;
        t1_value_ = value;
    }
    if (fits_signed(value, 12)) {
        emit(addi(rd, zero, static_cast<int32_t>(value)));
        return;
    }
    // lui sets bits 31..12 and sign-extends; addiw adds the low 12 bits (signed) and
    // sign-extends the 32-bit sum, which is the value for any sign-extended 32-bit constant.
    int32_t low = static_cast<int32_t>(static_cast<uint32_t>(value) << 20) >> 20;
    emit(lui(rd, static_cast<uint32_t>((value - low) >> 12)));
    if (low != 0) emit(addiw(rd, rd, low));
}

void FilterCompiler::add_fixup(uint16_t label, uint16_t branch) {
    if (size_ >= kMaxWords) return;  // emit() records the overflow
    fixups_[fixup_count_++] = {static_cast<uint16_t>(size_), label, branch};
}

void FilterCompiler::branch(Condition condition, Register rs1, Register rs2, uint32_t label) {
    uint32_t number = branch_count_++;
    if (number < kMaxWords && (long_[number / 8] >> (number % 8) & 1) != 0) {
        emit(rv64::branch(invert(condition), rs1, rs2, 8));  // over the jal
        add_fixup(static_cast<uint16_t>(label), kJal);
        emit(jal(zero, 0));
        return;
    }
    add_fixup(static_cast<uint16_t>(label), static_cast<uint16_t>(number));
    emit(rv64::branch(condition, rs1, rs2, 0));
}

void FilterCompiler::jump(uint32_t label) {
    if (unreachable_) return;  // straight after a ret or a jump: no path gets here
    add_fixup(static_cast<uint16_t>(label), kJal);
    emit(jal(zero, 0));
    unreachable_ = true;
}

uint32_t FilterCompiler::new_label() {
    if (label_count_ >= kMaxWords) {
        overflow_ = true;
        return 0;
    }
    label_at_[label_count_] = kUnbound;
    return label_count_++;
}

void FilterCompiler::bind(uint32_t label) {
    label_at_[label] = static_cast<uint16_t>(size_);
    t1_known_ = false;  // another path may arrive here
    unreachable_ = false;
}

bool FilterCompiler::resolve() {
    bool all_in_reach = true;
    for (uint32_t i = 0; i < fixup_count_; ++i) {
        const Fixup& fixup = fixups_[i];
        uint16_t target = label_at_[fixup.label];
        if (target == kUnbound || target <= fixup.at) {  // never: every branch goes forward
            overflow_ = true;
            return true;
        }
        auto offset = static_cast<int32_t>((target - fixup.at) * 4);
        if (fixup.branch == kJal) {
            out_[fixup.at] |= j_immediate(offset);
        } else if (fits_signed(offset, 13)) {
            out_[fixup.at] |= b_immediate(offset);
        } else {
            long_[fixup.branch / 8] |= static_cast<uint8_t>(1u << (fixup.branch % 8));
            all_in_reach = false;
        }
    }
    return all_in_reach;
}

}  // namespace exo
