// The syscall table and the calls that are not about memory or environments.
//
// The trap vector indexes the hart page's copy of the table by a7 and calls the slot with a0..a5
// as arguments; the slot returns a0/a1 (the RISC-V calling convention returns a two-word
// struct in a0/a1). Slots that need the caller's whole frame point at syscall_with_frame.
#include "syscalls.h"

#include "audit.h"
#include "console.h"
#include "environment_lifecycle.h"
#include "fast_paths.h"
#include "interrupts.h"
#include "physical_memory.h"
#include "power.h"
#include "scheduler.h"
#include "syscall_handlers.h"
#include "system.h"
#include "trap.h"
#include "user_copy.h"

namespace exo {

namespace syscall {

using riscv::reg::a0;
using riscv::reg::a1;

// Null leaves a1 as the caller had it: returning it unchanged costs no instruction.
SyscallResult null(Environment&, const Arguments& arguments) { return SyscallResult::ok(arguments[1]); }

SyscallResult console_write(Environment& caller, const Arguments& arguments) {
    uint64_t address = arguments[0];
    uint64_t length = arguments[1];
    if (length > abi::kConsoleWriteMax) return SyscallResult::fail(abi::Error::InvalidArgument);
    char buffer[256];
    uint64_t written = 0;
    while (written < length) {
        uint64_t chunk = length - written < sizeof(buffer) ? length - written : sizeof(buffer);
        // Copy first: a bad pointer halfway prints nothing of that chunk.
        if (abi::Error error = copy_from_user(kernel_state(), caller, address + written, buffer, chunk);
            error != abi::Error::Ok) {
            return SyscallResult::fail(error);
        }
        exo::console_write(buffer, chunk);
        written += chunk;
    }
    return SyscallResult::ok(written);
}

void end_environment(Environment& environment, int status) {
    bool first = EnvironmentTable::slot_of(environment.id) == 0;
    KernelState& state = kernel_state();
    // Its slots, its background role, its devices and lines (open claims completed) go first.
    release_transfers(environment);
    scheduler_forget(environment);
    state.interrupts.release_all(EnvironmentTable::slot_of(environment.id), [](uint32_t line) {
        line_enable(line, false);
        line_complete(line);
    });
    destroy_environment(state, environment);
    // The first environment is the image's driver: when it ends, the machine's run ends.
    if (first) shutdown(status);
}

void end_current_environment(int status) {
    end_environment(current_environment(), status);
    run_next_after_exit();
}

SyscallResult exit(Environment& caller, riscv::TrapFrame& frame) {
    auto status = static_cast<int>(frame.x[a0]);
    kprintf("exo: environment '%s' exited with status %d\n", caller.name, status);
    end_current_environment(status);
}

SyscallResult yield(Environment& caller, riscv::TrapFrame& frame) {
    Environment* target = nullptr;
    if (frame.x[a0] != 0) {
        target = kernel_state().environments.find(frame.x[a0]);
        if (target == nullptr) return SyscallResult::fail(abi::Error::NoSuchEnvironment);
        // It waits for a reply: its registers are its callee's to give back.
        if (target->waiting()) return SyscallResult::fail(abi::Error::Busy);
    }
    frame.x[a0] = static_cast<uint64_t>(abi::Error::Ok);
    frame.x[a1] = 0;
    if (target != &caller) (void)yield_slot(caller, target);
    return SyscallResult::registers_set();
}

SyscallResult audit(Environment&, const Arguments&) {
    AuditReport report = exo::audit(kernel_state(), audit_scratch(), [](const char* what, uint64_t pfn) {
        kprintf("exo: audit: %s (frame %lx)\n", what, pfn);
    });
    kprintf("exo: audit: %lu free, %lu kernel, %lu reserved, %lu owned, %lu mappings, %lu tables, "
            "%lu problems\n",
            report.free, report.kernel, report.reserved, report.owned, report.mappings,
            report.tables, report.problems);
    return SyscallResult::ok(report.problems);
}

SyscallResult unknown(Environment&, const Arguments&) {
    return SyscallResult::fail(abi::Error::UnknownSyscall);
}

}  // namespace syscall

namespace {

// Two words returned in a0 (low) and a1 (high), as the RISC-V calling convention returns a
// 2*XLEN scalar. (GCC 12 gives a two-word struct a needless stack frame; the integer it does not.)
using RegisterPair = unsigned __int128;
using FastEntry = RegisterPair (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

// The register-level entry for a handler that needs only its arguments.
template <syscall::Handler handler>
RegisterPair fast_entry(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                        uint64_t a5) {
    SyscallResult result = handler(current_environment(), {{a0, a1, a2, a3, a4, a5}});
    return RegisterPair{result.value} << 64 | static_cast<uint64_t>(result.error);
}

struct Slot {
    FastEntry fast;            // nullptr: the call needs the frame
    syscall::FrameHandler with_frame;
    // An assembly entry the vector calls instead, which leaves for syscall_with_frame (and so
    // `with_frame`) when it cannot finish the call itself.
    void (*vector_entry)() = nullptr;
};

constexpr Slot kSlots[] = {
    {fast_entry<syscall::null>, nullptr},                   // Null
    {fast_entry<syscall::console_write>, nullptr},          // ConsoleWrite
    {nullptr, syscall::exit},                               // Exit
    {nullptr, syscall::yield},                              // Yield
    {fast_entry<syscall::environment_create>, nullptr},     // EnvCreate
    {nullptr, syscall::environment_destroy},                // EnvDestroy
    {fast_entry<syscall::environment_set_entry>, nullptr},  // EnvSetEntry
    {nullptr, syscall::upcall_return, upcall_return_entry}, // UpcallReturn
    {fast_entry<syscall::frame_alloc>, nullptr},            // FrameAlloc
    {fast_entry<syscall::frame_free>, nullptr},             // FrameFree
    {fast_entry<syscall::frame_query>, nullptr},            // FrameQuery
    {fast_entry<syscall::frame_set_essential>, nullptr},    // FrameSetEssential
    {fast_entry<syscall::page_table_donate>, nullptr},      // PageTableDonate
    {fast_entry<syscall::map>, nullptr},                    // Map
    {fast_entry<syscall::unmap>, nullptr},                  // Unmap
    {fast_entry<syscall::protect>, nullptr},                // Protect
    {fast_entry<syscall::pte_read>, nullptr},               // PteRead
    {fast_entry<syscall::grant>, nullptr},                  // Grant
    {fast_entry<syscall::grant_revoke>, nullptr},           // GrantRevoke
    {fast_entry<syscall::audit>, nullptr},                  // Audit
    {fast_entry<syscall::slice_reserve>, nullptr},          // SliceReserve
    {fast_entry<syscall::slice_release>, nullptr},          // SliceRelease
    {fast_entry<syscall::slice_read>, nullptr},             // SliceRead
    {fast_entry<syscall::slice_set_background>, nullptr},   // SliceSetBackground
    {nullptr, syscall::resume_context},                     // ResumeContext
    {fast_entry<syscall::device_claim>, nullptr},           // DeviceClaim
    {fast_entry<syscall::device_release>, nullptr},         // DeviceRelease
    {fast_entry<syscall::irq_bind>, nullptr},               // IrqBind
    {fast_entry<syscall::irq_ack>, nullptr},                // IrqAck
    {fast_entry<syscall::irq_unbind>, nullptr},             // IrqUnbind
};
static_assert(sizeof(kSlots) / sizeof(kSlots[0]) == static_cast<size_t>(abi::Syscall::Count),
              "one slot per syscall number");
static_assert(static_cast<size_t>(abi::Syscall::Count) <= HART_SYSCALL_TABLE_SLOTS);

}  // namespace

void install_syscall_table(riscv::HartPage& page) {
    for (uint64_t number = 0; number < HART_SYSCALL_TABLE_SLOTS; ++number) {
        uint64_t entry = reinterpret_cast<uint64_t>(fast_entry<syscall::unknown>);
        if (!fast_paths_enabled) {
            // Every call saves the whole frame first: handle_syscall_with_frame runs the
            // register-level handlers too (the fast/slow agreement test, fast_paths.h).
            entry = reinterpret_cast<uint64_t>(&syscall_with_frame);
        } else if (std::optional<abi::Syscall> decoded = decode_syscall(number)) {
            const Slot& slot = kSlots[static_cast<size_t>(*decoded)];
            entry = slot.vector_entry ? reinterpret_cast<uint64_t>(slot.vector_entry)
                    : slot.fast       ? reinterpret_cast<uint64_t>(slot.fast)
                                      : reinterpret_cast<uint64_t>(&syscall_with_frame);
        }
        page.syscall_table[number] = entry;
    }
}

}  // namespace exo

// The registers the trap vector used on its way here hold its values (kernel addresses among
// them), never the caller's: the ABI clobbers them, and they come back zero (docs/abi.md).
// Transfers used t0, t1 and a6 and pass every other register through, ra included; table calls
// used ra (the return into the vector), t0 and t1.
static void clear_vector_registers(riscv::TrapFrame& frame, bool transfer) {
    using namespace riscv::reg;
    frame.x[t0] = 0;
    frame.x[t1] = 0;
    frame.x[transfer ? a6 : ra] = 0;
}

// The vector restores every register from a frame after this returns: nothing here can reach
// the environment, so it skips clearing the registers it used (see cmake/board_image.cmake).
[[gnu::zero_call_used_regs("skip")]] riscv::TrapFrame* handle_syscall_with_frame(riscv::TrapFrame* frame) {
    using namespace exo;
    note_running();
    Environment& caller = current_environment();
    uint64_t raw = frame->x[riscv::reg::a7];
    clear_vector_registers(*frame, raw >= abi::kTransferBase);
    SyscallResult result = SyscallResult::fail(abi::Error::UnknownSyscall);
    if (raw >= abi::kTransferBase) {
        // What the trap vector's transfer path refused or does not do itself.
        if (raw < abi::kReply) {
            result = syscall::call(caller, *frame, raw - abi::kCall);
        } else if (raw == abi::kReply) {
            result = syscall::reply(caller, *frame);
        } else if (raw < abi::kTransferEnd) {
            result = syscall::send(caller, *frame, raw - abi::kSend);
        }
    } else if (std::optional<abi::Syscall> number = decode_syscall(raw)) {
        const Slot& slot = kSlots[static_cast<size_t>(*number)];
        if (slot.with_frame) {
            result = slot.with_frame(caller, *frame);
        } else {
            // A register-level handler reached with a frame: only with the fast paths off.
            using namespace riscv::reg;
            RegisterPair pair = slot.fast(frame->x[a0], frame->x[a1], frame->x[a2], frame->x[a3],
                                          frame->x[a4], frame->x[a5]);
            result = {static_cast<abi::Error>(static_cast<uint64_t>(pair)), static_cast<uint64_t>(pair >> 64)};
        }
    }
    if (result.write_registers) {
        frame->x[riscv::reg::a0] = static_cast<uint64_t>(result.error);
        frame->x[riscv::reg::a1] = result.value;
    }
    return current_environment().save_area;
}
