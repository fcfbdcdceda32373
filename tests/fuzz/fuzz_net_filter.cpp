// libFuzzer target: the packet filters (kernel/net/filter) under a sequence of installs (hostile
// raw filters, compact ones, structured random ones), removals (real and forged ids) and frames
// (hostile raw bytes, structured random ones). After every frame: the compiled code, run on the
// RV64I emulator (which checks every read against the frame's length, forward-only control flow,
// the registers it may touch and clears), decides exactly as the interpreter and as the tree
// walked in C++; at most one exclusive filter accepts; a shared filter of another environment
// accepts with an exclusive one only for a group-addressed frame. Input format (one step a byte,
// low three bits; tests/fuzz/make_seeds.py writes seeds in it):
//   0 owner <random_filter from the bytes>   1 owner <200 bytes: a PacketFilter as it is>
//   2 k: remove the k-th installed           3 owner id32: remove a forged id
//   4 owner: remove_all                      5 <random_frame from the bytes>
//   6 length16 <bytes>: a raw frame          7 owner flags count {base size offset16 mask32
//                                                value32}*count: a compact filter
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_support.h"
#include "net/filter/filter_interpreter.h"
#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"
#include "tests/common/rv64_emulator.h"

namespace {

using exo::fuzz::check;

// The fuzzer's bytes as the samples' random source: four bytes a draw, zeros past the end.
class ByteSource {
public:
    explicit ByteSource(exo::fuzz::Input& input) : input_(input) {}
    uint32_t next() {
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i) value |= uint32_t{input_.byte()} << (8 * i);
        return value;
    }

private:
    exo::fuzz::Input& input_;
};

struct Installed {
    exo::EnvironmentSlot owner;
    exo::FilterId id;
    abi::PacketFilter filter;
    exo::Filter canonical;
};

class Harness {
public:
    Harness() { check(filters_->attach_code(&code_), "no code for an empty table"); }

    void install(exo::EnvironmentSlot owner, const abi::PacketFilter& filter) {
        uint32_t before = filters_->count();
        exo::FilterId id = 0;
        abi::Error error = filters_->install(owner, filter, id);
        exo::Filter canonical;
        exo::FilterFault fault = exo::verify_filter(filter, canonical);
        if (error != abi::Error::Ok) {
            check(filters_->count() == before, "a refused install changed the table");
            check((error == abi::Error::InvalidArgument) ==
                      (fault != exo::FilterFault::None || owner >= exo::PacketFilters::kMaxOwners),
                  "InvalidArgument other than for the verifier or the owner",
                  static_cast<uint64_t>(error));
            return;
        }
        check(fault == exo::FilterFault::None, "a filter the verifier refuses was installed");
        check(filters_->count() == before + 1, "an install did not add one filter");
        check(filters_->find(owner, id) != nullptr, "the new id names nothing");
        check(filters_->compiled(), "the installed filters are not compiled");
        installed_.push_back({owner, id, filter, canonical});
    }

    void remove(size_t k) {
        if (installed_.empty()) return;
        size_t at = k % installed_.size();
        check(filters_->remove(installed_[at].owner, installed_[at].id) == abi::Error::Ok,
              "removing an installed filter failed");
        check(filters_->find(installed_[at].owner, installed_[at].id) == nullptr,
              "a removed filter's id still names it");
        installed_.erase(installed_.begin() + static_cast<std::ptrdiff_t>(at));
        check(filters_->count() == installed_.size(), "the count after a removal");
    }

    void forged_remove(exo::EnvironmentSlot owner, exo::FilterId id) {
        bool real = false;
        for (const Installed& entry : installed_)
            real = real || (entry.owner == owner && entry.id == id);
        if (real) return;  // not forged after all
        check(filters_->remove(owner, id) == abi::Error::NotOwner, "a forged id removed a filter",
              id);
    }

    void remove_all(exo::EnvironmentSlot owner) {
        filters_->remove_all(owner);
        std::erase_if(installed_, [&](const Installed& entry) { return entry.owner == owner; });
        check(filters_->count() == installed_.size(), "the count after remove_all");
        check(filters_->count(owner) == 0, "remove_all left a filter");
    }

    void classify(const uint8_t* bytes, uint64_t length) {
        exo::Classification expected = filters_->interpret(bytes, length);
        exo::Classification compiled = code_.run(bytes, length);
        if (code_.failures() != 0) {
            std::fprintf(stderr, "emulator: %s\n", code_.last_error().c_str());
            exo::fuzz::fail("the compiled code broke an emulator rule");
        }
        check(compiled == expected, "compiled and interpreted disagree", compiled.exclusive);
        check(filters_->walk(bytes, length) == expected, "the tree and the interpreter disagree");
        check(filters_->classify(bytes, length) == expected,
              "classify and the interpreter disagree");
        // The overlap rules, seen from the frame's side.
        const Installed* exclusive = nullptr;
        for (const Installed& entry : installed_) {
            if (entry.canonical.shared || !exo::filter_accepts(entry.canonical, bytes, length))
                continue;
            check(exclusive == nullptr, "two exclusive filters accept one frame");
            exclusive = &entry;
        }
        if (exclusive == nullptr) {
            check(expected.exclusive == 0, "an exclusive owner nobody's filter accepts for");
            return;
        }
        check(filters_->exclusive_owner(expected) == exclusive->owner, "the wrong exclusive owner");
        for (const Installed& entry : installed_) {
            if (!entry.canonical.shared || entry.owner == exclusive->owner ||
                !exo::filter_accepts(entry.canonical, bytes, length))
                continue;
            check(length > 0 && (bytes[0] & 1) != 0,
                  "another environment's shared filter copies a unicast frame of an exclusive one");
        }
    }

    std::vector<abi::PacketFilter> filters() const {
        std::vector<abi::PacketFilter> out;
        for (const Installed& entry : installed_) out.push_back(entry.filter);
        return out;
    }

private:
    std::unique_ptr<exo::PacketFilters> filters_ = std::make_unique<exo::PacketFilters>();
    rv64_emulator::EmulatedFilterCode code_;
    std::vector<Installed> installed_;
};

abi::PacketFilter compact_filter(exo::fuzz::Input& input) {
    abi::PacketFilter filter{};
    filter.flags = input.byte();
    filter.atom_count = input.byte() % (abi::kFilterMaxAtoms + 2);  // 17 is one too many
    for (uint32_t i = 0; i < filter.atom_count && i < abi::kFilterMaxAtoms; ++i) {
        abi::FilterAtom& atom = filter.atoms[i];
        atom.base = static_cast<abi::FilterBase>(input.byte());
        atom.size = input.byte();
        atom.offset = input.u16();
        atom.mask = static_cast<uint32_t>(input.u16()) | static_cast<uint32_t>(input.u16()) << 16;
        atom.value = static_cast<uint32_t>(input.u16()) | static_cast<uint32_t>(input.u16()) << 16;
    }
    return filter;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    exo::fuzz::Input input({data, size});
    ByteSource source(input);
    Harness harness;
    static filter_samples::Frame frame;
    for (int step = 0; step < 256 && !input.done(); ++step) {
        switch (input.byte() % 8) {
        case 0: {
            auto owner = static_cast<exo::EnvironmentSlot>(input.byte() % 66);
            harness.install(owner, filter_samples::random_filter(source));
            break;
        }
        case 1: {
            auto owner = static_cast<exo::EnvironmentSlot>(input.byte() % 66);
            abi::PacketFilter filter;
            auto* bytes = reinterpret_cast<uint8_t*>(&filter);
            for (size_t i = 0; i < sizeof(filter); ++i) bytes[i] = input.byte();
            harness.install(owner, filter);
            break;
        }
        case 2: harness.remove(input.byte()); break;
        case 3: {
            auto owner = static_cast<exo::EnvironmentSlot>(input.byte() % 66);
            harness.forged_remove(owner, static_cast<uint32_t>(source.next()));
            break;
        }
        case 4: harness.remove_all(static_cast<exo::EnvironmentSlot>(input.byte() % 66)); break;
        case 5: {
            std::vector<abi::PacketFilter> filters = harness.filters();
            filter_samples::random_frame(source, frame, filters.data(),
                                         static_cast<uint32_t>(filters.size()));
            harness.classify(frame.bytes, frame.length);
            break;
        }
        case 6: {
            uint64_t length = input.u16() % (filter_samples::kFrameRoom + 1);
            // Exactly `length` bytes, so ASan sees any read past the frame.
            std::vector<uint8_t> bytes(length);
            for (uint8_t& byte : bytes) byte = input.byte();
            harness.classify(bytes.data(), length);
            break;
        }
        default: {
            auto owner = static_cast<exo::EnvironmentSlot>(input.byte() % 66);
            harness.install(owner, compact_filter(input));
            break;
        }
        }
    }
    return 0;
}
