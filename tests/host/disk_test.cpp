// The disk layer on the host (disk/disk.h), through the real syscall dispatch: rings in the
// environments' own frames, requests checked against block ownership and frame ownership,
// pinning from submission to completion, back-pressure, visible revocation, and an environment
// that ends with I/O in flight. The device is FakeBlockQueue.
#include <abi/disk.h>
#include <abi/shared_info.h>
#include <cstring>
#include <vector>

#include "fake_block_queue.h"
#include "kernel_fixture.h"

using exo::test::BootedKernel;
using exo::test::FakeBlockQueue;

namespace {

constexpr uint64_t kSectors = 2048;  // 1 MiB
uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }

}  // namespace

TEST_GROUP(DiskRings) {
    BootedKernel* kernel = nullptr;
    FakeBlockQueue* device = nullptr;
    Environment* owner = nullptr;  // slot 0: owns the whole disk
    Environment* child = nullptr;
    struct Rings {
        uint64_t submission = 0, completion = 0;
    } rings[3];

    void setup() override {
        kernel = new BootedKernel;
        device = new FakeBlockQueue(kernel->machine.state, kSectors, 8);
        owner = kernel->environments[0];
        child = kernel->environments[1];
        child->parent = owner->id;
        kernel->machine.state.disk.attach(device, FakeMachine::slot(*owner));
    }
    void teardown() override {
        delete kernel;
        delete device;
    }

    exo::KernelState& state() { return kernel->machine.state; }
    Rings& rings_of(Environment& environment) { return rings[FakeMachine::slot(environment)]; }
    Error call(Environment& caller, abi::Syscall call, uint64_t a0 = 0, uint64_t a1 = 0,
               uint64_t a2 = 0, uint64_t a3 = 0) {
        return BootedKernel::error_of(kernel->call(caller, number(call), a0, a1, a2, a3));
    }
    uint64_t value(Environment& caller) { return caller.frame().x[riscv::reg::a1]; }
    void set_up_rings(Environment& environment) {
        Rings& r = rings_of(environment);
        r.submission = kernel->machine.allocate(environment);
        r.completion = kernel->machine.allocate(environment);
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::DiskRings, r.submission,
                                    r.completion));
    }
    abi::DiskRingHeader& header(uint64_t pfn) {
        return *reinterpret_cast<abi::DiskRingHeader*>(state().physical->frame(pfn));
    }
    void queue(Environment& environment, const abi::DiskRequest& request) {
        abi::DiskRingHeader& ring = header(rings_of(environment).submission);
        auto* entries = reinterpret_cast<abi::DiskRequest*>(&ring + 1);
        entries[ring.tail % abi::kSubmissionRingEntries] = request;
        ++ring.tail;
    }
    uint64_t submit(Environment& environment) {
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::DiskSubmit));
        return value(environment);
    }
    std::vector<abi::DiskCompletion> completions(Environment& environment) {
        abi::DiskRingHeader& ring = header(rings_of(environment).completion);
        auto* entries = reinterpret_cast<abi::DiskCompletion*>(&ring + 1);
        std::vector<abi::DiskCompletion> out;
        for (; ring.head != ring.tail; ++ring.head) {
            out.push_back(entries[ring.head % abi::kCompletionRingEntries]);
        }
        return out;
    }
    abi::DiskRequest read(uint64_t tag, uint64_t sector, uint16_t sectors, uint64_t frame,
                          uint32_t offset = 0) {
        return {tag, sector, frame, abi::DiskOp::Read, sectors, offset};
    }
    abi::DiskRequest write(uint64_t tag, uint64_t sector, uint16_t sectors, uint64_t frame,
                           uint32_t offset = 0) {
        return {tag, sector, frame, abi::DiskOp::Write, sectors, offset};
    }
    std::byte* bytes(uint64_t pfn) { return state().physical->frame(pfn); }
    uint64_t audit(Environment& caller) {
        CHECK_EQUAL(Error::Ok, call(caller, abi::Syscall::Audit));
        return value(caller);
    }
};

TEST(DiskRings, InfoNamesTheDisk) {
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskInfo, 0));
    UNSIGNED_LONGLONGS_EQUAL(kSectors, value(*owner));
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskInfo, 1));
    UNSIGNED_LONGLONGS_EQUAL(8, value(*owner));
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskInfo, 2));
    UNSIGNED_LONGLONGS_EQUAL(abi::disk_feature::kFlush, value(*owner));
    CHECK_EQUAL(Error::InvalidArgument, call(*owner, abi::Syscall::DiskInfo, 3));
}

TEST(DiskRings, NoDiskIsAnErrorOfItsOwn) {
    state().disk.attach(nullptr, 0);
    CHECK_EQUAL(Error::NoDisk, call(*owner, abi::Syscall::DiskInfo, 0));
    CHECK_EQUAL(Error::NoDisk, call(*owner, abi::Syscall::DiskSubmit));
    CHECK_EQUAL(Error::NoDisk, call(*owner, abi::Syscall::DiskRings, 1, 2));
}

TEST(DiskRings, AWriteAndAReadRoundTripWithTheFramePinnedMeanwhile) {
    set_up_rings(*owner);
    uint64_t out = kernel->machine.allocate(*owner), in = kernel->machine.allocate(*owner);
    for (int i = 0; i < 4096; ++i) bytes(out)[i] = std::byte(i * 7);
    queue(*owner, write(7, 100, 8, out));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*owner));
    UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(out).pin_count);
    // While the device may read it, the frame cannot be freed, granted or made a page table.
    CHECK_EQUAL(Error::FrameInUse, call(*owner, abi::Syscall::FrameFree, out));
    CHECK_EQUAL(Error::FrameInUse, call(*owner, abi::Syscall::Grant, out, child->id, 1));
    CHECK_EQUAL(Error::FrameInUse, call(*owner, abi::Syscall::PageTableDonate, out));
    state().disk.complete(state());
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(out).pin_count);
    std::vector<abi::DiskCompletion> done = completions(*owner);
    UNSIGNED_LONGS_EQUAL(1, done.size());
    UNSIGNED_LONGLONGS_EQUAL(7, done[0].tag);
    UNSIGNED_LONGLONGS_EQUAL(0, done[0].status);
    CHECK(owner->shared_info->events & abi::event::kDiskCompletion);

    queue(*owner, read(8, 100, 4, in, 0));
    queue(*owner, read(9, 104, 4, in, 2048));
    unsigned publishes = device->publishes;
    UNSIGNED_LONGLONGS_EQUAL(2, submit(*owner));
    UNSIGNED_LONGS_EQUAL(publishes + 1, device->publishes);  // a batch is shown to the device once
    UNSIGNED_LONGLONGS_EQUAL(0, submit(*owner));
    UNSIGNED_LONGS_EQUAL(publishes + 1, device->publishes);  // and nothing taken, nothing shown
    state().disk.complete(state());
    UNSIGNED_LONGS_EQUAL(2, completions(*owner).size());
    MEMCMP_EQUAL(bytes(out), bytes(in), 4096);
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*owner));
    // The power-cut sweep's count: the one write, not the reads.
    UNSIGNED_LONGLONGS_EQUAL(1, state().disk.writes_completed());
}

TEST(DiskRings, ABadRequestCompletesAtOnceWithItsErrorAndTouchesNothing) {
    set_up_rings(*owner);
    set_up_rings(*child);
    uint64_t mine = kernel->machine.allocate(*owner);
    uint64_t theirs = kernel->machine.allocate(*child);
    uint64_t table = kernel->machine.donate(*owner); // a table reserve: kernel-bound
    // Two frames in a row, the second handed to the child: a request running on past the
    // first must not reach it.
    uint64_t edge = kernel->machine.allocate_run(*owner, 2);
    state().frames.transfer(edge + 1, kernel->machine.slot(*child));
    queue(*owner, read(1, kSectors - 4, 8, mine));     // past the disk's end
    queue(*owner, read(2, ~uint64_t{0} - 2, 8, mine)); // the sum wraps
    queue(*owner, read(3, 0, 257, mine));              // more than one request may move
    queue(*owner, read(4, 0, 0, mine));                // nothing
    queue(*owner, read(5, 0, 8, edge, 512));           // on into the child's frame
    queue(*owner, read(6, 0, 1, mine, 100));           // not sector aligned
    queue(*owner, read(7, 0, 8, theirs));              // another's frame
    queue(*owner, read(8, 0, 8, table));               // a frame the kernel holds
    queue(*owner, read(9, 0, 8, 0));                   // no frame at all
    queue(*owner, {10, 0, mine, static_cast<abi::DiskOp>(9), 1, 0}); // no such operation
    queue(*owner, read(11, 0, 9, edge));                 // one sector into the child's frame
    queue(*owner, read(12, 0, 1, mine, 4096));           // an offset past the first frame
    queue(*owner, read(13, 0, 256, ~uint64_t{0} >> 12)); // a run past the last frame
    queue(*child, read(14, 0, 8, theirs));               // blocks it does not own
    UNSIGNED_LONGLONGS_EQUAL(13, submit(*owner));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*child));
    UNSIGNED_LONGS_EQUAL(0, device->submitted);
    const Error expected[] = {Error::OutOfRange,      Error::OutOfRange, Error::TooLarge,
                              Error::InvalidArgument, Error::NotOwner,   Error::InvalidArgument,
                              Error::NotOwner,        Error::NotOwner,   Error::NotOwner,
                              Error::InvalidArgument, Error::NotOwner,   Error::InvalidArgument,
                              Error::NotOwner};
    std::vector<abi::DiskCompletion> done = completions(*owner);
    UNSIGNED_LONGS_EQUAL(13, done.size());
    for (size_t i = 0; i < done.size(); ++i) {
        UNSIGNED_LONGLONGS_EQUAL(i + 1, done[i].tag);
        CHECK_EQUAL(expected[i], static_cast<Error>(done[i].status));
    }
    std::vector<abi::DiskCompletion> refused = completions(*child);
    UNSIGNED_LONGS_EQUAL(1, refused.size());
    CHECK_EQUAL(Error::NotOwner, static_cast<Error>(refused[0].status));
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(mine).pin_count);
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(edge).pin_count);
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(edge + 1).pin_count);
}

TEST(DiskRings, ARequestRunsOnThroughConsecutiveFramesEachPinned) {
    set_up_rings(*owner);
    const uint64_t frames = 33; // 256 sectors from 512 bytes into the first: 33 frames
    uint64_t out = kernel->machine.allocate_run(*owner, frames);
    uint64_t in = kernel->machine.allocate_run(*owner, frames);
    for (uint64_t i = 0; i < frames * 4096; ++i)
        bytes(out)[i] = std::byte(i * 11 + i / 4096);
    queue(*owner, write(1, 64, 256, out, 512));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*owner));
    for (uint64_t i = 0; i < frames; ++i)
        UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(out + i).pin_count);
    // Any frame under the request stays out of reach until the device is done, the last too.
    CHECK_EQUAL(Error::FrameInUse, call(*owner, abi::Syscall::FrameFree, out + frames - 1));
    state().disk.complete(state());
    for (uint64_t i = 0; i < frames; ++i)
        UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(out + i).pin_count);
    queue(*owner, read(2, 64, 256, in, 512));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*owner));
    state().disk.complete(state());
    std::vector<abi::DiskCompletion> done = completions(*owner);
    UNSIGNED_LONGS_EQUAL(2, done.size());
    UNSIGNED_LONGLONGS_EQUAL(0, done[0].status);
    UNSIGNED_LONGLONGS_EQUAL(0, done[1].status);
    MEMCMP_EQUAL(bytes(out) + 512, bytes(in) + 512, 256 * 512);
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*owner));
}

TEST(DiskRings, AFullDeviceIsBackPressureNeverLoss) {
    set_up_rings(*owner);
    uint64_t frame = kernel->machine.allocate(*owner);
    for (uint64_t tag = 0; tag < 20; ++tag) queue(*owner, read(tag, tag * 8, 8, frame));
    std::vector<uint64_t> tags;
    uint64_t rounds = 0;
    while (tags.size() < 20 && rounds++ < 10) {
        uint64_t taken = submit(*owner);
        CHECK(taken <= 8);
        state().disk.complete(state());
        for (const abi::DiskCompletion& done : completions(*owner)) tags.push_back(done.tag);
    }
    UNSIGNED_LONGS_EQUAL(20, tags.size());
    for (uint64_t tag = 0; tag < 20; ++tag) UNSIGNED_LONGLONGS_EQUAL(tag, tags[tag]);
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(frame).pin_count);
}

TEST(DiskRings, AnUnreadCompletionRingStopsSubmissionsBeforeACompletionIsLost) {
    set_up_rings(*owner);
    uint64_t frame = kernel->machine.allocate(*owner);
    uint64_t delivered = 0, queued = 0;
    for (int round = 0; round < 40; ++round) {
        while (queued - delivered < 8) queue(*owner, read(queued++, 0, 1, frame));
        uint64_t taken = submit(*owner);
        state().disk.complete(state());
        delivered += taken;
        if (taken == 0) break;
    }
    // Nobody read the completion ring: the kernel took exactly as many as it can hold.
    UNSIGNED_LONGLONGS_EQUAL(abi::kCompletionRingEntries, delivered);
    std::vector<abi::DiskCompletion> done = completions(*owner);
    UNSIGNED_LONGS_EQUAL(abi::kCompletionRingEntries, done.size());
    for (uint64_t i = 0; i < done.size(); ++i) UNSIGNED_LONGLONGS_EQUAL(i, done[i].tag);
}

TEST(DiskRings, RingsMustBeTwoOwnedPlainFrames) {
    uint64_t a = kernel->machine.allocate(*owner), theirs = kernel->machine.allocate(*child);
    CHECK_EQUAL(Error::InvalidArgument, call(*owner, abi::Syscall::DiskRings, a, a));
    CHECK_EQUAL(Error::NotOwner, call(*owner, abi::Syscall::DiskRings, a, theirs));
    CHECK_EQUAL(Error::NotOwner,
                call(*owner, abi::Syscall::DiskRings, a, kernel->machine.donate(*owner)));
    CHECK_EQUAL(Error::InvalidArgument, call(*owner, abi::Syscall::DiskSubmit));  // none yet
    set_up_rings(*owner);
    // Pinned while registered: not freed from under the kernel, which writes completions there.
    CHECK_EQUAL(Error::FrameInUse,
                call(*owner, abi::Syscall::FrameFree, rings_of(*owner).completion));
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskRings, 0, 0));
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::FrameFree, rings_of(*owner).completion));
}

TEST(DiskRings, AChildSeesOnlyItsExtentWithItsRights) {
    set_up_rings(*child);
    uint64_t frame = kernel->machine.allocate(*child);
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskExtentGrant, child->id, 100, 50,
                                abi::disk_rights::kRead));
    queue(*child, read(1, 100, 8, frame));   // inside, readable
    queue(*child, read(2, 142, 8, frame));   // ends exactly at the extent's end
    queue(*child, read(3, 143, 8, frame));   // one past it
    queue(*child, read(4, 96, 8, frame));    // starts before it
    queue(*child, write(5, 100, 8, frame));  // read-only
    UNSIGNED_LONGLONGS_EQUAL(5, submit(*child));
    state().disk.complete(state());
    const Error expected[] = {Error::Ok, Error::Ok, Error::NotOwner, Error::NotOwner,
                              Error::NotOwner};
    std::vector<abi::DiskCompletion> done = completions(*child);
    UNSIGNED_LONGS_EQUAL(5, done.size());
    for (const abi::DiskCompletion& completion : done) {
        CHECK_EQUAL(expected[completion.tag - 1], static_cast<Error>(completion.status));
    }
    // Grants: only to a child, only from what the granter owns, with no more rights.
    Environment* stranger = kernel->environments[2];
    CHECK_EQUAL(Error::NoSuchEnvironment,
                call(*owner, abi::Syscall::DiskExtentGrant, stranger->id, 0, 8, 1));
    stranger->parent = child->id;
    CHECK_EQUAL(Error::NotOwner, call(*child, abi::Syscall::DiskExtentGrant, stranger->id, 100,
                                      8, abi::disk_rights::kWrite));
    CHECK_EQUAL(Error::NotOwner, call(*child, abi::Syscall::DiskExtentGrant, stranger->id, 140,
                                      20, abi::disk_rights::kRead));
    CHECK_EQUAL(Error::Ok, call(*child, abi::Syscall::DiskExtentGrant, stranger->id, 110, 10,
                                abi::disk_rights::kRead));
    CHECK_EQUAL(Error::AlreadyExists, call(*child, abi::Syscall::DiskExtentGrant, stranger->id,
                                           110, 5, abi::disk_rights::kRead));
}

TEST(DiskRings, RevocationWaitsForRequestsInFlightThenTellsTheChild) {
    set_up_rings(*child);
    uint64_t frame = kernel->machine.allocate(*child);
    Environment* grandchild = kernel->environments[2];
    grandchild->parent = child->id;
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskExtentGrant, child->id, 100, 50,
                                abi::disk_rights::kRead | abi::disk_rights::kWrite));
    CHECK_EQUAL(Error::Ok, call(*child, abi::Syscall::DiskExtentGrant, grandchild->id, 120, 8,
                                abi::disk_rights::kRead));
    queue(*child, read(1, 100, 8, frame));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*child));
    // In flight: the extent closes to new requests, and the revocation waits.
    CHECK_EQUAL(Error::Busy, call(*owner, abi::Syscall::DiskExtentRevoke, child->id, 100));
    queue(*child, read(2, 100, 8, frame));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*child));
    state().disk.complete(state());
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskExtentRevoke, child->id, 100));
    CHECK(child->shared_info->events & abi::event::kDiskExtentRevoked);
    std::vector<abi::DiskCompletion> done = completions(*child);
    UNSIGNED_LONGS_EQUAL(2, done.size());
    // The refusal arrives at once; the request in flight finishes normally.
    UNSIGNED_LONGLONGS_EQUAL(2, done[0].tag);
    CHECK_EQUAL(Error::NotOwner, static_cast<Error>(done[0].status));
    UNSIGNED_LONGLONGS_EQUAL(1, done[1].tag);
    CHECK_EQUAL(Error::Ok, static_cast<Error>(done[1].status));
    // What the child granted from it went with it.
    CHECK_EQUAL(Error::NotOwner,
                state().disk.extents().check(FakeMachine::slot(*grandchild), 120, 1, 1));
    CHECK_EQUAL(Error::NotOwner, call(*owner, abi::Syscall::DiskExtentRevoke, child->id, 100));
}

TEST(DiskRings, AnEnvironmentEndingWithIoInFlightLeavesItsFrameOutOfUseUntilTheDeviceIsDone) {
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::DiskExtentGrant, child->id, 0, 64,
                                abi::disk_rights::kRead | abi::disk_rights::kWrite));
    set_up_rings(*child);
    uint64_t frame = kernel->machine.allocate(*child);
    queue(*child, read(1, 0, 8, frame));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*child));
    uint64_t free_before = kernel->machine.free_count();
    CHECK_EQUAL(Error::Ok, call(*owner, abi::Syscall::EnvDestroy, child->id));
    // Its other frames are free; the one the device may still write is no one's, pinned.
    CHECK(kernel->machine.free_count() > free_before);
    CHECK(kernel->machine.entry(frame).state == abi::FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, kernel->machine.entry(frame).owner);
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*owner));
    uint64_t free_after_destroy = kernel->machine.free_count();
    state().disk.complete(state());
    CHECK(kernel->machine.entry(frame).state == abi::FrameState::Free);
    UNSIGNED_LONGLONGS_EQUAL(free_after_destroy + 1, kernel->machine.free_count());
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*owner));
    // Its extent went with it.
    CHECK_EQUAL(Error::NotOwner, state().disk.extents().check(FakeMachine::slot(*child), 0, 1, 1));
}

TEST(DiskRings, AFailedDeviceFailsEveryRequestAndThenIsNoDisk) {
    set_up_rings(*owner);
    uint64_t frame = kernel->machine.allocate(*owner);
    queue(*owner, read(1, 0, 8, frame));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*owner));
    device->fail();
    state().disk.complete(state());
    std::vector<abi::DiskCompletion> done = completions(*owner);
    UNSIGNED_LONGS_EQUAL(1, done.size());
    CHECK_EQUAL(Error::IoError, static_cast<Error>(done[0].status));
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(frame).pin_count);
    CHECK_EQUAL(Error::NoDisk, call(*owner, abi::Syscall::DiskSubmit));
}
