// libFuzzer target: operation sequences on a FrameTable, checked after every step against a
// plain model of who owns what. The model is what frame_table.h promises, written the obvious
// way; any difference in an answer, an entry or a per-state count is a crash.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "memory/frame_table.h"

namespace {

using abi::Error;
using abi::FrameState;
using exo::EnvironmentSlot;
using exo::FrameEntry;
using exo::FrameTable;
using exo::fuzz::check;
using exo::fuzz::Input;
namespace frame_flag = exo::frame_flag;

constexpr uint64_t kMaxFrames = 64;
constexpr size_t kStates = 5;
constexpr unsigned kMaxOperations = 512;

struct Model {
    uint64_t first_pfn = 0;
    std::vector<FrameEntry> frames;
    std::vector<bool> zero;  // free and known to be zero (zeroed since it was last freed)

    bool contains(uint64_t pfn) const {
        return pfn >= first_pfn && pfn - first_pfn < frames.size();
    }
    FrameEntry* find(uint64_t pfn) { return contains(pfn) ? &frames[pfn - first_pfn] : nullptr; }
    uint64_t count(FrameState state) const {
        uint64_t n = 0;
        for (const FrameEntry& frame : frames) n += frame.state == state;
        return n;
    }
    bool bound(const FrameEntry& frame) const {
        return frame.map_count != 0 || frame.pin_count != 0 ||
               (frame.flags & frame_flag::kKernelBound);
    }
    Error freeable(uint64_t pfn, EnvironmentSlot owner) {
        FrameEntry* frame = find(pfn);
        if (frame == nullptr) return Error::OutOfRange;
        if (frame->state != FrameState::Owned || frame->owner != owner) return Error::NotOwner;
        return bound(*frame) ? Error::FrameInUse : Error::Ok;
    }
    uint64_t zero_count() const {
        uint64_t n = 0;
        for (bool known : zero) n += known;
        return n;
    }
    Error mappable(uint64_t pfn, EnvironmentSlot owner) {
        FrameEntry* frame = find(pfn);
        if (frame == nullptr || frame->state != FrameState::Owned || frame->owner != owner)
            return Error::NotOwner;
        if (frame->flags & frame_flag::kKernelBound) return Error::FrameInUse;
        return frame->map_count == FrameTable::kMaxCount ? Error::TooMany : Error::Ok;
    }
};

bool same(const FrameEntry& a, const FrameEntry& b) {
    return a.state == b.state && a.flags == b.flags && a.owner == b.owner &&
           a.map_count == b.map_count && a.pin_count == b.pin_count;
}

class Run {
public:
    explicit Run(Input& input) : input_(input) {
        static constexpr uint64_t kFirstPfns[] = {0, 1, 0x80000, 0x8000'0000,
                                                  (uint64_t{1} << 44) - kMaxFrames};
        uint64_t count = input.byte() % (kMaxFrames + 1);
        model_.first_pfn = kFirstPfns[input.byte() % std::size(kFirstPfns)];
        model_.frames.assign(count, FrameEntry{});
        model_.zero.assign(count, false);
        // Storage starts dirty: init must reset every entry and the whole free index.
        entries_.assign(count, FrameEntry{FrameState::Owned, 0x5a, 3, 7, 9});
        free_index_.assign(count * FrameTable::kFreeIndexWordsPerFrame, 0xa5a5a5a5);
        table_.init(entries_, free_index_, model_.first_pfn);
        compare();
    }

    void step() {
        uint8_t operation = input_.byte();
        uint64_t pfn = pick_pfn();
        EnvironmentSlot owner = pick_owner();
        FrameEntry* expected = model_.find(pfn);
        switch (operation % 16) {
        case 0: {  // boot-time classification; ignored unless the frame is Free
            static constexpr FrameState kSystem[] = {FrameState::Kernel, FrameState::Reserved,
                                                     FrameState::Device};
            FrameState state = kSystem[input_.byte() % 3];
            table_.set_system_state(pfn, state);
            if (expected && expected->state == FrameState::Free) {
                expected->state = state;
                model_.zero[pfn - model_.first_pfn] = false;
            }
            break;
        }
        case 1: {
            bool zeroed = false;
            Error error = table_.allocate(pfn, owner, &zeroed);
            Error want = !expected ? Error::OutOfRange
                         : expected->state != FrameState::Free ? Error::FrameNotFree
                                                                : Error::Ok;
            check(error == want, "allocate answer", static_cast<uint64_t>(error));
            if (want == Error::Ok) {
                check(zeroed == model_.zero[pfn - model_.first_pfn], "allocate's known-zero answer",
                      pfn);
                model_.zero[pfn - model_.first_pfn] = false;
                *expected = FrameEntry{FrameState::Owned, 0, owner, 0, 0};
            }
            break;
        }
        case 2: {
            std::optional<exo::FrameAllocation> got = table_.take_free(owner);
            check(got.has_value() == (model_.count(FrameState::Free) != 0),
                  "take_free with free frames");
            if (got) {
                FrameEntry* frame = model_.find(got->pfn);
                check(frame && frame->state == FrameState::Free, "take_free gave a taken frame",
                      got->pfn);
                // A frame known to be zero goes first whenever there is one, and is said to be.
                check(got->zeroed == (model_.zero_count() != 0),
                      "take_free passed over a zeroed frame", got->pfn);
                check(got->zeroed == model_.zero[got->pfn - model_.first_pfn],
                      "take_free's known-zero answer", got->pfn);
                model_.zero[got->pfn - model_.first_pfn] = false;
                *frame = FrameEntry{FrameState::Owned, 0, owner, 0, 0};
            }
            break;
        }
        case 3:
            check(table_.check_freeable(pfn, owner) == model_.freeable(pfn, owner),
                  "check_freeable answer", pfn);
            break;
        case 4:
            check(table_.check_mappable_by_owner(pfn, owner) == model_.mappable(pfn, owner),
                  "check_mappable_by_owner answer", pfn);
            break;
        case 5:  // the destroy and repossession paths: back to Free whatever bound it
            table_.release(pfn);
            if (expected) {
                // A frame already free keeps its standing; any other is not known to be zero.
                if (expected->state != FrameState::Free)
                    model_.zero[pfn - model_.first_pfn] = false;
                *expected = FrameEntry{};
            }
            break;
        case 6:
            table_.transfer(pfn, owner);
            if (expected) expected->owner = owner;
            break;
        case 7: {
            Error error = table_.pin(pfn);
            Error want = !expected || expected->state != FrameState::Owned ? Error::NotOwner
                         : expected->pin_count == FrameTable::kMaxCount    ? Error::TooMany
                                                                            : Error::Ok;
            check(error == want, "pin answer", static_cast<uint64_t>(error));
            if (want == Error::Ok) ++expected->pin_count;
            break;
        }
        case 8: {
            Error error = table_.unpin(pfn);
            Error want = !expected || expected->pin_count == 0 ? Error::InvalidArgument : Error::Ok;
            check(error == want, "unpin answer", static_cast<uint64_t>(error));
            if (want == Error::Ok) --expected->pin_count;
            break;
        }
        case 9: {
            uint64_t info = table_.query(pfn);
            uint64_t want =
                expected ? abi::make_frame_info(
                               expected->state, expected->map_count, expected->pin_count,
                               expected->flags & frame_flag::kPageTable,
                               expected->flags & frame_flag::kEssential, expected->owner)
                         : abi::make_frame_info(FrameState::Reserved, 0, 0, false, false, 0xffff);
            check(info == want, "query answer", info);
            break;
        }
        case 10:  // a user mapping, as address_space::map makes one after the check
            if (table_.check_mappable_by_owner(pfn, owner) == Error::Ok) {
                ++table_.find(pfn)->map_count;
                ++expected->map_count;
            }
            break;
        case 11:  // an unmapping
            if (expected && expected->map_count != 0) {
                --table_.find(pfn)->map_count;
                --expected->map_count;
            }
            break;
        case 12: {  // the flags the kernel sets on owned frames (tables, shared page, essential)
            static constexpr uint8_t kFlags[] = {frame_flag::kPageTable, frame_flag::kTableReserve,
                                                 frame_flag::kSharedInfo, frame_flag::kEssential};
            uint8_t flag = kFlags[input_.byte() % 4];
            if (expected && expected->state == FrameState::Owned) {
                table_.find(pfn)->flags |= flag;
                expected->flags |= flag;
            }
            break;
        }
        case 13:
            if (expected) {
                table_.find(pfn)->flags = 0;
                expected->flags = 0;
            }
            break;
        case 14: { // counts near the limit, which single steps would take 65535 operations to reach
            uint16_t value = static_cast<uint16_t>(FrameTable::kMaxCount - input_.byte() % 3);
            if (expected && expected->state == FrameState::Owned) {
                bool pins = input_.byte() & 1;
                (pins ? table_.find(pfn)->pin_count : table_.find(pfn)->map_count) = value;
                (pins ? expected->pin_count : expected->map_count) = value;
            }
            break;
        }
        default:
            if (input_.byte() & 1) {  // idle zeroing of one frame
                std::optional<uint64_t> next = table_.next_to_zero();
                check(next.has_value() == (model_.count(FrameState::Free) != model_.zero_count()),
                      "next_to_zero with unzeroed free frames");
                if (next) {
                    FrameEntry* frame = model_.find(*next);
                    check(frame && frame->state == FrameState::Free &&
                              !model_.zero[*next - model_.first_pfn],
                          "next_to_zero named a frame not free or already zero", *next);
                    table_.mark_zeroed(*next);
                    model_.zero[*next - model_.first_pfn] = true;
                }
                break;
            }
            check(table_.contains(pfn) == model_.contains(pfn), "contains answer", pfn);
            check((table_.find(pfn) != nullptr) == model_.contains(pfn), "find answer", pfn);
            break;
        }
        compare();
    }

private:
    uint64_t pick_pfn() {
        uint8_t choice = input_.byte();
        uint64_t first = model_.first_pfn, count = model_.frames.size();
        switch (choice >> 6) {
        case 0: return first + choice % (count + 1);  // inside, or one past the end
        case 1: return first + choice % (count + 8) - 4;  // around both ends
        case 2: {
            static constexpr uint64_t kOdd[] = {0, ~uint64_t{0}, uint64_t{1} << 44,
                                                uint64_t{1} << 63};
            return choice & 4 ? first + count + (choice & 3) : kOdd[choice & 3];
        }
        default: return first + choice % (count == 0 ? 1 : count);
        }
    }
    EnvironmentSlot pick_owner() {
        uint8_t choice = input_.byte() % 5;
        return choice == 4 ? exo::kNoEnvironment : choice;
    }

    void compare() {
        check(table_.frame_count() == model_.frames.size(), "frame count");
        check(table_.first_pfn() == model_.first_pfn, "first pfn");
        for (size_t i = 0; i < model_.frames.size(); ++i) {
            check(same(entries_[i], model_.frames[i]), "entry differs from the model",
                  model_.first_pfn + i);
        }
        for (size_t state = 0; state < kStates; ++state) {
            FrameState s = static_cast<FrameState>(state);
            check(table_.count(s) == model_.count(s), "per-state count differs from the model",
                  state);
        }
        check(table_.zeroed_free_count() == model_.zero_count(),
              "known-zero count differs from the model");
        for (size_t i = 0; i < model_.frames.size(); ++i) {
            check(table_.known_zero(model_.first_pfn + i) == model_.zero[i],
                  "known-zero differs from the model", model_.first_pfn + i);
        }
    }

    Input& input_;
    Model model_;
    std::vector<FrameEntry> entries_;
    std::vector<uint32_t> free_index_;
    FrameTable table_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input input({data, size});
    Run run(input);
    for (unsigned i = 0; i < kMaxOperations && !input.done(); ++i) run.step();
    return 0;
}
