// libFuzzer target: the fuzzer is the device. Between the driver's submissions its bytes write
// the used ring (ids, lengths, the index), scribble on any byte of the shared queue memory, and
// pick when the driver harvests. Checked after every step against a plain model of the chains
// handed out: a completion the driver believes must be an outstanding head with a length it
// offered, nothing is delivered twice or after a failure, the free descriptors add up, and (under
// ASan) no access leaves the queue memory, which is allocated to its exact size.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <new>

#include "drivers/virtio/virtqueue.h"
#include "fuzz_support.h"

namespace {

using exo::fuzz::check;
using exo::fuzz::Input;
using namespace exo::virtio;

constexpr unsigned kMaxOperations = 512;
constexpr uint64_t kQueuePhys = 0x8000'0000;  // made up: this device never dereferences it

struct Offered {
    uint16_t descriptors;
    uint64_t writable;
};

struct AlignedDelete {
    void operator()(std::byte* bytes) const { ::operator delete[](bytes, std::align_val_t{4096}); }
};

class Run {
public:
    explicit Run(Input& input) : input_(input) {
        const uint8_t shape = input_.byte();
        size_ = static_cast<uint16_t>(1u << ((shape & 0x7f) % 9));  // 1 .. 256
        layout_ = (shape & 0x80) != 0 ? RingLayout::Modern : RingLayout::Legacy;
        bytes_ = virtqueue_layout(size_, layout_).bytes;
        memory_.reset(new (std::align_val_t{4096}) std::byte[bytes_]);
        check(queue_.initialize({memory_.get(), kQueuePhys, bytes_}, size_, layout_),
              "initialize refused a valid queue");
    }

    void step() {
        switch (input_.byte() % 8) {
        case 0:
        case 1:
            submit();
            break;
        case 2:
            write_used_entry();
            break;
        case 3:
            complete_honestly();
            break;
        case 4:
            set_used_index();
            break;
        case 5:
            harvest();
            break;
        case 6:
            scribble();
            break;
        case 7:
            release_if_failed();
            break;
        }
        check_counts();
    }

private:
    template <typename T>
    void store(uint64_t offset, T value) {  // the device's write, inside the queue memory
        check(offset + sizeof(T) <= bytes_, "harness wrote outside the queue");
        *reinterpret_cast<volatile T*>(memory_.get() + offset) = value;
    }
    uint64_t used_offset() const { return virtqueue_layout(size_, layout_).used; }

    void submit() {
        const uint16_t count = static_cast<uint16_t>(1 + input_.byte() % 8);
        ChainBuffer buffers[8];
        const uint8_t writable_mask = input_.byte();
        for (uint16_t i = 0; i < count; ++i) {
            buffers[i] = {0x9000'0000ull + 0x1000ull * i, input_.u16(),
                          ((writable_mask >> i) & 1) != 0};
        }
        const uint16_t predicted = queue_.next_head();
        const uint16_t free_before = queue_.free_descriptors();
        const uint16_t head = queue_.add_chain(buffers, count);
        if (queue_.failed() || count > free_before) {
            check(head == Virtqueue::kNoHead, "a chain was accepted without room or after failure");
            check(queue_.free_descriptors() == free_before, "a refused chain changed the queue");
            return;
        }
        check(head == predicted, "add_chain used another head than next_head said");
        check(head < size_ && model_.count(head) == 0, "a head handed out twice");
        uint64_t writable = 0;
        for (uint16_t i = 0; i < count; ++i)
            writable += buffers[i].device_writable * buffers[i].length;
        model_[head] = {count, writable};
    }

    void write_used_entry() {
        const uint16_t slot = static_cast<uint16_t>(input_.u16() % size_);
        const uint64_t entry = used_offset() + kRingHeaderBytes + 8 * uint64_t{slot};
        store<uint32_t>(entry, static_cast<uint32_t>(input_.u64()));
        store<uint32_t>(entry + 4, static_cast<uint32_t>(input_.u64()));
    }

    // A well-behaved completion of one outstanding chain (chosen by the input), so runs get deep.
    void complete_honestly() {
        if (model_.empty()) return;
        auto chosen = model_.begin();
        std::advance(chosen, input_.byte() % model_.size());
        const uint64_t entry = used_offset() + kRingHeaderBytes +
                               8 * uint64_t{static_cast<uint16_t>(used_index_ % size_)};
        store<uint32_t>(entry, chosen->first);
        store<uint32_t>(entry + 4, static_cast<uint32_t>(chosen->second.writable / 2));
        ++used_index_;
        store<uint16_t>(used_offset() + 2, used_index_);
    }

    void set_used_index() {
        const uint8_t how = input_.byte();
        used_index_ = (how & 1) != 0 ? static_cast<uint16_t>(used_index_ + how / 2) : input_.u16();
        store<uint16_t>(used_offset() + 2, used_index_);
    }

    void scribble() {
        const uint64_t offset = input_.u16() % bytes_;
        store<uint8_t>(offset, input_.byte());
    }

    void harvest() {
        const bool was_failed = queue_.failed();
        const uint32_t delivered = queue_.harvest([&](const UsedChain& used) {
            auto found = model_.find(used.head);
            check(found != model_.end(), "delivered a head that was not outstanding", used.head);
            check(used.written <= found->second.writable, "delivered more bytes than offered",
                  used.written);
            model_.erase(found);
        });
        check(!was_failed || delivered == 0, "a failed queue delivered a completion");
    }

    void release_if_failed() {
        if (!queue_.failed()) {
            (void)queue_.should_notify();  // reads the device's flags: any value is allowed
            return;
        }
        queue_.release_all([&](uint16_t head) {
            check(model_.erase(head) == 1, "released a head that was not outstanding", head);
        });
        check(model_.empty(), "release_all left a chain outstanding");
    }

    void check_counts() {
        uint64_t held = 0;
        for (const auto& [head, offered] : model_)
            held += offered.descriptors;
        check(queue_.outstanding() == model_.size(), "outstanding count differs from the model");
        check(queue_.free_descriptors() + held == size_, "descriptors lost or doubled");
        if (failed_seen_) check(queue_.failed(), "a failed queue recovered");
        failed_seen_ = queue_.failed();
        check(!failed_seen_ || queue_.failure() != nullptr, "failed without a reason");
    }

    Input& input_;
    uint16_t size_ = 0;
    RingLayout layout_ = RingLayout::Legacy;
    uint64_t bytes_ = 0;
    std::unique_ptr<std::byte[], AlignedDelete> memory_;
    Virtqueue queue_;
    std::map<uint16_t, Offered> model_;
    uint16_t used_index_ = 0;
    bool failed_seen_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input input({data, size});
    Run run(input);
    for (unsigned i = 0; i < kMaxOperations && !input.done(); ++i)
        run.step();
    return 0;
}
