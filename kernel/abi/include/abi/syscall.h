// The system-call ABI shared by the kernel and every library OS: numbers, registers, errors.
//
// Register convention (an `ecall` from U-mode):
//   a7        syscall number (abi::Syscall)
//   a0..a5    arguments
//   a0        on return: abi::Error (0 = Ok)
//   a1        on return: the result value, where the call has one
// An ecall behaves like a call to a C function: the caller-saved registers (ra, t0..t6, a2..a7)
// may be clobbered (the kernel's fast path runs its C++ handler on them directly and saves
// nothing); the callee-saved ones (s0..s11), sp, gp, tp and every floating-point register are
// preserved. The protected control transfers (numbers from kTransferBase) are different: they
// pass registers from one environment to the other (see below). docs/abi.md describes each call.
#pragma once

#include <cstdint>

namespace abi {

enum class Syscall : uint64_t {
    Null = 0,               // does nothing; measures the kernel entry and exit path
    ConsoleWrite = 1,       // a0 = pointer, a1 = length (<= kConsoleWriteMax) -> bytes written
    Exit = 2,               // a0 = status; the caller is destroyed; does not return
    Yield = 3,              // a0 = environment id to run next, or 0 for the next in turn
    EnvCreate = 4,          // a0 = image index, a1 = pointer to frame numbers, a2 = count -> id
    EnvDestroy = 5,         // a0 = id of the caller or of one of its children
    EnvSetEntry = 6,        // a0 = abi::Entry, a1 = pc (0 clears), a2 = stack pointer
    UpcallReturn = 7,       // a0 = 0: resume where interrupted; 1: resume at a1
    FrameAlloc = 8,         // a0 = frame number, or kAnyFrame -> frame number
    FrameFree = 9,          // a0 = frame number
    FrameQuery = 10,        // a0 = frame number -> packed FrameInfo (see frame_info_*)
    FrameSetEssential = 11, // a0 = frame number, a1 = 1 to protect from repossession, 0 to clear
    PageTableDonate = 12,   // a0 = frame number: becomes a page-table frame when one is needed
    Map = 13,               // a0 = va, a1 = first frame, a2 = count, a3 = abi::Permission bits
    Unmap = 14,             // a0 = va, a1 = count
    Protect = 15,           // a0 = va, a1 = count, a2 = abi::Permission bits (0 = no access)
    PteRead = 16,           // a0 = va -> the raw Sv39 entry (0 when nothing is mapped there)
    Grant = 17,             // a0 = frame number, a1 = grantee id, a2 = abi::Permission bits
    GrantRevoke = 18,       // a0 = frame number, a1 = grantee id
    Audit = 19,             // checks the kernel's ownership tables -> number of inconsistencies
    SliceReserve = 20,      // a0 = slot index: the slot becomes the caller's
    SliceRelease = 21,      // a0 = slot index
    SliceRead = 22, // a0 = slot index -> owner id (0 = free); a1 of the slot count with a0 = ~0
    SliceSetBackground = 23, // a0 = id of the caller or a child, or 0: who runs in free slots
    ResumeContext = 24,      // a0 = pointer to an abi::TrapState: resume exactly that state
                             // (from an upcall: the upcall ends, the main context takes it)
    DeviceClaim = 25,   // a0 = exported device index -> its PLIC line; its pages become mappable
    DeviceRelease = 26, // a0 = device index
    IrqBind = 27,       // a0 = PLIC line of a device the caller owns
    IrqAck = 28,        // a0 = line: completes the claim and unmasks the line
    IrqUnbind = 29,     // a0 = line
    // The disk (abi/disk.h). Every call: NoDisk when the machine has none.
    DiskInfo = 30,         // a0 = abi::DiskInfoField -> the answer
    DiskRings = 31,        // a0 = submission ring frame, a1 = completion ring frame (owned)
    DiskSubmit = 32,       // -> how many submission entries the kernel took
    DiskExtentGrant = 33,  // a0 = child id, a1 = first sector, a2 = count, a3 = disk_rights
    DiskExtentRevoke = 34, // a0 = child id, a1 = first sector of an extent granted to it
    // The network (abi/net.h, abi/net_filter.h). Every call: NoNetwork when the machine has none.
    NetInfo = 35,          // a0 = abi::NetInfoField -> the answer
    NetRings = 36,         // a0 = receive ring frame, a1 = first receive buffer frame, a2 = buffer
                           // frames, a3 = transmit ring frame, a4 = completion ring frame (owned)
    NetFilterInstall = 37, // a0 = pointer to an abi::NetFilter -> filter id
    NetFilterRemove = 38,  // a0 = filter id
    NetSubmit = 39,        // -> how many transmit entries the kernel took
    // The console's input, waiting for events, programs from memory, what the kernel knows
    // (docs/abi.md, "Console input", "Waiting for events", "Programs from memory", "KernelInfo").
    ConsoleRead = 40,  // a0 = pointer, a1 = length (<= kConsoleReadMax) -> bytes read (0: none)
    EventWait = 41,    // a0 = event bits, a1 = deadline (time ticks, 0 = none) -> the bits posted
    EnvCreateElf = 42, // a0 = first frame of the ELF, a1 = its length, a2 = pointer to frame
                       // numbers, a3 = count, a4 = pointer to a 16-byte name (or 0) -> id
    KernelInfo = 43,   // a0 = abi::InfoTopic, a1 = index, a2 = pointer to its record (abi/info.h)
    Count,              // one past the last table call; see the transfers below
};

// Protected control transfer, decoded by the trap vector itself past the table (numbers at
// and above kTransferBase never reach it). a7 names the operation and the callee's entry:
//   kCall + k (k = 0..3)  a0 = callee id, a1..a5 = arguments. The callee starts at its entry
//                         Call<k> with a0 = our id and every other register as we left it; we
//                         wait, donating our slots, until it replies: then we continue after the
//                         ecall with sp and pc restored, a0 = Error and every other register as
//                         the callee left it (a1..a5 its results). Errors (a0 = NoSuchEnvironment,
//                         InvalidArgument for ourselves or an unregistered entry, Busy) return
//                         at once with nothing else changed.
//   kReply                a1..a5 = results: back to the environment whose call we serve; our
//                         entry is over (NotPermitted when we serve no call).
//   kSend + k             as kCall + k but asynchronous: we keep running later, a0 = Ok at once;
//                         the callee ends its entry with UpcallReturn.
// Registers pass through, integer and floating point alike: each side's library OS saves what
// it must keep and clears what it must not reveal (docs/abi.md, "Protected control transfer").
inline constexpr uint64_t kTransferBase = 64;
inline constexpr uint64_t kCall = 64;   // 64..67
inline constexpr uint64_t kReply = 68;
inline constexpr uint64_t kSend = 69;   // 69..72
inline constexpr uint64_t kTransferEnd = 73;

inline constexpr uint64_t kConsoleWriteMax = 4096;
inline constexpr uint64_t kConsoleReadMax = 4096;
// EnvCreateElf: the ELF lies in at most this many consecutive frames of the caller's (4 MiB).
inline constexpr uint64_t kMaxElfFrames = 1024;
inline constexpr uint64_t kEnvironmentNameBytes = 16;
inline constexpr uint64_t kAnyFrame = ~uint64_t{0};
inline constexpr uint64_t kMaxCreateFrames = 1024;
inline constexpr uint64_t kMaxBatchPages = 4096;
inline constexpr uint64_t kCallEntries = 4;

// Mapping permissions. Write without read is reserved by Sv39 and refused.
namespace permission {
inline constexpr uint64_t kRead = 1;
inline constexpr uint64_t kWrite = 2;
inline constexpr uint64_t kExecute = 4;
inline constexpr uint64_t kAll = kRead | kWrite | kExecute;
}  // namespace permission

// Upcall entry points an environment registers with EnvSetEntry.
enum class Entry : uint64_t {
    Exception = 0,   // sets the trap page's handler (abi/trap_page.h)
    Revocation = 1,  // a0 = frames requested, a1 = deadline (time CSR ticks)
    SliceStart = 2,  // a0 = slot index, a1 = slot end (time CSR ticks). An upcall: the main
                     // context, as it stopped, is SharedInfo::preempted; ResumeContext or
                     // UpcallReturn end it
    SliceEnd = 3,    // a0 = slot index, a1 = grace deadline: save your state and Yield(0)
    Event = 4,       // a0 = pending event bits; interrupt lines in SharedInfo::irq_pending
    Call0 = 5,       // protected control transfer entries: a0 = caller id, a1..a5 = arguments;
    Call1 = 6,       // end with Reply (after a Call) or UpcallReturn (after a Send)
    Call2 = 7,
    Call3 = 8,
    Count,
};

// Small and dense, as seL4's and Tock's error codes are; 0 is success.
enum class [[nodiscard]] Error : uint64_t {
    Ok = 0,
    UnknownSyscall = 1,     // a7 is not a syscall number
    InvalidArgument = 2,    // an argument is out of its range
    BadAddress = 3,         // a user pointer is not mapped readable/writable by the caller
    NoMemory = 4,           // no frame to satisfy the request (for page tables: none donated)
    AlreadyMapped = 5,      // the virtual page already has a mapping
    NotMapped = 6,          // the virtual page has no mapping
    NoSuchEnvironment = 7,  // the id names no live environment (stale, forged or destroyed)
    NotOwner = 8,           // the frame is not the caller's (or not granted to it)
    FrameInUse = 9,         // mapped, pinned for DMA, a page table, or otherwise bound
    FrameNotFree = 10,      // a named allocation of a frame that is taken
    BadPermission = 11,     // reserved combination (write without read) or more than granted
    Misaligned = 12,        // an address that must be page aligned is not
    OutOfRange = 13,        // outside the user half, or overlapping the kernel's fixed pages
    NotPermitted = 14,      // the caller may not act on that environment or frame
    AlreadyExists = 15,     // the grant (or entry) exists already
    NotInUpcall = 16,       // UpcallReturn outside an upcall
    TooMany = 17,           // a fixed table (grants, essential frames) is full
    Busy = 18,              // the slot, device or line is another environment's
    IoError = 19,           // the device reported an error, or failed and was disabled
    NoDisk = 20,            // the machine has no disk (or its driver disabled it)
    TooLarge = 21,          // more than one request may move (kMaxRequestSectors)
    NoNetwork = 22,         // the machine has no NIC (or its driver disabled it)
    Overlaps = 23,          // the filter could accept what another environment's accepts
    Count,
};

constexpr const char* to_string(Error error) {
    switch (error) {
    case Error::Ok: return "ok";
    case Error::UnknownSyscall: return "unknown syscall";
    case Error::InvalidArgument: return "invalid argument";
    case Error::BadAddress: return "bad address";
    case Error::NoMemory: return "no memory";
    case Error::AlreadyMapped: return "already mapped";
    case Error::NotMapped: return "not mapped";
    case Error::NoSuchEnvironment: return "no such environment";
    case Error::NotOwner: return "not owner";
    case Error::FrameInUse: return "frame in use";
    case Error::FrameNotFree: return "frame not free";
    case Error::BadPermission: return "bad permission";
    case Error::Misaligned: return "misaligned";
    case Error::OutOfRange: return "out of range";
    case Error::NotPermitted: return "not permitted";
    case Error::AlreadyExists: return "already exists";
    case Error::NotInUpcall: return "not in upcall";
    case Error::TooMany: return "too many";
    case Error::Busy: return "busy";
    case Error::IoError: return "I/O error";
    case Error::NoDisk: return "no disk";
    case Error::TooLarge: return "too large";
    case Error::NoNetwork: return "no network";
    case Error::Overlaps: return "overlaps another environment's filter";
    case Error::Count: break;
    }
    return "?";
}

// FrameQuery's packed answer.
enum class FrameState : uint64_t { Free = 0, Kernel = 1, Reserved = 2, Device = 3, Owned = 4 };
constexpr FrameState frame_info_state(uint64_t info) { return FrameState(info & 0xff); }
constexpr uint64_t frame_info_map_count(uint64_t info) { return (info >> 8) & 0xffff; }
constexpr uint64_t frame_info_pin_count(uint64_t info) { return (info >> 24) & 0xffff; }
constexpr bool frame_info_page_table(uint64_t info) { return (info >> 40) & 1; }
constexpr bool frame_info_essential(uint64_t info) { return (info >> 41) & 1; }
constexpr uint64_t frame_info_owner_slot(uint64_t info) { return info >> 48; }
constexpr uint64_t make_frame_info(FrameState state, uint64_t map_count, uint64_t pin_count,
                                   bool page_table, bool essential, uint64_t owner_slot) {
    return static_cast<uint64_t>(state) | (map_count & 0xffff) << 8 | (pin_count & 0xffff) << 24 |
           uint64_t{page_table} << 40 | uint64_t{essential} << 41 | (owner_slot & 0xffff) << 48;
}

}  // namespace abi
