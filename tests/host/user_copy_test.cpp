// Host tests for kernel/user_copy: the kernel copies user memory only from and to RAM the
// caller may access (its own frames, or frames granted to it with the needed permission), never
// from a device page or any frame the page table names but the frame table does not back; and the
// pure decision that lets a fault inside the copy routine return an error instead of panicking.
#include <cstring>

#include "arch/riscv64/guarded_copy.h"
#include "memory/user_copy.h"

#include "kernel_test_names.h" // last: it brings CppUTest

namespace {

using exo::UserAccess;

constexpr uint64_t kVa = 0x2000'0000;
// A device window outside the fake RAM, as on the boards (QEMU virt's RTC page).
constexpr uint64_t kDevicePfn = 0x101;

} // namespace

TEST_GROUP(UserCopy) {
    FakeMachine machine;
    MemorySystem memory = machine.memory();
    Environment* a = nullptr;
    Environment* b = nullptr;

    void setup() override {
        a = &machine.make_environment(8);
        b = &machine.make_environment(8);
        machine.state.interrupts.add_device(abi::DeviceKind::GoldfishRtc, {kDevicePfn << 12, kPage},
                                            11);
        CHECK_EQUAL(Error::Ok, machine.state.interrupts.claim(0, FakeMachine::slot(*a)));
    }
    void teardown() override {
        // The kernel never reached outside RAM for a user copy.
        UNSIGNED_LONGLONGS_EQUAL(0, machine.bad_frame_accesses);
        STRCMP_EQUAL("", machine.audit_problems().c_str());
    }

    uint64_t map_own(uint64_t va, uint64_t permissions = kRW) {
        uint64_t pfn = machine.allocate(*a);
        CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, va, pfn, 1, permissions));
        return pfn;
    }
    void map_device(uint64_t va) {
        CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, va, kDevicePfn, 1, kRW));
    }
    Error read(uint64_t va, void* out, size_t size) {
        return exo::copy_from_user(machine.state, *a, va, out, size);
    }
    Error write(uint64_t va, const void* in, size_t size) {
        return exo::copy_to_user(machine.state, *a, va, in, size);
    }
    bool allowed(uint64_t va, UserAccess access) {
        return exo::user_page_frame(memory, a->space, va, access).has_value();
    }
    // A's level-0 entry for `va`, to forge what Map would never write.
    sv39::Entry& leaf(uint64_t va) {
        auto* root = machine.frame_as<sv39::Entry>(a->space.root_pfn);
        auto* middle = machine.frame_as<sv39::Entry>(root[sv39::index_at(va, 2)].pfn());
        auto* last = machine.frame_as<sv39::Entry>(middle[sv39::index_at(va, 1)].pfn());
        return last[sv39::index_at(va, 0)];
    }
};

TEST(UserCopy, OwnRamIsCopiedBothWays) {
    uint64_t first = map_own(kVa);
    uint64_t second = map_own(kVa + kPage);
    std::memcpy(machine.frame(first) + kPage - 3, "abc", 3);
    std::memcpy(machine.frame(second), "def", 3);
    char text[7] = {};
    CHECK_EQUAL(Error::Ok, read(kVa + kPage - 3, text, 6)); // across the two pages
    STRCMP_EQUAL("abcdef", text);
    CHECK_EQUAL(Error::Ok, write(kVa + kPage - 2, "XYZW", 4));
    CHECK(std::memcmp(machine.frame(first) + kPage - 2, "XY", 2) == 0);
    CHECK(std::memcmp(machine.frame(second), "ZW", 2) == 0);
}

TEST(UserCopy, AClaimedDevicePageIsNeverTouched) {
    map_device(kVa);
    // The page table says valid, user, readable, writable: the mapping is real...
    uint64_t entry = machine.read_entry(*a, kVa);
    UNSIGNED_LONGLONGS_EQUAL(pte::kValid | pte::kUser | pte::kRead | pte::kWrite,
                             entry & (pte::kValid | pte::kUser | pte::kRead | pte::kWrite));
    // ...but the frame is no RAM: every copy is refused, at every offset and length.
    CHECK_FALSE(allowed(kVa, UserAccess::Read));
    CHECK_FALSE(allowed(kVa + 0x100, UserAccess::Write));
    uint64_t words[35] = {};
    CHECK_EQUAL(Error::BadAddress, read(kVa, words, sizeof(words)));
    CHECK_EQUAL(Error::BadAddress, read(kVa + 0x100, words, 1));
    CHECK_EQUAL(Error::BadAddress, read(kVa + kPage - 1, words, 1));
    CHECK_EQUAL(Error::BadAddress, write(kVa, words, 8));
}

TEST(UserCopy, ABufferRunningFromRamIntoADevicePageIsRefusedAndWritesNothing) {
    uint64_t ram = map_own(kVa);
    map_device(kVa + kPage);
    char text[16] = {};
    CHECK_EQUAL(Error::BadAddress, read(kVa + kPage - 8, text, sizeof(text)));
    FakeMachine::Snapshot before = machine.snapshot();
    CHECK_EQUAL(Error::BadAddress, write(kVa + kPage - 8, "0123456789abcdef", 16));
    STRCMP_EQUAL("", machine.changes_since(before).c_str());
    (void)ram;
}

TEST(UserCopy, PageTablePermissionsAreRequired) {
    map_own(kVa, permission::kRead);
    char byte = 0;
    CHECK_EQUAL(Error::Ok, read(kVa, &byte, 1));
    CHECK_EQUAL(Error::BadAddress, write(kVa, &byte, 1)); // read-only
    CHECK_EQUAL(Error::Ok, address_space::protect(memory, a->space, kVa, 1, 0));
    CHECK_EQUAL(Error::BadAddress, read(kVa, &byte, 1));         // no access (V clear)
    CHECK_EQUAL(Error::BadAddress, read(kVa + kPage, &byte, 1)); // nothing mapped
    CHECK_EQUAL(Error::BadAddress, read(0, &byte, 1));
    CHECK_EQUAL(Error::BadAddress, read(abi::kUserTop, &byte, 1));     // kernel half
    CHECK_EQUAL(Error::BadAddress, read(abi::kUserTop - 1, &byte, 2)); // running into it
    CHECK_EQUAL(Error::BadAddress, read(~uint64_t{0} - 2, &byte, 8));  // wrapping
}

TEST(UserCopy, GrantedFramesNeedTheGrantsPermission) {
    uint64_t theirs = machine.allocate(*b);
    std::memcpy(machine.frame(theirs), "shared", 7);
    CHECK_EQUAL(Error::Ok, machine.state.grants.add(theirs, FakeMachine::slot(*b),
                                                    FakeMachine::slot(*a), permission::kRead));
    CHECK_EQUAL(Error::Ok, address_space::map(memory, a->space, kVa, theirs, 1, permission::kRead));
    char text[7] = {};
    CHECK_EQUAL(Error::Ok, read(kVa, text, sizeof(text)));
    STRCMP_EQUAL("shared", text);
    // Forged write permission in the entry: the grant still says read only.
    leaf(kVa).raw |= pte::kWrite;
    CHECK_FALSE(allowed(kVa, UserAccess::Write));
    CHECK_EQUAL(Error::BadAddress, write(kVa, "x", 1));
    leaf(kVa).raw &= ~pte::kWrite;
    // The grant gone but the entry left behind (what GrantRevoke never leaves): refused.
    CHECK(machine.state.grants.remove(theirs, FakeMachine::slot(*a)));
    CHECK_EQUAL(Error::BadAddress, read(kVa, text, 1));
    CHECK(machine.state.grants.add(theirs, FakeMachine::slot(*b), FakeMachine::slot(*a), kRW) ==
          Error::Ok);
    CHECK_EQUAL(Error::Ok, read(kVa, text, 1));
    leaf(kVa).raw |= pte::kWrite;
    CHECK_EQUAL(Error::Ok, write(kVa, "X", 1));
    CHECK_EQUAL('X', static_cast<char>(machine.frame(theirs)[0]));
}

TEST(UserCopy, EntriesNamingFramesThatAreNotTheCallersRamAreRefused) {
    uint64_t own = map_own(kVa);
    sv39::Entry original = leaf(kVa);
    uint64_t theirs = machine.allocate(*b);
    const uint64_t forged[] = {
        machine.kernel_pfn(),         // the kernel image
        machine.reserved_pfn(),       // firmware
        machine.device_pfn(),         // a frame the table lists as a device window
        machine.first_usable() + 300, // free
        theirs,                       // another's, not granted
        b->space.root_pfn,            // another's page table
        a->space.root_pfn,            // our own page table
        a->space.table_reserve[0],    // our own donated table frame
        kDevicePfn,                   // outside RAM
        FakeMachine::kFirstPfn - 1,
        machine.end_pfn(),
    };
    for (uint64_t pfn : forged) {
        leaf(kVa).raw = (original.raw & ((uint64_t{1} << sv39::pte::kPfnShift) - 1)) |
                        (pfn << sv39::pte::kPfnShift);
        CHECK_FALSE_TEXT(allowed(kVa, UserAccess::Read), "a forged entry was let through");
        char byte = 0;
        CHECK_EQUAL(Error::BadAddress, read(kVa, &byte, 1));
        CHECK_EQUAL(Error::BadAddress, write(kVa, &byte, 1));
    }
    leaf(kVa) = original;
    CHECK(*exo::user_page_frame(memory, a->space, kVa, UserAccess::Write) == own);
}

TEST(UserCopy, TheKernelsOwnPagesForTheCallerAreReadable) {
    // The shared info page is the caller's frame, mapped read-only by the kernel; a library OS may
    // hand ResumeContext a state kept in it.
    uint64_t shared = machine.allocate(*a);
    CHECK_EQUAL(Error::Ok, address_space::map_for_kernel(memory, a->space, kVa, shared,
                                                         pte::kValid | pte::kUser | pte::kRead |
                                                             pte::kAccessed));
    machine.entry(shared).flags |= frame_flag::kSharedInfo;
    a->shared_info_pfn = shared; // what the audit expects of a shared page
    char byte = 0;
    CHECK_EQUAL(Error::Ok, read(kVa, &byte, 1));
    CHECK_EQUAL(Error::BadAddress, write(kVa, &byte, 1));
}

TEST_GROUP(GuardedCopyFixup) {
    static constexpr riscv::CodeRange kCopy{0x1000, 0x1040};
    static constexpr uint64_t kFixup = 0x1040;
    static std::optional<uint64_t> fixup(riscv::Exception cause, uint64_t pc) {
        return riscv::guarded_copy_fixup(static_cast<uint64_t>(cause), pc, kCopy, kFixup);
    }
};

TEST(GuardedCopyFixup, LoadAndStoreFaultsInsideTheCopyResumeAtTheFixup) {
    using riscv::Exception;
    for (Exception cause :
         {Exception::LoadMisaligned, Exception::LoadAccessFault, Exception::StoreMisaligned,
          Exception::StoreAccessFault, Exception::LoadPageFault, Exception::StorePageFault}) {
        for (uint64_t pc : {kCopy.begin, kCopy.begin + 2, kCopy.end - 2}) {
            std::optional<uint64_t> resume = fixup(cause, pc);
            CHECK(resume.has_value());
            UNSIGNED_LONGLONGS_EQUAL(kFixup, *resume);
        }
    }
}

TEST(GuardedCopyFixup, FaultsOutsideTheCopyStayFatal) {
    using riscv::Exception;
    for (uint64_t pc : {uint64_t{0}, kCopy.begin - 2, kCopy.end, kFixup + 4, ~uint64_t{0}}) {
        CHECK_FALSE(fixup(Exception::LoadAccessFault, pc).has_value());
        CHECK_FALSE(fixup(Exception::StorePageFault, pc).has_value());
    }
}

TEST(GuardedCopyFixup, OtherTrapsInsideTheCopyStayFatal) {
    using riscv::Exception;
    for (Exception cause :
         {Exception::InstructionMisaligned, Exception::InstructionAccessFault,
          Exception::IllegalInstruction, Exception::Breakpoint, Exception::EcallFromUser,
          Exception::EcallFromSupervisor, Exception::InstructionPageFault}) {
        CHECK_FALSE(fixup(cause, kCopy.begin).has_value());
    }
    // An interrupt whose code equals a load access fault's is still an interrupt.
    uint64_t interrupt =
        riscv::kCauseInterruptBit | static_cast<uint64_t>(Exception::LoadAccessFault);
    CHECK_FALSE(riscv::guarded_copy_fixup(interrupt, kCopy.begin, kCopy, kFixup).has_value());
}
