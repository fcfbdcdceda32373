// The library OS's side of the network rings (exos/net_rings.h) against a fake kernel that
// writes the same memory: frames come back in order across the 2^32 wrap of the indices, a
// length the kernel lies about never reads past the slot, transmit buffers go out once and come
// back only through a completion that names one in flight (a duplicate, a made-up tag, a tail
// run far ahead are ignored), refusals are counted.
#include <cstdint>
#include <cstring>
#include <vector>

#include <abi/syscall.h>
#include <exos/net_rings.h>

#include <CppUTest/TestHarness.h>

namespace {

constexpr uint32_t kSlots = 8;
constexpr uint32_t kBuffers = 6;

struct alignas(4096) Page {
    uint8_t bytes[4096];
};

struct FakeKernel {
    Page receive{}, transmit{}, completion{};
    std::vector<uint8_t> slots = std::vector<uint8_t>(kSlots * abi::kNetBufferBytes);
    std::vector<uint8_t> buffers = std::vector<uint8_t>(kBuffers * abi::kNetBufferBytes);
    uint64_t frames[kBuffers / 2] = {100, 205, 317};

    abi::NetRingHeader* header(Page& page) { return reinterpret_cast<abi::NetRingHeader*>(&page); }
    template <typename Entry>
    Entry* entries(Page& page) {
        return reinterpret_cast<Entry*>(header(page) + 1);
    }
    exos::NetRingMemory memory() {
        return {header(receive), slots.data(), kSlots,        header(transmit),
                header(completion), buffers.data(), frames, kBuffers};
    }
    // Delivers a frame of `length` bytes, each byte `fill`, as the kernel does.
    void deliver(uint16_t length, uint8_t fill, uint16_t claimed_length = 0) {
        abi::NetRingHeader* ring = header(receive);
        uint32_t tail = ring->tail;
        std::memset(&slots[(tail % kSlots) * abi::kNetBufferBytes], fill, length);
        entries<abi::NetRxEntry>(receive)[tail % abi::kNetRxEntries] = {
            claimed_length != 0 ? claimed_length : length, 1, 0};
        ring->tail = tail + 1;
    }
    // Takes every request the library wrote, as NetSubmit would.
    std::vector<abi::NetTxRequest> take_requests() {
        std::vector<abi::NetTxRequest> taken;
        abi::NetRingHeader* ring = header(transmit);
        for (; ring->head != ring->tail; ++ring->head) {
            taken.push_back(entries<abi::NetTxRequest>(transmit)[ring->head % abi::kNetTxEntries]);
        }
        return taken;
    }
    void complete(uint64_t tag, uint64_t status = 0) {
        abi::NetRingHeader* ring = header(completion);
        entries<abi::NetCompletion>(completion)[ring->tail % abi::kNetCompletionEntries] = {tag,
                                                                                          status};
        ++ring->tail;
    }
};

}  // namespace

TEST_GROUP(LibosNetRings) {
    FakeKernel kernel;
    exos::NetRings rings;
};

TEST(LibosNetRings, FramesInOrderAcrossTheWrap) {
    kernel.header(kernel.receive)->head = kernel.header(kernel.receive)->tail = 0xfffffffb;
    rings.attach(kernel.memory());
    CHECK(rings.receive().empty());
    rings.release_received();  // nothing to release: the head stays
    CHECK_EQUAL(0xfffffffbu, kernel.header(kernel.receive)->head);
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 5; ++i) kernel.deliver(uint16_t(60 + i), uint8_t(round * 16 + i));
        for (int i = 0; i < 5; ++i) {
            std::span<const uint8_t> frame = rings.receive();
            CHECK_EQUAL(size_t(60 + i), frame.size());
            CHECK_EQUAL(round * 16 + i, frame[0]);
            CHECK_EQUAL(round * 16 + i, frame[frame.size() - 1]);
            rings.release_received();
        }
        CHECK_FALSE(rings.receive_pending());
    }
    CHECK_EQUAL(0xfffffffbu + 25u, kernel.header(kernel.receive)->head);
}

TEST(LibosNetRings, ALengthPastTheSlotIsCutToTheSlot) {
    rings.attach(kernel.memory());
    kernel.deliver(100, 7, 60000);
    CHECK_EQUAL(size_t(abi::kNetBufferBytes), rings.receive().size());
}

TEST(LibosNetRings, BuffersGoOutOnceAndComeBackByCompletion) {
    rings.attach(kernel.memory());
    std::vector<uint8_t*> handed;
    for (uint32_t i = 0; i < kBuffers; ++i) {
        std::span<uint8_t> buffer = rings.transmit_buffer();
        CHECK_EQUAL(size_t(abi::kNetMaxFrameBytes), buffer.size());
        CHECK(rings.transmit_buffer().data() == buffer.data());  // the same until transmitted
        buffer[0] = uint8_t(i);
        handed.push_back(buffer.data());
        rings.transmit(64 + i);
    }
    CHECK(rings.transmit_buffer().empty());
    CHECK(rings.unsubmitted());
    std::vector<abi::NetTxRequest> requests = kernel.take_requests();
    CHECK_EQUAL(size_t(kBuffers), requests.size());
    CHECK_FALSE(rings.unsubmitted());
    for (uint32_t i = 0; i < kBuffers; ++i) {
        const abi::NetTxRequest& request = requests[i];
        uint64_t buffer = request.tag;
        CHECK(buffer < kBuffers);
        CHECK_EQUAL(kernel.frames[buffer / 2], request.frame);
        CHECK_EQUAL((buffer % 2) * abi::kNetBufferBytes, request.offset);
        CHECK_EQUAL(64 + i, request.length);
        CHECK_EQUAL(i, kernel.buffers[buffer * abi::kNetBufferBytes]);  // the bytes written
    }
    // A made-up tag and a second completion of one buffer give nothing back.
    kernel.complete(requests[0].tag, 0);
    kernel.complete(requests[0].tag, 0);
    kernel.complete(999, 0);
    kernel.complete(requests[1].tag, static_cast<uint64_t>(abi::Error::NotPermitted));
    rings.reclaim_completions();
    CHECK_EQUAL(2u, rings.free_buffers());
    CHECK_EQUAL(1u, rings.refused());
    // A completion tail run far ahead is read as one ring's worth, not as four billion.
    kernel.header(kernel.completion)->tail += 1000000;
    rings.reclaim_completions();
    CHECK(rings.free_buffers() <= kBuffers);
    CHECK_EQUAL(kernel.header(kernel.completion)->tail, kernel.header(kernel.completion)->head);
}
