// KernelInfo (syscall 43): read-only facts about the machine for tools such as the shell's ps,
// frames and irqs. Everything here is public: any environment may read any record, as Xok let
// every environment read its kernel's tables. The kernel writes the record for `topic` and
// `index` into the caller's buffer (user-writable, sizeof the record), or answers:
//   NoSuchEnvironment  Environment: the slot holds no environment
//   OutOfRange         an index past the table (slot >= 63, line >= 128, past the images)
//   InvalidArgument    an unknown topic
//   BadAddress         the buffer is not the caller's writable memory
#pragma once

#include <cstdint>

namespace abi {

enum class InfoTopic : uint64_t {
    Environment = 0,  // index: environment slot (an id's low 16 bits - 1) -> EnvironmentInfo
    Frames = 1,       // index ignored -> FrameSummary (one pass over the frame table)
    Line = 2,         // index: PLIC line -> LineInfo
    Console = 3,      // index ignored -> ConsoleInfo
    Image = 4,        // index: EnvCreate's image index -> ImageInfo
    Count,
};

// EnvironmentInfo::state bits.
namespace environment_state {
inline constexpr uint64_t kOnCpu = 1 << 0;        // the environment on the CPU (the caller)
inline constexpr uint64_t kWaiting = 1 << 1;      // its Call is outstanding
inline constexpr uint64_t kServing = 1 << 2;      // serves a Call or a Send
inline constexpr uint64_t kInUpcall = 1 << 3;     // an upcall runs
inline constexpr uint64_t kSleeping = 1 << 4;     // in EventWait
inline constexpr uint64_t kBackground = 1 << 5;   // runs in free slots (SliceSetBackground)
inline constexpr uint64_t kConsoleInput = 1 << 6; // holds the console's input
}  // namespace environment_state

struct EnvironmentInfo {
    uint64_t id;
    uint64_t parent;
    char name[16];           // NUL-terminated (an embedded image's name, or EnvCreateElf's)
    uint64_t state;          // environment_state bits
    uint64_t slots;          // slots of the slice vector it holds
    uint64_t slices_started;
    uint64_t upcalls;
    uint64_t wait_events;    // while sleeping: the event bits it waits for
};

struct FrameSummary {
    uint64_t first_pfn;  // the frame table covers [first_pfn, first_pfn + count)
    uint64_t count;
    uint64_t free;
    uint64_t kernel;
    uint64_t reserved;
    uint64_t device;
    uint64_t owned;
};

enum class LineUse : uint32_t {
    None = 0,
    KernelConsole = 1,  // the console UART: the kernel takes its input (ConsoleRead)
    KernelDisk = 2,
    KernelNetwork = 3,
    Kernel = 4,         // another line the kernel keeps
    Device = 5,         // an exported device's line (SharedInfo::devices)
};

struct LineInfo {
    uint32_t line;
    LineUse use;
    uint64_t owner;      // Device: the id of the environment that bound it (0: unbound)
    uint64_t in_flight;  // 1 while a delivered interrupt awaits IrqAck
    uint64_t count;      // KernelConsole: the receive interrupts the kernel took (the disk's
                         // and the network's are not counted on their paths: 0)
};

struct ConsoleInfo {
    uint64_t holder;    // the id of the environment ConsoleRead serves (0: none)
    uint32_t line;      // the UART's PLIC line (0: no receive interrupt: no input)
    uint32_t reserved;
    uint64_t received;  // bytes the UART delivered
    uint64_t dropped;   // bytes lost because the kernel's ring was full
    uint64_t buffered;  // bytes waiting for ConsoleRead now
};

struct ImageInfo {
    char name[16];   // NUL-terminated (the environment's name in the image declaration)
    uint64_t bytes;  // the size of its ELF
};

}  // namespace abi
