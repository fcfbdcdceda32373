// The trap page: one page per environment, mapped read-write at kTrapPageAddress, through which
// exceptions reach the library OS without the kernel saving a register file and return to the
// faulting code without entering the kernel at all (Aegis: exception state lives in
// application memory).
//
// On an exception from U-mode (anything but ecall) when `busy` is 0, the kernel
//   - stores pc, cause, address and the interrupted sp below,
//   - sets busy to kTrapPageBusyHandlerRuns (2; 1 means "no handler"),
//   - enters handler_pc with sp = handler_sp; every other register holds the interrupted
//     code's value.
// When busy is nonzero (an exception inside the handler), or when the kernel cannot deliver,
// the environment is destroyed. The library OS resumes the interrupted code itself: restore
// the registers, reload sp from here, clear busy, and jump to pc, which costs one
// register: the library OS reserves tp for it (GCC never allocates tp; it is the TLS pointer,
// which environments here do not use). A library OS that needs tp preserved resumes through
// ResumeContext instead.
//
// EnvSetEntry(Exception, pc, sp) fills handler_pc and handler_sp and clears busy (pc = 0 sets
// busy: no handler). The library OS may also write these words directly: the kernel only ever
// jumps to handler_pc in U-mode, so any value harms nobody but the environment itself.
#pragma once

#include <cstddef>
#include <cstdint>

namespace abi {

// The top page of the never-mapped region below kUserMinimum: reachable with one `lui`
// (`lui tp, 0xf`), which the resume sequence needs, having no register to spare.
inline constexpr uint64_t kTrapPageAddress = 0xf000;

struct TrapPage {
    // Written by the library OS (or EnvSetEntry), read by the kernel at each exception.
    uint64_t handler_pc;
    uint64_t handler_sp;
    uint64_t
        busy; // 0: a handler waits; 1: no handler; kTrapPageBusyHandlerRuns (or above 1): it runs
    // Written by the kernel when it enters the handler.
    uint64_t pc;       // sepc: the faulting instruction
    uint64_t cause;    // scause
    uint64_t address;  // stval: the faulting address, or the instruction bits
    uint64_t sp;       // the interrupted code's sp (the handler starts on its own stack)

    // Interrupts. When a line this environment bound fires while it runs (outside its upcalls,
    // call entries and a previous event), the kernel enters its Event entry the same way:
    // sp = the entry's stack, every other register as interrupted, and the interrupted pc, sp,
    // ra, t0, t1, a0 and a7 kept here. UpcallReturn(0) resumes exactly there (the ecall and the
    // kernel's syscall entry use those five) and clears event_busy. Otherwise the event waits
    // and arrives as an ordinary upcall (a0 = event bits) when the environment next runs outside
    // its entries. While event_busy is set no upcall or event is entered (a second one waits for
    // this one's UpcallReturn) and a Call or Send finds the environment Busy. An
    // event handler that may take exceptions keeps tp itself: the interrupt may have come
    // between an exception handler's last two instructions, with the resume pc in tp.
    uint64_t event_busy;
    uint64_t event_pc;
    uint64_t event_sp;
    uint64_t event_a0;
    uint64_t event_a7;
    uint64_t event_ra;
    uint64_t event_t0;
    uint64_t event_t1;

    // The rest of the page is the library OS's: the kernel never reads or writes it. An
    // exception handler can keep the interrupted registers here, addressed from tp, without
    // touching any stack (one exception at a time: a second destroys the environment).
    uint64_t library_os[(4096 - 15 * 8) / 8];
};

inline constexpr uint64_t kTrapPageLibraryOsOffset = 15 * 8;
// What the kernel writes to `busy` when it enters the handler (any value above 1 means the same).
inline constexpr uint64_t kTrapPageBusyHandlerRuns = 2;
static_assert(sizeof(TrapPage) == 4096);
static_assert(offsetof(TrapPage, library_os) == kTrapPageLibraryOsOffset);

}  // namespace abi
