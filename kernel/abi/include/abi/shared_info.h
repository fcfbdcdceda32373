// The shared info page: mapped read-only into every environment at kSharedInfoAddress. The
// kernel publishes events, the last trap's state, revocation requests and the repossession
// vector here; the library OS reads them without a syscall.
#pragma once

#include <cstdint>

namespace abi {

inline constexpr uint64_t kSharedInfoAddress = 0x3ffffe0000;
// The initial stack: kInitialStackPages pages ending at kInitialStackTop (one unmapped page
// above it, one below). The shared page and the stack sit at the top of the user half.
inline constexpr uint64_t kInitialStackTop = 0x3ffffff000;
inline constexpr uint64_t kInitialStackPages = 4;
// The lowest user address an environment may map; page 0..15 stay empty so null pointers fault.
inline constexpr uint64_t kUserMinimum = 0x10000;
inline constexpr uint64_t kUserTop = 1ull << 38;

// 2: the last trap moved to the trap page. 3: `preempted` is the main context itself, and the
// slice-start entry runs as an upcall. 4: children's ends (child_ends) at the end.
inline constexpr uint32_t kSharedInfoVersion = 4;
inline constexpr uint64_t kRepossessionSlots = 64;
inline constexpr uint64_t kInitialFrameSlots = 256;

namespace event {
inline constexpr uint64_t kRevocationRequested = 1 << 0;
inline constexpr uint64_t kFramesRepossessed = 1 << 1;
inline constexpr uint64_t kInterrupt = 1 << 2;        // a bound line fired: see irq_pending
inline constexpr uint64_t kSlicePenalty = 1 << 3;     // overran a slice-end grace: a slot lost
inline constexpr uint64_t kDiskCompletion = 1 << 4;   // completions wait in the disk ring
inline constexpr uint64_t kDiskExtentRevoked = 1 << 5; // an extent of ours is gone: DiskInfo
inline constexpr uint64_t kNetReceive = 1 << 6;        // frames wait in the receive ring
inline constexpr uint64_t kNetTransmitDone = 1 << 7;   // completions wait in the net ring
inline constexpr uint64_t kConsoleInput = 1 << 8;      // bytes wait for ConsoleRead
inline constexpr uint64_t kChildEnded = 1 << 9;        // a child ended: see child_ends
// The bits EventWait can wait for: the kernel posts each of these through one place, which
// wakes a waiter (docs/abi.md, "Waiting for events").
inline constexpr uint64_t kWaitable = kDiskCompletion | kDiskExtentRevoked | kConsoleInput |
                                      kChildEnded;
}  // namespace event

enum class DeviceKind : uint32_t { Ns16550Uart = 1, SifiveUart = 2, GoldfishRtc = 3 };

// A device the board exports to environments (DeviceClaim by index).
struct DeviceDescription {
    uint64_t base;  // physical address of its registers (map base >> 12 once claimed)
    uint64_t size;
    uint32_t line;  // its PLIC interrupt line
    DeviceKind kind;
};
inline constexpr uint64_t kMaxExportedDevices = 8;

struct TrapState {
    uint64_t cause;         // scause
    uint64_t address;       // stval: the faulting address, or the instruction bits
    uint64_t pc;            // where it happened
    uint64_t registers[32]; // x1..x31 at their numbers; [0] is not a register (in
                            // SharedInfo::preempted, the kernel keeps sstatus there)
};

// How a child ended, as its parent's shared info records it.
enum class EndReason : uint32_t {
    Exited = 0,     // it called Exit: status is its own
    Faulted = 1,    // an exception it could not take (no handler, or inside its handler): the
                    // kernel ended it; status 70, cause the scause
    Destroyed = 2,  // EnvDestroy, by its parent or itself: status 0
};

struct ChildEnd {
    uint64_t id;
    int64_t status;
    EndReason reason;
    uint32_t reserved;
    uint64_t cause;  // Faulted: the exception's scause; otherwise 0
};
inline constexpr uint64_t kChildEndSlots = 16;

struct RevocationRequest {
    uint64_t sequence;          // increments with each new request
    uint64_t frames_requested;  // how many frames the kernel wants back
    uint64_t frames_returned;   // freed since the request (FrameFree counts)
    uint64_t deadline;          // time CSR ticks; after this the kernel takes frames itself
};

struct SharedInfo {
    uint32_t version;  // kSharedInfoVersion
    uint32_t size;     // sizeof(SharedInfo)
    uint64_t environment_id;
    uint64_t parent_id;
    uint64_t events;   // event bits, set by the kernel, never cleared by it
    uint64_t upcalls;  // upcalls delivered so far (exceptions, transfers, slice starts not counted)
    // CPU: the slot running now; the slices this environment was given; slots lost to
    // penalties; its main context, where the kernel saves it whenever it stops (a trap, an
    // interrupt, a slot's end), so it is current while an upcall (the slice-start entry among
    // them) runs. (Near the top: the trap vector's timer path writes the first two.)
    uint64_t current_slot;
    uint64_t slices_started;
    uint64_t penalties;
    uint64_t preempted_valid;  // always 1 since version 3
    TrapState preempted;
    RevocationRequest revocation;
    uint64_t repossessed_total;  // frames the kernel took by force, ever
    uint64_t repossessed[kRepossessionSlots];  // frame numbers, entry n % kRepossessionSlots
    uint64_t initial_frame_count;  // frames given at creation and left unused by the loader
    uint64_t initial_frames[kInitialFrameSlots];
    // Interrupts: one bit per PLIC line, set by the kernel when a bound line fires; the line
    // stays masked until IrqAck.
    uint64_t irq_pending[2];
    uint64_t irq_delivered;
    // Facts of the machine, filled in at creation.
    uint64_t timebase_hz;      // time CSR ticks per second
    uint64_t slot_ticks;       // one slot
    uint64_t slots_per_round;
    uint64_t device_count;
    DeviceDescription devices[kMaxExportedDevices];
    // Children that ended (version 4): entry n % kChildEndSlots is the n-th end; a parent that
    // reads them less often than kChildEndSlots ends apart sees child_ends_total jump past them.
    uint64_t child_ends_total;
    ChildEnd child_ends[kChildEndSlots];
};

static_assert(sizeof(SharedInfo) <= 4096, "one page");

}  // namespace abi
