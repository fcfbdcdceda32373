// The net layer on the host (net/net.h), through the real syscall dispatch: rings and receive
// buffers in the environments' own frames, frames delivered by the classifier's verdict (one
// exclusive owner, shared copies), full rings dropping and counting, transmits checked on the
// kernel's copy of their head and sent from pinned frames, and an environment that ends with
// frames in flight. The NIC is FakeNic, the classifier FakeClassifier (fake_nic.h).
#include <abi/net.h>
#include <abi/net_filter.h>
#include <abi/shared_info.h>
#include <cstring>
#include <utility>
#include <vector>

#include "fake_nic.h"
#include "kernel_fixture.h"

using exo::test::BootedKernel;
using exo::test::FakeClassifier;
using exo::test::FakeNic;
using exo::test::udp_frame;

namespace {
uint64_t number(abi::Syscall call) { return static_cast<uint64_t>(call); }
}  // namespace

TEST_GROUP(NetRings) {
    BootedKernel* kernel = nullptr;
    FakeNic* nic = nullptr;
    FakeClassifier* classifier = nullptr;
    Environment* a = nullptr;
    Environment* b = nullptr;
    struct Rings {
        uint64_t rx = 0, buffers = 0, tx = 0, completion = 0;
        uint32_t buffer_frames = 0;
    } rings[3];

    void setup() override {
        kernel = new BootedKernel;
        nic = new FakeNic(kernel->machine.state, 8);
        classifier = new FakeClassifier;
        a = kernel->environments[0];
        b = kernel->environments[1];
        state().net.attach(nic, classifier);
    }
    void teardown() override {
        delete kernel;
        delete nic;
        delete classifier;
    }

    exo::KernelState& state() { return kernel->machine.state; }
    exo::EnvironmentSlot slot(Environment& environment) { return FakeMachine::slot(environment); }
    Rings& rings_of(Environment& environment) { return rings[slot(environment)]; }
    Error call(Environment& caller, abi::Syscall call, uint64_t a0 = 0, uint64_t a1 = 0,
               uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
        return BootedKernel::error_of(kernel->call(caller, number(call), a0, a1, a2, a3, a4));
    }
    uint64_t value(Environment& caller) { return caller.frame().x[riscv::reg::a1]; }
    Error register_rings(Environment& environment, uint32_t buffer_frames = 2) {
        Rings& r = rings_of(environment);
        r.rx = kernel->machine.allocate(environment);
        r.buffers = kernel->machine.allocate_run(environment, buffer_frames);
        r.tx = kernel->machine.allocate(environment);
        r.completion = kernel->machine.allocate(environment);
        r.buffer_frames = buffer_frames;
        return call(environment, abi::Syscall::NetRings, r.rx, r.buffers, buffer_frames, r.tx,
                    r.completion);
    }
    uint8_t* bytes(uint64_t pfn) {
        return reinterpret_cast<uint8_t*>(state().physical->frame(pfn));
    }
    abi::NetRingHeader& header(uint64_t pfn) {
        return *reinterpret_cast<abi::NetRingHeader*>(bytes(pfn));
    }
    // The frames waiting in `environment`'s receive ring, consumed.
    using Received = std::vector<std::pair<abi::NetRxEntry, std::vector<uint8_t>>>;
    Received received(Environment& environment) {
        Rings& r = rings_of(environment);
        abi::NetRingHeader& ring = header(r.rx);
        auto* entries = reinterpret_cast<abi::NetRxEntry*>(&ring + 1);
        const uint32_t slots = r.buffer_frames * 2;
        Received out;
        for (; ring.head != ring.tail; ++ring.head) {
            const abi::NetRxEntry entry = entries[ring.head % slots];
            const uint8_t* data = bytes(r.buffers) + (ring.head % slots) * abi::kNetBufferBytes;
            out.push_back({entry, std::vector<uint8_t>(data, data + entry.length)});
        }
        return out;
    }
    void queue(Environment& environment, const abi::NetTxRequest& request) {
        abi::NetRingHeader& ring = header(rings_of(environment).tx);
        reinterpret_cast<abi::NetTxRequest*>(&ring + 1)[ring.tail % abi::kNetTxEntries] = request;
        ++ring.tail;
    }
    // A frame placed in a fresh frame of `environment` at `offset`, queued for sending.
    uint64_t queue_frame(Environment& environment, uint64_t tag, const std::vector<uint8_t>& frame,
                         uint16_t offset = 0) {
        const uint64_t pfn = kernel->machine.allocate(environment);
        std::memcpy(bytes(pfn) + offset, frame.data(), frame.size());
        queue(environment, {tag, pfn, offset, static_cast<uint16_t>(frame.size()), 0});
        return pfn;
    }
    uint64_t submit(Environment& environment) {
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::NetSubmit));
        return value(environment);
    }
    std::vector<abi::NetCompletion> completions(Environment& environment) {
        abi::NetRingHeader& ring = header(rings_of(environment).completion);
        auto* entries = reinterpret_cast<abi::NetCompletion*>(&ring + 1);
        std::vector<abi::NetCompletion> out;
        for (; ring.head != ring.tail; ++ring.head) {
            out.push_back(entries[ring.head % abi::kNetCompletionEntries]);
        }
        return out;
    }
    uint64_t info(Environment& environment, abi::NetInfoField field) {
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::NetInfo, uint64_t(field)));
        return value(environment);
    }
    uint64_t audit(Environment& caller) {
        CHECK_EQUAL(Error::Ok, call(caller, abi::Syscall::Audit));
        return value(caller);
    }
};

TEST(NetRings, InfoNamesTheNicAndNoNicIsAnErrorOfItsOwn) {
    UNSIGNED_LONGLONGS_EQUAL(exo::test::kFakeMac, info(*a, abi::NetInfoField::Mac));
    UNSIGNED_LONGLONGS_EQUAL(1500, info(*a, abi::NetInfoField::Mtu));
    CHECK_EQUAL(Error::InvalidArgument, call(*a, abi::Syscall::NetInfo, 99));
    state().net.attach(nullptr, nullptr);
    CHECK_EQUAL(Error::NoNetwork, call(*a, abi::Syscall::NetInfo, 0));
    CHECK_EQUAL(Error::NoNetwork, call(*a, abi::Syscall::NetSubmit));
    CHECK_EQUAL(Error::NoNetwork, call(*a, abi::Syscall::NetRings, 1, 2, 1, 3, 4));
}

TEST(NetRings, RegistrationTakesOnlyTheCallersOwnFramesAndPinsThem) {
    const uint64_t rx = kernel->machine.allocate(*a), tx = kernel->machine.allocate(*a);
    const uint64_t done = kernel->machine.allocate(*a);
    const uint64_t run = kernel->machine.allocate_run(*a, 4);
    const uint64_t theirs = kernel->machine.allocate(*b);
    const uint64_t table = kernel->machine.donate(*a);  // a table reserve: kernel-bound
    auto rings = [&](uint64_t r, uint64_t first, uint64_t count, uint64_t t, uint64_t c) {
        return call(*a, abi::Syscall::NetRings, r, first, count, t, c);
    };
    CHECK_EQUAL(Error::InvalidArgument, rings(rx, run, 0, tx, done));
    CHECK_EQUAL(Error::InvalidArgument, rings(rx, run, abi::kNetMaxBufferFrames + 1, tx, done));
    CHECK_EQUAL(Error::InvalidArgument, rings(rx, run, 4, rx, done));      // a ring twice
    CHECK_EQUAL(Error::InvalidArgument, rings(run + 2, run, 4, tx, done)); // a ring in the run
    CHECK_EQUAL(Error::NotOwner, rings(theirs, run, 4, tx, done));
    CHECK_EQUAL(Error::NotOwner, rings(table, run, 4, tx, done));
    CHECK_EQUAL(Error::NotOwner, rings(rx, run, 5, tx, done));  // runs on past its frames
    CHECK_EQUAL(Error::NotOwner, rings(rx, theirs, 1, tx, done));
    CHECK_EQUAL(Error::InvalidArgument, rings(rx, ~uint64_t{0}, 2, tx, done));  // wraps
    for (uint64_t pfn : {rx, tx, done, run, run + 3}) {
        UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(pfn).pin_count);
    }
    CHECK_EQUAL(Error::Ok, rings(rx, run, 4, tx, done));
    for (uint64_t pfn : {rx, tx, done, run, run + 3}) {
        UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(pfn).pin_count);
    }
    CHECK_EQUAL(Error::FrameInUse, call(*a, abi::Syscall::FrameFree, run + 1));
    CHECK_EQUAL(Error::FrameInUse, call(*a, abi::Syscall::Grant, rx, b->id, 1));
    // A refused registration changes nothing: the rings in place still hold their pins.
    CHECK_EQUAL(Error::NotOwner, rings(rx, theirs, 1, tx, done));
    for (uint64_t pfn : {rx, tx, done, run, run + 3}) {
        UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(pfn).pin_count);
    }
    // Registering again replaces, without pinning twice; all zero unregisters.
    CHECK_EQUAL(Error::Ok, rings(rx, run, 4, tx, done));
    UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(run).pin_count);
    CHECK_EQUAL(Error::Ok, rings(0, 0, 0, 0, 0));
    for (uint64_t pfn : {rx, tx, done, run, run + 3}) {
        UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(pfn).pin_count);
    }
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*a));
}

TEST(NetRings, AFrameGoesWholeToItsOwnerOnlyAndTheOwnerIsTold) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    CHECK_EQUAL(Error::Ok, register_rings(*b));
    classifier->give_udp(slot(*a), 7, 3);
    classifier->give_udp(slot(*b), 80, 4);
    const std::vector<uint8_t> to_a = udp_frame(5000, 7, 100, 0x1122334455);
    const std::vector<uint8_t> to_b = udp_frame(5000, 80, 1458, 0x1122334455);  // 1514 bytes
    nic->arrive(to_a);
    nic->arrive(to_b);
    nic->arrive(udp_frame(5000, 9, 10));  // nobody's
    nic->arrive(std::vector<uint8_t>(13, 0));  // no Ethernet frame
    state().net.interrupt(state());
    auto got_a = received(*a);
    auto got_b = received(*b);
    UNSIGNED_LONGS_EQUAL(1, got_a.size());
    UNSIGNED_LONGS_EQUAL(1, got_b.size());
    CHECK(got_a[0].second == to_a);
    CHECK(got_b[0].second == to_b);
    UNSIGNED_LONGS_EQUAL(3, got_a[0].first.filter);
    UNSIGNED_LONGS_EQUAL(0, got_a[0].first.flags);
    CHECK(a->shared_info->events & abi::event::kNetReceive);
    UNSIGNED_LONGLONGS_EQUAL(1, info(*a, abi::NetInfoField::RxDelivered));
    UNSIGNED_LONGLONGS_EQUAL(2, info(*a, abi::NetInfoField::RxUnclaimed));
}

TEST(NetRings, ASharedFrameIsCopiedToEverySubscriber) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    CHECK_EQUAL(Error::Ok, register_rings(*b));
    classifier->subscribe_arp(slot(*a));
    classifier->subscribe_arp(slot(*b));
    std::vector<uint8_t> arp(60, 0xab);
    arp[12] = 0x08;
    arp[13] = 0x06;
    nic->arrive(arp);
    state().net.interrupt(state());
    for (Environment* environment : {a, b}) {
        auto got = received(*environment);
        UNSIGNED_LONGS_EQUAL(1, got.size());
        CHECK(got[0].second == arp);
        UNSIGNED_LONGS_EQUAL(abi::net_rx_flag::kShared, got[0].first.flags);
    }
}

TEST(NetRings, AFullRingDropsAndCountsAndALyingHeadOnlyFillsItsOwnRing) {
    CHECK_EQUAL(Error::Ok, register_rings(*a, 1));  // two slots
    CHECK_EQUAL(Error::Ok, register_rings(*b, 1));
    classifier->give_udp(slot(*a), 7, 1);
    classifier->give_udp(slot(*b), 8, 2);
    for (int i = 0; i < 5; ++i) nic->arrive(udp_frame(1, 7, 20));
    nic->arrive(udp_frame(1, 8, 20));
    state().net.interrupt(state());
    UNSIGNED_LONGLONGS_EQUAL(3, info(*a, abi::NetInfoField::RxDropped));
    UNSIGNED_LONGS_EQUAL(3, header(rings_of(*a).rx).dropped);
    UNSIGNED_LONGS_EQUAL(2, received(*a).size());
    UNSIGNED_LONGS_EQUAL(1, received(*b).size());  // the other environment lost nothing
    // A head written past the tail (or far behind it) makes the ring look full: nothing is
    // written anywhere, and the buffers past the two slots stay untouched.
    header(rings_of(*a).rx).head += 1000;
    const uint8_t* buffers = bytes(rings_of(*a).buffers);
    const std::vector<uint8_t> before(buffers, buffers + 4096);
    nic->arrive(udp_frame(1, 7, 20));
    state().net.interrupt(state());
    UNSIGNED_LONGLONGS_EQUAL(4, info(*a, abi::NetInfoField::RxDropped));
    CHECK(before == std::vector<uint8_t>(buffers, buffers + 4096));
}

TEST(NetRings, ATransmitSendsTheCheckedHeadEvenIfTheFrameChangesAfterSubmit) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    classifier->give_udp(slot(*a), 7, 1);
    const std::vector<uint8_t> frame = udp_frame(7, 5000, 400);
    const uint64_t pfn = queue_frame(*a, 42, frame, 100);
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*a));
    UNSIGNED_LONGS_EQUAL(1, kernel->machine.entry(pfn).pin_count);  // the body, until sent
    CHECK_EQUAL(Error::FrameInUse, call(*a, abi::Syscall::FrameFree, pfn));
    // The sender rewrites its source port after the check: the device sends the checked copy.
    bytes(pfn)[100 + 14 + 20 + 1] = 80;
    state().net.interrupt(state());
    UNSIGNED_LONGS_EQUAL(1, nic->sent.size());
    CHECK(nic->sent[0] == frame);
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(pfn).pin_count);
    auto done = completions(*a);
    UNSIGNED_LONGS_EQUAL(1, done.size());
    UNSIGNED_LONGLONGS_EQUAL(42, done[0].tag);
    UNSIGNED_LONGLONGS_EQUAL(0, done[0].status);
    CHECK(a->shared_info->events & abi::event::kNetTransmitDone);
    UNSIGNED_LONGLONGS_EQUAL(1, info(*a, abi::NetInfoField::TxSent));
}

TEST(NetRings, ARefusedTransmitCompletesAtOnceWithItsErrorAndSendsNothing) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    CHECK_EQUAL(Error::Ok, register_rings(*b));
    classifier->give_udp(slot(*a), 7, 1);
    classifier->give_udp(slot(*b), 80, 2);
    const uint64_t theirs = kernel->machine.allocate(*b);
    std::memcpy(bytes(theirs), udp_frame(7, 1, 10).data(), 52);
    queue_frame(*a, 1, udp_frame(80, 1, 10));                  // b's port
    queue_frame(*a, 2, udp_frame(7, 1, 10, 0x0200000000aa));   // another source MAC
    queue(*a, {3, theirs, 0, 52, 0});                          // b's frame
    queue_frame(*a, 4, std::vector<uint8_t>(13, 0));           // shorter than Ethernet
    queue(*a, {5, kernel->machine.allocate(*a), 4000, 200, 0}); // past the frame's end
    std::vector<uint8_t> fragment = udp_frame(7, 1, 10);
    fragment[14 + 6] = 0x20;  // more fragments: its ports could be rewritten by the next one
    queue_frame(*a, 6, fragment);
    std::vector<uint8_t> ipv6 = udp_frame(7, 1, 10);
    ipv6[12] = 0x86;
    ipv6[13] = 0xdd;
    queue_frame(*a, 7, ipv6);
    queue(*a, {8, 0, 0, 60, 0});  // no frame at all
    UNSIGNED_LONGLONGS_EQUAL(8, submit(*a));
    UNSIGNED_LONGS_EQUAL(0, nic->pending());
    const Error expected[] = {Error::NotPermitted,    Error::NotPermitted, Error::NotOwner,
                              Error::InvalidArgument, Error::InvalidArgument, Error::NotPermitted,
                              Error::NotPermitted,    Error::NotOwner};
    auto done = completions(*a);
    UNSIGNED_LONGS_EQUAL(8, done.size());
    for (size_t i = 0; i < done.size(); ++i) {
        UNSIGNED_LONGLONGS_EQUAL(i + 1, done[i].tag);
        CHECK_EQUAL(expected[i], static_cast<Error>(done[i].status));
    }
    UNSIGNED_LONGLONGS_EQUAL(8, info(*a, abi::NetInfoField::TxRefused));
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(theirs).pin_count);
    state().net.interrupt(state());
    UNSIGNED_LONGS_EQUAL(0, nic->sent.size());
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*a));
}

TEST(NetRings, AFullDeviceOrCompletionRingIsBackPressureNeverLoss) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    classifier->give_udp(slot(*a), 7, 1);
    for (uint64_t tag = 0; tag < 12; ++tag) queue_frame(*a, tag, udp_frame(7, 1, 200));
    UNSIGNED_LONGLONGS_EQUAL(8, submit(*a));  // the device takes 8
    UNSIGNED_LONGLONGS_EQUAL(0, submit(*a));
    state().net.interrupt(state());
    UNSIGNED_LONGLONGS_EQUAL(4, submit(*a));
    state().net.interrupt(state());
    UNSIGNED_LONGS_EQUAL(12, nic->sent.size());
    auto done = completions(*a);
    UNSIGNED_LONGS_EQUAL(12, done.size());
    for (uint64_t tag = 0; tag < 12; ++tag) UNSIGNED_LONGLONGS_EQUAL(tag, done[tag].tag);
    // A completion ring the environment never reads: no request is taken past its room.
    for (uint32_t i = 0; i < abi::kNetCompletionEntries + 5; ++i) {
        queue_frame(*a, 100 + i, std::vector<uint8_t>(13, 0));  // each refused at once
        if (i % 64 == 63) (void)submit(*a);
    }
    (void)submit(*a);
    abi::NetRingHeader& completion = header(rings_of(*a).completion);
    UNSIGNED_LONGS_EQUAL(abi::kNetCompletionEntries, completion.tail - completion.head);
    UNSIGNED_LONGLONGS_EQUAL(0, submit(*a));
}

TEST(NetRings, AnEnvironmentEndingWithFramesInFlightLeavesThemOutOfUseUntilSent) {
    CHECK_EQUAL(Error::Ok, register_rings(*b));
    classifier->give_udp(slot(*b), 7, 1);
    const uint64_t pfn = queue_frame(*b, 1, udp_frame(7, 1, 500));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*b));
    CHECK_EQUAL(Error::Busy, call(*b, abi::Syscall::NetRings, 0, 0, 0, 0, 0));
    b->parent = a->id;
    CHECK_EQUAL(Error::Ok, call(*a, abi::Syscall::EnvDestroy, b->id));
    UNSIGNED_LONGS_EQUAL(1, classifier->removed);  // its filters went with it
    CHECK(kernel->machine.entry(pfn).state == abi::FrameState::Owned);
    UNSIGNED_LONGS_EQUAL(exo::kNoEnvironment, kernel->machine.entry(pfn).owner);
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*a));
    const uint64_t free_before = kernel->machine.free_count();
    state().net.interrupt(state());
    UNSIGNED_LONGS_EQUAL(1, nic->sent.size());
    CHECK(kernel->machine.entry(pfn).state == abi::FrameState::Free);
    UNSIGNED_LONGLONGS_EQUAL(free_before + 1, kernel->machine.free_count());
    UNSIGNED_LONGLONGS_EQUAL(0, audit(*a));
}

TEST(NetRings, AFailedNicFailsWhatIsInFlightAndThenIsNoNetwork) {
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    classifier->give_udp(slot(*a), 7, 1);
    const uint64_t pfn = queue_frame(*a, 1, udp_frame(7, 1, 500));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*a));
    nic->fail();
    state().net.interrupt(state());
    auto done = completions(*a);
    UNSIGNED_LONGS_EQUAL(1, done.size());
    CHECK_EQUAL(Error::IoError, static_cast<Error>(done[0].status));
    UNSIGNED_LONGS_EQUAL(0, kernel->machine.entry(pfn).pin_count);
    CHECK_EQUAL(Error::NoNetwork, call(*a, abi::Syscall::NetSubmit));
}

// The real filters behind the syscalls: what an environment installs decides what it receives
// and what it may send; another's port is refused; ids are the installer's alone.
TEST(NetRings, FiltersInstalledThroughTheSyscallDecideDeliveryAndSending) {
    state().net.attach(nic, &state().classifier);
    CHECK_EQUAL(Error::Ok, register_rings(*a));
    CHECK_EQUAL(Error::Ok, register_rings(*b));
    constexpr uint64_t kFilterVa = 0x50000000;
    for (int i = 0; i < 3; ++i) {
        (void)kernel->machine.donate(*a);  // page tables for the filter's page
        (void)kernel->machine.donate(*b);
    }
    auto install = [&](Environment& environment, uint16_t port) {
        const uint64_t pfn = kernel->machine.allocate(environment);
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::Map, kFilterVa, pfn, 1,
                                    abi::permission::kRead | abi::permission::kWrite));
        abi::PacketFilter filter{};
        filter.atom_count = 3;
        filter.atoms[0] = abi::ipv4_atom();
        filter.atoms[1] = abi::protocol_atom(abi::ip_protocol::kUdp);
        filter.atoms[2] = abi::destination_port_atom(port);
        std::memcpy(bytes(pfn), &filter, sizeof(filter));
        const Error error = call(environment, abi::Syscall::NetFilterInstall, kFilterVa);
        const uint64_t id = value(environment);
        CHECK_EQUAL(Error::Ok, call(environment, abi::Syscall::Unmap, kFilterVa, 1));
        return std::make_pair(error, id);
    };
    auto [mine, id] = install(*a, 7);
    CHECK_EQUAL(Error::Ok, mine);
    CHECK_EQUAL(Error::Overlaps, install(*b, 7).first);  // a's port
    CHECK_EQUAL(Error::Ok, install(*b, 8).first);
    CHECK_EQUAL(Error::BadAddress, call(*a, abi::Syscall::NetFilterInstall, 0x10));
    CHECK_EQUAL(Error::NotOwner, call(*b, abi::Syscall::NetFilterRemove, id));
    CHECK_EQUAL(Error::NotOwner, call(*a, abi::Syscall::NetFilterRemove, id | (1ull << 40)));
    nic->arrive(udp_frame(1, 7, 30));
    nic->arrive(udp_frame(1, 8, 30));
    state().net.interrupt(state());
    auto got = received(*a);
    UNSIGNED_LONGS_EQUAL(1, got.size());
    UNSIGNED_LONGLONGS_EQUAL(id, got[0].first.filter);
    UNSIGNED_LONGS_EQUAL(1, received(*b).size());
    queue_frame(*a, 1, udp_frame(7, 1, 10));
    queue_frame(*a, 2, udp_frame(8, 1, 10));  // b's port
    UNSIGNED_LONGLONGS_EQUAL(2, submit(*a));
    state().net.interrupt(state());
    auto done = completions(*a);
    UNSIGNED_LONGS_EQUAL(2, done.size());
    // The refusal completes at once, at submission; the send when the device is done.
    UNSIGNED_LONGLONGS_EQUAL(2, done[0].tag);
    CHECK_EQUAL(Error::NotPermitted, static_cast<Error>(done[0].status));
    UNSIGNED_LONGLONGS_EQUAL(1, done[1].tag);
    CHECK_EQUAL(Error::Ok, static_cast<Error>(done[1].status));
    // Removed, the port is no longer a's: nothing delivered, nothing sent from it.
    CHECK_EQUAL(Error::Ok, call(*a, abi::Syscall::NetFilterRemove, id));
    nic->arrive(udp_frame(1, 7, 30));
    state().net.interrupt(state());
    UNSIGNED_LONGS_EQUAL(0, received(*a).size());
    queue_frame(*a, 3, udp_frame(7, 1, 10));
    UNSIGNED_LONGLONGS_EQUAL(1, submit(*a));
    CHECK_EQUAL(Error::NotPermitted, static_cast<Error>(completions(*a)[0].status));
    state().net.attach(nullptr, nullptr);
    CHECK_EQUAL(Error::NoNetwork, call(*a, abi::Syscall::NetFilterInstall, kFilterVa));
}
