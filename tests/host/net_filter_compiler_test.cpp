// The filter compiler's output, run on the RV64I emulator (tests/common/rv64_emulator.h), held
// to the reference interpreter on random filters and frames; what it costs as filters are added;
// what happens when it does not fit; and proof that the comparison catches wrong code.
#include <abi/net_filter.h>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/filter/packet_filters.h"
#include "tests/common/packet_filter_samples.h"
#include "tests/common/rv64_emulator.h"

#include <CppUTest/TestHarness.h>

inline SimpleString StringFrom(abi::Error error) { return SimpleString(abi::to_string(error)); }

using abi::Error;
using abi::PacketFilter;
using exo::Classification;
using exo::FilterId;
using exo::PacketFilters;
using filter_samples::Frame;
using filter_samples::Random;
using rv64_emulator::EmulatedFilterCode;

namespace {

constexpr uint8_t kUdp = abi::ip_protocol::kUdp;

// Filters installed from random draws, with the accepted ones kept for making frames.
struct RandomSet {
    std::unique_ptr<PacketFilters> filters = std::make_unique<PacketFilters>();
    std::vector<PacketFilter> installed;
    std::vector<FilterId> ids;
    std::vector<exo::EnvironmentSlot> owners;

    void fill(Random& random, int attempts) {
        for (int i = 0; i < attempts; ++i) {
            PacketFilter filter = filter_samples::random_filter(random);
            auto owner = static_cast<exo::EnvironmentSlot>(random.below(64));
            FilterId id;
            if (filters->install(owner, filter, id) != Error::Ok) continue;
            installed.push_back(filter);
            ids.push_back(id);
            owners.push_back(owner);
        }
    }
};

// Runs `frames` random frames for `set` through `code`; counts disagreements with the
// interpreter (a run that breaks an emulator rule disagrees too).
uint64_t disagreements(const RandomSet& set, const EmulatedFilterCode& code, Random& random,
                       int frames, uint64_t* matched = nullptr) {
    auto frame = std::make_unique<Frame>();
    uint64_t wrong = 0;
    for (int i = 0; i < frames; ++i) {
        filter_samples::random_frame(random, *frame, set.installed.data(),
                                     static_cast<uint32_t>(set.installed.size()));
        Classification expected = set.filters->interpret(frame->bytes, frame->length);
        Classification compiled = code.run(frame->bytes, frame->length);
        wrong += compiled == expected ? 0 : 1;
        if (matched != nullptr)
            *matched += expected.exclusive != 0 || expected.shared_owners != 0;
    }
    return wrong;
}

// `count` UDP port filters (ports 7000, 7003, ...), owners spread, on emulated code.
struct PortSet {
    std::unique_ptr<PacketFilters> filters = std::make_unique<PacketFilters>();
    EmulatedFilterCode code;

    explicit PortSet(uint32_t count) {
        CHECK(filters->attach_code(&code));
        FilterId id;
        for (uint32_t i = 0; i < count; ++i) {
            auto owner = static_cast<exo::EnvironmentSlot>(1 + i % 60);
            auto port = static_cast<uint16_t>(7000 + 3 * i);
            CHECK_EQUAL(Error::Ok,
                        filters->install(owner, filter_samples::port_filter(kUdp, port), id));
        }
    }

    // The emulated cost of a frame to the port of filter `index`.
    uint64_t cost(uint32_t index) {
        Frame frame = filter_samples::ipv4_frame(kUdp, static_cast<uint16_t>(7000 + 3 * index));
        Classification result = code.run(frame.bytes, frame.length);
        CHECK_EQUAL(0, code.failures());
        CHECK(result == filters->interpret(frame.bytes, frame.length));
        CHECK(result.exclusive != 0);
        return code.last_instructions();
    }
};

}  // namespace

TEST_GROUP(NetFilterCompiler) {};

TEST(NetFilterCompiler, NoFiltersAcceptNothing) {
    PacketFilters filters;
    EmulatedFilterCode code;
    CHECK(filters.attach_code(&code));
    CHECK(filters.compiled());
    Frame frame = filter_samples::ipv4_frame(kUdp, 1);
    CHECK(Classification{} == filters.classify(frame.bytes, frame.length));
    CHECK_EQUAL(0, code.failures());
    CHECK(filters.code_words() <= 4);
}

TEST(NetFilterCompiler, EveryInstallAndRemovalReloadsTheCode) {
    PacketFilters filters;
    EmulatedFilterCode code;
    CHECK(filters.attach_code(&code));
    FilterId id;
    CHECK_EQUAL(Error::Ok, filters.install(3, filter_samples::port_filter(kUdp, 9), id));
    Frame frame = filter_samples::ipv4_frame(kUdp, 9);
    CHECK_EQUAL(3, filters.exclusive_owner(filters.classify(frame.bytes, frame.length)));
    uint64_t loads = code.loads();
    CHECK_EQUAL(Error::Overlaps, filters.install(4, filter_samples::port_filter(kUdp, 9), id));
    CHECK_EQUAL(loads, code.loads());  // refused before compiling
    FilterId arp;
    CHECK_EQUAL(Error::Ok, filters.install(4, filter_samples::arp_filter(), arp));
    CHECK_EQUAL(Error::Ok, filters.remove(3, id));
    CHECK(Classification{} == filters.classify(frame.bytes, frame.length));
    CHECK_EQUAL(loads + 2, code.loads());
    CHECK_EQUAL(0, code.failures());
}

// The bench rows' counterparts (tests/qemu/selftests/net_filter.cpp measures them on QEMU,
// where the call into the code adds one instruction): the first port, the last and one between.
TEST(NetFilterCompiler, DemultiplexingCostGrowsWithTheTreesDepth) {
    uint64_t one = PortSet(1).cost(0);
    uint64_t sixteen = PortSet(16).cost(9);
    PortSet many(256);
    CHECK(one <= 29);
    CHECK(sixteen <= 49);
    CHECK(many.cost(200) <= 89);
    // Sixteen times the filters is four more levels of the binary search: a few instructions
    // each, nothing like sixteen times the cost.
    uint64_t worst = 0;
    for (uint32_t index = 0; index < 256; ++index) {
        uint64_t cost = many.cost(index);
        worst = cost > worst ? cost : worst;
    }
    CHECK(worst <= sixteen + 4 * 4);
    CHECK(worst <= one + 9 * 4);
}

TEST(NetFilterCompiler, CodeThatWouldNotFitIsRefusedAndChangesNothing) {
    PacketFilters filters;
    EmulatedFilterCode code(64);  // room for a few filters only
    CHECK(filters.attach_code(&code));
    FilterId id;
    uint16_t port = 1;
    Error error = Error::Ok;
    while (error == Error::Ok)
        error = filters.install(1, filter_samples::port_filter(kUdp, port++), id);
    CHECK_EQUAL(Error::TooLarge, error);
    uint32_t count = filters.count();
    CHECK(count > 0);
    CHECK(filters.compiled());
    for (uint16_t p = 1; p < port; ++p) {
        Frame frame = filter_samples::ipv4_frame(kUdp, p);
        Classification result = filters.classify(frame.bytes, frame.length);
        CHECK(result == filters.interpret(frame.bytes, frame.length));
        CHECK_EQUAL(p < port - 1 ? 1 : 0, filters.exclusive_owner(result) == 1 ? 1 : 0);
    }
    CHECK_EQUAL(0, code.failures());
}

TEST(NetFilterCompiler, TheCompilersOwnLimitRefusesTooLarge) {
    // Sixteen distinct atoms per filter, all different: no prefix shared past the first.
    PacketFilters filters;
    EmulatedFilterCode code;
    CHECK(filters.attach_code(&code));
    Random random(99);
    Error error = Error::Ok;
    uint32_t installed = 0;
    for (uint32_t i = 0; i < PacketFilters::kMaxFilters && error != Error::TooLarge; ++i) {
        PacketFilter filter = filter_samples::make_filter({abi::filter_atom(
            abi::FilterBase::Frame, 0, 4, i)});
        for (uint16_t k = 1; k < abi::kFilterMaxAtoms; ++k)
            filter.atoms[filter.atom_count++] =
                abi::filter_atom(abi::FilterBase::Frame, static_cast<uint16_t>(4 + 90 * k), 4,
                                 random.next());
        FilterId id;
        error = filters.install(static_cast<exo::EnvironmentSlot>(i / 60), filter, id);
        installed += error == Error::Ok ? 1 : 0;
    }
    CHECK_EQUAL(Error::TooLarge, error);
    CHECK(filters.code_words() > exo::FilterCompiler::kMaxWords * 9 / 10);
    CHECK_EQUAL(installed, filters.count());
}

TEST(NetFilterCompiler, FarBranchesTakeTheirLongForm) {
    // 200 ports, each with three more transport fields after the port: the binary search's
    // first branch jumps over half of the children's code, beyond a branch's +-4 KiB.
    Random random(5);
    RandomSet set;
    EmulatedFilterCode code;
    CHECK(set.filters->attach_code(&code));
    for (uint16_t i = 0; i < 200; ++i) {
        PacketFilter filter = filter_samples::port_filter(kUdp, static_cast<uint16_t>(6000 + i));
        for (uint16_t offset : {4, 8, 12}) {
            filter.atoms[filter.atom_count++] =
                abi::filter_atom(abi::FilterBase::Transport, offset, 4, random.below(3));
        }
        FilterId id;
        CHECK_EQUAL(Error::Ok,
                    set.filters->install(static_cast<exo::EnvironmentSlot>(i % 8), filter, id));
        set.installed.push_back(filter);
    }
    CHECK(set.filters->code_words() > 2048);
    // A long branch is the inverted condition over 8 bytes (imm[4:1] = 4), then a jal.
    uint32_t long_branches = 0;
    const std::vector<uint32_t>& words = code.words();
    for (size_t i = 0; i + 1 < words.size(); ++i) {
        if ((words[i] & 0x7f) == 0x63 && (words[i] & 0xfe000f80) == 0x00000400 &&
            (words[i + 1] & 0xfff) == 0x06f)
            ++long_branches;
    }
    CHECK(long_branches > 0);
    uint64_t matched = 0;
    CHECK_EQUAL(0, disagreements(set, code, random, 5000, &matched));
    CHECK(matched > 500);
}

TEST(NetFilterCompiler, TheFramesAddressAndAlignmentDoNotMatter) {
    Random random(17);
    RandomSet set;
    EmulatedFilterCode code;
    CHECK(set.filters->attach_code(&code));
    set.fill(random, 80);
    for (uint64_t address : {0x1000ull, 0xffffffc080200001ull, 0xffffffc080200003ull,
                             0x7ffffffffffff000ull}) {
        code.set_guest_packet(address);
        CHECK_EQUAL(0, disagreements(set, code, random, 500));
    }
}

TEST_GROUP(NetFilterDifferential) {};

// The host-side check: compiled code (emulated) against the interpreter, on random
// filter sets and random, mutated and truncated frames: 400 sets, 120,000 frames.
TEST(NetFilterDifferential, CompiledCodeDecidesAsTheInterpreter) {
    Random random(0xd1ff);
    uint64_t frames = 0, matched = 0, wrong = 0, installed = 0;
    for (int round = 0; round < 400; ++round) {
        RandomSet set;
        EmulatedFilterCode code;
        CHECK(set.filters->attach_code(&code));
        set.fill(random, 1 + static_cast<int>(random.below(80)));
        installed += set.installed.size();
        wrong += disagreements(set, code, random, 250, &matched);
        frames += 250;
        // Take some away again: the smaller tree must still decide the same.
        for (size_t i = 0; i < set.ids.size(); i += 3)
            CHECK_EQUAL(Error::Ok, set.filters->remove(set.owners[i], set.ids[i]));
        CHECK(set.filters->compiled());
        wrong += disagreements(set, code, random, 50);
        frames += 50;
        if (code.failures() != 0) FAIL(code.last_error().c_str());
    }
    CHECK_EQUAL(0, wrong);
    CHECK_EQUAL(120'000, frames);
    CHECK(installed > 400 * 10);
    CHECK(matched > frames / 4);  // the frames reach the filters
}

// A compiled tree with one instruction changed must be caught by the same comparison: these are
// the mistakes a compiler could make (a bound not checked, a comparison turned round, a
// register left holding a value, the wrong constant), each made on purpose.
TEST(NetFilterDifferential, WrongCodeIsCaught) {
    Random random(0xbad);
    RandomSet set;
    EmulatedFilterCode code;
    CHECK(set.filters->attach_code(&code));
    for (uint16_t port = 0; port < 16; ++port) {
        FilterId id;
        CHECK_EQUAL(Error::Ok, set.filters->install(
                                   1 + port, filter_samples::port_filter(kUdp, 5000 + port), id));
        set.installed.push_back(filter_samples::port_filter(kUdp, 5000 + port));
    }
    CHECK_EQUAL(0, disagreements(set, code, random, 2000));
    const std::vector<uint32_t> good = code.words();
    auto caught = [&](size_t at, uint32_t word) {
        std::vector<uint32_t> bad = good;
        bad[at] = word;
        EmulatedFilterCode mutant;
        CHECK(mutant.load(bad.data(), bad.size()));
        if (disagreements(set, mutant, random, 1000) != 0) return true;
        // The edges, each port at every IHL and every length around its end.
        for (uint16_t port = 5000; port < 5016; ++port) {
            for (uint8_t ihl = 0; ihl < 16; ++ihl) {
                uint64_t end = 14 + 4u * ihl + 4;
                for (uint64_t length : {uint64_t{0}, uint64_t{14}, uint64_t{33}, uint64_t{38},
                                        uint64_t{64}, end - 1, end}) {
                    Frame frame = filter_samples::ipv4_frame(kUdp, port, length, ihl);
                    if (!(mutant.run(frame.bytes, length) ==
                          set.filters->interpret(frame.bytes, length)))
                        return true;
                }
            }
        }
        return false;
    };
    constexpr uint32_t kNop = 0x00000013;
    uint32_t mutants = 0;
    for (size_t i = 0; i < good.size(); ++i) {
        uint32_t word = good[i];
        bool is_branch = (word & 0x7f) == 0x63;
        uint32_t funct3 = word >> 12 & 7, rs1 = word >> 15 & 31;
        if (is_branch && funct3 == 6 && (rs1 == 11 || rs1 == 7)) {  // a length or IHL bound
            CHECK(caught(i, kNop));
            ++mutants;
        }
        if (is_branch) {  // the condition turned round (bne/beq, bltu/bgeu)
            CHECK(caught(i, word ^ 0x1000));
            ++mutants;
        }
        if (word == 0x00000293 || word == 0x00000313 || word == 0x00000393) {  // li t0..t2, 0
            CHECK(caught(i, kNop));
            ++mutants;
        }
        if ((word & 0x7f) == 0x37 && (word >> 7 & 31) == 6) {  // lui t1: a port's constant
            CHECK(caught(i, word ^ 0x1000));
            ++mutants;
        }
    }
    CHECK(mutants > 40);
}
