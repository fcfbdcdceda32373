// The installed filters (net/filter/packet_filters.h) without compiled code: the overlap check
// against the attacks it exists for, ids and limits, refusals that change nothing, port claims,
// and the merged tree's decision against the interpreter's.
#include <abi/net_filter.h>
#include <cstdint>
#include <memory>

#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"

#include <CppUTest/TestHarness.h>

inline SimpleString StringFrom(abi::Error error) { return SimpleString(abi::to_string(error)); }

using abi::Error;
using abi::FilterAtom;
using abi::FilterBase;
using abi::PacketFilter;
using exo::Classification;
using exo::FilterId;
using exo::PacketFilters;
using filter_samples::Frame;
using filter_samples::make_filter;
using filter_samples::port_filter;

namespace {

constexpr uint8_t kUdp = abi::ip_protocol::kUdp;
constexpr uint8_t kTcp = abi::ip_protocol::kTcp;
constexpr exo::EnvironmentSlot kAlice = 1, kMallory = 2, kCarol = 40;

FilterAtom frame_atom(uint16_t offset, uint8_t size, uint32_t value, uint32_t mask = 0) {
    return abi::filter_atom(FilterBase::Frame, offset, size, value, mask);
}
FilterAtom transport_atom(uint16_t offset, uint8_t size, uint32_t value, uint32_t mask = 0) {
    return abi::filter_atom(FilterBase::Transport, offset, size, value, mask);
}

PacketFilter with(PacketFilter filter, FilterAtom atom) {
    filter.atoms[filter.atom_count++] = atom;
    return filter;
}

}  // namespace

TEST_GROUP(NetFilterOverlap) {
    std::unique_ptr<PacketFilters> filters = std::make_unique<PacketFilters>();
    FilterId id = 0;

    Error install(exo::EnvironmentSlot owner, const PacketFilter& filter) {
        return filters->install(owner, filter, id);
    }
};

TEST(NetFilterOverlap, ThePortIsTakenByTheFirst) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::Overlaps, install(kMallory, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::Ok, install(kMallory, port_filter(kUdp, 54)));
    CHECK_EQUAL(Error::Ok, install(kMallory, port_filter(kTcp, 53)));
    CHECK_EQUAL(2, filters->count(kMallory));
}

TEST(NetFilterOverlap, AMoreSpecificFilterCannotStealPartOfAnothersTraffic) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    // The same port from one source address only: still Alice's traffic.
    CHECK_EQUAL(Error::Overlaps, install(kMallory, with(port_filter(kUdp, 53),
                                                    frame_atom(26, 4, 0x0a000202))));
    // A source port and the destination port in one word.
    CHECK_EQUAL(Error::Overlaps,
                install(kMallory, make_filter({abi::ipv4_atom(), abi::protocol_atom(kUdp),
                                               transport_atom(0, 4, 0x1f900035)})));
}

TEST(NetFilterOverlap, ALessSpecificFilterCannotTakeItEither) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::Overlaps, install(kMallory, make_filter({abi::ipv4_atom()})));
    CHECK_EQUAL(Error::Overlaps, install(kMallory, make_filter({frame_atom(23, 1, kUdp)})));
    // Every port whose high byte is 0.
    CHECK_EQUAL(Error::Overlaps, install(kMallory, make_filter({abi::ipv4_atom(),
                                                            transport_atom(2, 2, 0, 0xff00)})));
}

TEST(NetFilterOverlap, PartialBytesOverlapUnlessACommonBitDiffers) {
    CHECK_EQUAL(Error::Ok, install(kAlice, make_filter({frame_atom(30, 1, 0x10, 0xf0)})));
    // Low nibble against high nibble: 0x15 matches both.
    CHECK_EQUAL(Error::Overlaps, install(kMallory, make_filter({frame_atom(30, 1, 0x05, 0x0f)})));
    // Bit 5: Alice needs it clear, this needs it set.
    CHECK_EQUAL(Error::Ok, install(kMallory, make_filter({frame_atom(30, 1, 0x20, 0x30)})));
    // A halfword over byte 30 that agrees with Alice's nibble in its first byte.
    CHECK_EQUAL(Error::Overlaps, install(kCarol, make_filter({frame_atom(29, 2, 0x0019, 0x00ff)})));
    CHECK_EQUAL(Error::Ok, install(kCarol, make_filter({frame_atom(29, 2, 0x0009, 0x00ff)})));
}

TEST(NetFilterOverlap, WidthsMeetByteByByte) {
    CHECK_EQUAL(Error::Ok, install(kAlice, make_filter({frame_atom(12, 2, 0x0800)})));
    CHECK_EQUAL(Error::Ok, install(kMallory, make_filter({frame_atom(13, 1, 0x06)})));
    CHECK_EQUAL(Error::Overlaps, install(kCarol, make_filter({frame_atom(10, 4, 0x00000800,
                                                                     0x0000ffff)})));
}

TEST(NetFilterOverlap, DifferentBasesMayAlias) {
    // IHL 6 puts Alice's port at frame bytes 40..41; Mallory's frame bytes 36..37 are then the
    // IP options: one frame matches both, so they are not disjoint.
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    PacketFilter aliasing = make_filter({abi::ipv4_atom(), frame_atom(36, 2, 54)});
    CHECK_EQUAL(Error::Overlaps, install(kMallory, aliasing));
    Frame frame = filter_samples::ipv4_frame(kUdp, 53, 64, 6);
    frame.put(36, 54, 2);
    Classification both = filters->interpret(frame.bytes, frame.length);
    CHECK_EQUAL(kAlice, filters->exclusive_owner(both));
    PacketFilters alone;
    CHECK_EQUAL(Error::Ok, alone.install(kMallory, aliasing, id));
    CHECK_EQUAL(kMallory, alone.exclusive_owner(alone.interpret(frame.bytes, frame.length)));
}

TEST(NetFilterOverlap, OwnOverlappingExclusiveFiltersAreRefusedToo) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::AlreadyExists, install(kAlice, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::AlreadyExists, install(kAlice, make_filter({abi::ipv4_atom()})));
}

TEST(NetFilterOverlap, SharedFiltersOverlapEachOther) {
    CHECK_EQUAL(Error::Ok, install(kAlice, filter_samples::arp_filter()));
    CHECK_EQUAL(Error::Ok, install(kMallory, filter_samples::arp_filter()));
    CHECK_EQUAL(Error::Ok, install(kCarol, filter_samples::arp_filter()));
    Frame frame;
    frame.length = 42;
    frame.put(12, abi::ethertype::kArp, 2);
    Classification result = filters->walk(frame.bytes, frame.length);
    CHECK_EQUAL(0, result.exclusive);
    CHECK_EQUAL(uint64_t{1} << kAlice | uint64_t{1} << kMallory | uint64_t{1} << kCarol,
                result.shared_owners);
}

TEST(NetFilterOverlap, ASharedFilterCannotCopyAnothersUnicastTraffic) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    PacketFilter sniffer = port_filter(kUdp, 53);
    sniffer.flags = abi::filter_flag::kShared;
    CHECK_EQUAL(Error::Overlaps, install(kMallory, sniffer));
    PacketFilter everything = make_filter({abi::ipv4_atom()}, true);
    CHECK_EQUAL(Error::Overlaps, install(kMallory, everything));
    // Nor by coming first: then the port cannot be had exclusively by anyone else.
    PacketFilter early = port_filter(kUdp, 99);
    early.flags = abi::filter_flag::kShared;
    CHECK_EQUAL(Error::Ok, install(kMallory, early));
    CHECK_EQUAL(Error::Overlaps, install(kCarol, port_filter(kUdp, 99)));
    // Its own traffic an environment may copy.
    CHECK_EQUAL(Error::Ok, install(kAlice, everything));
}

TEST(NetFilterOverlap, GroupAddressedSharedFiltersOverlapAnything) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 68)));
    CHECK_EQUAL(Error::Ok, install(kMallory, filter_samples::broadcast_filter()));
    PacketFilter multicast = make_filter({frame_atom(0, 1, 0x01, 0x01)}, true);
    CHECK_EQUAL(Error::Ok, install(kCarol, multicast));
    CHECK_EQUAL(Error::Ok, install(kCarol, port_filter(kUdp, 67)));
    Frame frame = filter_samples::ipv4_frame(kUdp, 68);
    frame.put(0, 0xffffffff, 4);
    frame.put(4, 0xffff, 2);
    Classification result = filters->walk(frame.bytes, frame.length);
    CHECK_EQUAL(kAlice, filters->exclusive_owner(result));
    CHECK_EQUAL(uint64_t{1} << kMallory | uint64_t{1} << kCarol, result.shared_owners);
    CHECK(result == filters->interpret(frame.bytes, frame.length));
}

TEST(NetFilterOverlap, RemovingAFilterReleasesItsTraffic) {
    CHECK_EQUAL(Error::Ok, install(kAlice, port_filter(kUdp, 53)));
    FilterId alice = id;
    CHECK_EQUAL(Error::Overlaps, install(kMallory, port_filter(kUdp, 53)));
    CHECK_EQUAL(Error::Ok, filters->remove(kAlice, alice));
    CHECK_EQUAL(Error::Ok, install(kMallory, port_filter(kUdp, 53)));
}

TEST_GROUP(NetFilterTable) {
    std::unique_ptr<PacketFilters> filters = std::make_unique<PacketFilters>();
    FilterId id = 0;
};

TEST(NetFilterTable, IdsNameOneFilterOfOneOwner) {
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, port_filter(kUdp, 1), id));
    FilterId first = id;
    CHECK(first != 0);
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, port_filter(kUdp, 2), id));
    CHECK(id != first);
    CHECK_EQUAL(Error::NotOwner, filters->remove(kMallory, first));
    CHECK_EQUAL(Error::NotOwner, filters->remove(exo::kNoEnvironment, first));
    CHECK_EQUAL(Error::NotOwner, filters->remove(kAlice, 0));
    CHECK_EQUAL(Error::NotOwner, filters->remove(kAlice, 0xffff));
    CHECK_EQUAL(Error::NotOwner, filters->remove(kAlice, first + 0x10000));  // wrong generation
    CHECK_EQUAL(Error::Ok, filters->remove(kAlice, first));
    CHECK_EQUAL(Error::NotOwner, filters->remove(kAlice, first));
    // The entry is used again; the old id still names nothing.
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, port_filter(kUdp, 3), id));
    CHECK_EQUAL(first & 0xffff, id & 0xffff);
    CHECK(id != first);
    CHECK_EQUAL(Error::NotOwner, filters->remove(kAlice, first));
    CHECK_EQUAL(2, filters->count());
}

TEST(NetFilterTable, TheClassificationNamesTheFilterAndItsOwner) {
    CHECK_EQUAL(Error::Ok, filters->install(kCarol, port_filter(kTcp, 80), id));
    Frame frame = filter_samples::ipv4_frame(kTcp, 80);
    Classification result = filters->walk(frame.bytes, frame.length);
    CHECK_EQUAL(kCarol, filters->exclusive_owner(result));
    CHECK_EQUAL(id, filters->exclusive_filter(result));
    Classification none = filters->walk(frame.bytes, 20);
    CHECK_EQUAL(exo::kNoEnvironment, filters->exclusive_owner(none));
    CHECK_EQUAL(0, filters->exclusive_filter(none));
    CHECK_EQUAL(exo::kNoEnvironment, filters->exclusive_owner({~uint64_t{0}, 0}));
}

TEST(NetFilterTable, OwnersAreEnvironmentSlots) {
    CHECK_EQUAL(Error::InvalidArgument,
                filters->install(PacketFilters::kMaxOwners, port_filter(kUdp, 1), id));
    CHECK_EQUAL(Error::InvalidArgument,
                filters->install(exo::kNoEnvironment, port_filter(kUdp, 1), id));
    CHECK_EQUAL(Error::Ok, filters->install(63, port_filter(kUdp, 1), id));
}

TEST(NetFilterTable, AVerifierRefusalSaysWhichRule) {
    PacketFilter filter = port_filter(kUdp, 1);
    filter.atoms[2].size = 3;
    CHECK_EQUAL(Error::InvalidArgument, filters->install(kAlice, filter, id));
    CHECK(filters->last_fault() == exo::FilterFault::Size);
    CHECK_EQUAL(0, filters->count());
}

TEST(NetFilterTable, AnOwnerHasAShareAndTheTableALimit) {
    uint16_t port = 1;
    auto next = [&] { return port_filter(kUdp, port++); };
    for (uint32_t i = 0; i < PacketFilters::kMaxFiltersPerOwner; ++i) {
        PacketFilter filter = next();
        CHECK_EQUAL(Error::Ok, filters->install(kAlice, filter, id));
    }
    PacketFilter one_more = next();
    CHECK_EQUAL(Error::TooMany, filters->install(kAlice, one_more, id));
    exo::EnvironmentSlot owner = 10;
    while (filters->count() < PacketFilters::kMaxFilters) {
        if (filters->count(owner) == PacketFilters::kMaxFiltersPerOwner) ++owner;
        PacketFilter filter = next();
        CHECK_EQUAL(Error::Ok, filters->install(owner, filter, id));
    }
    one_more = next();
    CHECK_EQUAL(Error::TooMany, filters->install(20, one_more, id));
    filters->remove_all(kAlice);
    CHECK_EQUAL(PacketFilters::kMaxFilters - PacketFilters::kMaxFiltersPerOwner,
                filters->count());
    CHECK_EQUAL(0, filters->count(kAlice));
    CHECK_EQUAL(Error::Ok, filters->install(20, one_more, id));
}

TEST(NetFilterTable, ARefusedInstallChangesNothing) {
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, port_filter(kUdp, 53), id));
    Frame frame = filter_samples::ipv4_frame(kUdp, 53);
    Classification before = filters->walk(frame.bytes, frame.length);
    CHECK_EQUAL(Error::Overlaps, filters->install(kMallory, port_filter(kUdp, 53), id));
    CHECK_EQUAL(1, filters->count());
    CHECK_EQUAL(0, filters->count(kMallory));
    CHECK(before == filters->walk(frame.bytes, frame.length));
    CHECK_EQUAL(kAlice, filters->exclusive_owner(before));
}

TEST_GROUP(NetFilterClaims) {
    std::unique_ptr<PacketFilters> filters = std::make_unique<PacketFilters>();
    FilterId id = 0;
};

TEST(NetFilterClaims, AnExclusivePortFilterClaimsItsPort) {
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, port_filter(kUdp, 5000), id));
    CHECK(filters->claims(kAlice, kUdp, 5000));
    CHECK_FALSE(filters->claims(kAlice, kUdp, 5001));
    CHECK_FALSE(filters->claims(kAlice, kTcp, 5000));
    CHECK_FALSE(filters->claims(kMallory, kUdp, 5000));
    CHECK_FALSE(filters->claims(exo::kNoEnvironment, kUdp, 5000));
    CHECK_EQUAL(Error::Ok, filters->remove(kAlice, id));
    CHECK_FALSE(filters->claims(kAlice, kUdp, 5000));
}

TEST(NetFilterClaims, HoweverTheBytesAreSpelled) {
    // Ethertype as two bytes, the port inside a word with the source port.
    PacketFilter filter = make_filter({frame_atom(12, 1, 0x08), frame_atom(13, 1, 0x00),
                                       frame_atom(20, 4, kUdp, 0xff),
                                       transport_atom(0, 4, 0x00001388, 0x0000ffff)});
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, filter, id));
    CHECK(filters->claims(kAlice, kUdp, 5000));
}

TEST(NetFilterClaims, PartialOrSharedFiltersClaimNothing) {
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, make_filter({abi::ipv4_atom(),
                                                                 abi::protocol_atom(kUdp)}), id));
    CHECK_FALSE(filters->claims(kAlice, kUdp, 0));
    filters->remove_all(kAlice);
    CHECK_EQUAL(Error::Ok, filters->install(kAlice, make_filter({abi::ipv4_atom(),
                                                                 abi::protocol_atom(kUdp),
                                                                 transport_atom(2, 2, 0x1300,
                                                                                0xff00)}), id));
    CHECK_FALSE(filters->claims(kAlice, kUdp, 0x1388));
    CHECK_FALSE(filters->claims(kAlice, kUdp, 0x1300));
    PacketFilter shared = port_filter(kUdp, 7);
    shared.flags = abi::filter_flag::kShared;
    CHECK_EQUAL(Error::Ok, filters->install(kMallory, shared, id));
    CHECK_FALSE(filters->claims(kMallory, kUdp, 7));
}

// The claims' index answers as a walk of every filter does, through random installs, removals
// and environments' ends, for every protocol and the ports the filters use.
TEST(NetFilterClaims, TheIndexAnswersAsTheWalk) {
    filter_samples::Random random(0xc1a1);
    static constexpr uint8_t kProtocols[] = {kUdp, kTcp, abi::ip_protocol::kIcmp};
    uint64_t claimed = 0;
    for (int round = 0; round < 40; ++round) {
        FilterId ids[128] = {};
        exo::EnvironmentSlot owners[128] = {};
        uint32_t count = 0;
        for (int step = 0; step < 300; ++step) {
            const uint32_t action = random.below(10);
            if (action < 6 || count == 0) {
                auto owner = static_cast<exo::EnvironmentSlot>(random.below(6));
                FilterId id;
                if (filters->install(owner, filter_samples::random_filter(random), id) ==
                        Error::Ok &&
                    count < 128) {
                    ids[count] = id;
                    owners[count++] = owner;
                }
            } else if (action < 9) {
                const uint32_t which = random.below(count);
                CHECK_EQUAL(Error::Ok, filters->remove(owners[which], ids[which]));
                ids[which] = ids[--count];
                owners[which] = owners[count];
            } else {
                filters->remove_all(static_cast<exo::EnvironmentSlot>(random.below(6)));
                count = 0;
                for (exo::EnvironmentSlot owner = 0; owner < 6; ++owner) filters->remove_all(owner);
            }
            for (exo::EnvironmentSlot owner = 0; owner < 6; ++owner) {
                for (uint8_t protocol : kProtocols) {
                    for (uint16_t port = 4999; port < 5013; ++port) {
                        const bool walked = filters->claims_walked(owner, protocol, port);
                        CHECK_EQUAL(walked, filters->claims(owner, protocol, port));
                        claimed += walked;
                    }
                }
            }
        }
        for (exo::EnvironmentSlot owner = 0; owner < 6; ++owner) filters->remove_all(owner);
    }
    CHECK(claimed > 1000);  // the filters do claim ports, or the comparison says little
}

TEST_GROUP(NetFilterTree) {};

// The tree walked in C++ decides as the interpreter does, over many random filter sets and
// frames (the compiled code is held to the same in the differential group).
TEST(NetFilterTree, TheMergedTreeDecidesAsEveryFilterOneByOne) {
    filter_samples::Random random(0x7eee);
    auto frame = std::make_unique<Frame>();
    uint64_t matched = 0, compared = 0;
    for (int set = 0; set < 200; ++set) {
        auto filters = std::make_unique<PacketFilters>();
        PacketFilter installed[64];
        uint32_t count = 0;
        for (int attempt = 0; attempt < 64; ++attempt) {
            PacketFilter filter = filter_samples::random_filter(random);
            FilterId id;
            if (filters->install(static_cast<exo::EnvironmentSlot>(random.below(64)), filter,
                                 id) == Error::Ok)
                installed[count++] = filter;
        }
        for (int i = 0; i < 200; ++i) {
            filter_samples::random_frame(random, *frame, installed, count);
            Classification expected = filters->interpret(frame->bytes, frame->length);
            Classification walked = filters->walk(frame->bytes, frame->length);
            CHECK(expected == walked);
            matched += expected.exclusive != 0 || expected.shared_owners != 0;
            ++compared;
        }
    }
    // The frames must reach the filters, or the comparison says little.
    CHECK(matched > compared / 4);
}
