// The syscall table: which handler each number runs, the entries the trap vector calls, and the
// one C++ dispatch of a call with a saved frame. The vector calls a fast slot's entry directly
// with the caller's registers; everything else (the frame calls, the transfers the vector left to
// the C++) comes through dispatch(), which host tests and the fuzzer call for every number.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "arch/riscv64/hart_page.h"
#include "arch/riscv64/trap_entry.h"
#include "syscalls/syscall_handlers.h"

namespace exo {

struct SyscallSlot {
    // A fast call: `handler` runs on the fast path with nothing saved.
    constexpr SyscallSlot(syscall::Handler fast_handler) : handler(fast_handler), fast(true) {}
    // A frame call: `with_frame` gets the caller's whole frame.
    constexpr SyscallSlot(std::nullptr_t, syscall::FrameHandler frame_handler,
                          void (*vector)() = nullptr)
        : with_frame(frame_handler), vector_entry(vector) {}

    syscall::Handler handler = nullptr;
    syscall::FrameHandler with_frame = nullptr;
    // An assembly entry the vector calls instead, which leaves for syscall_with_frame (and so
    // `with_frame`) when it cannot finish the call itself.
    void (*vector_entry)() = nullptr;
    // Said apart from `handler`: comparing a function's address with nullptr is no constant
    // expression for GCC under -fsanitize=undefined, and the table is built at compile time.
    bool fast = false;
};

inline constexpr SyscallSlot kSyscallSlots[] = {
    {syscall::null},                                            // Null
    {syscall::console_write},                                   // ConsoleWrite
    {nullptr, syscall::exit},                                   // Exit
    {nullptr, syscall::yield},                                  // Yield
    {syscall::environment_create},                              // EnvCreate
    {nullptr, syscall::environment_destroy},                    // EnvDestroy
    {syscall::environment_set_entry},                           // EnvSetEntry
    {nullptr, syscall::upcall_return, upcall_return_entry},     // UpcallReturn
    {syscall::frame_alloc},                                     // FrameAlloc
    {syscall::frame_free},                                      // FrameFree
    {syscall::frame_query},                                     // FrameQuery
    {syscall::frame_set_essential},                             // FrameSetEssential
    {syscall::page_table_donate},                               // PageTableDonate
    {syscall::map},                                             // Map
    {syscall::unmap},                                           // Unmap
    {syscall::protect},                                         // Protect
    {syscall::pte_read},                                        // PteRead
    {syscall::grant},                                           // Grant
    {syscall::grant_revoke},                                    // GrantRevoke
    {syscall::audit},                                           // Audit
    {syscall::slice_reserve},                                   // SliceReserve
    {syscall::slice_release},                                   // SliceRelease
    {syscall::slice_read},                                      // SliceRead
    {syscall::slice_set_background},                            // SliceSetBackground
    {nullptr, syscall::resume_context},                         // ResumeContext
    {syscall::device_claim},                                    // DeviceClaim
    {syscall::device_release},                                  // DeviceRelease
    {syscall::irq_bind},                                        // IrqBind
    {syscall::irq_ack},                                         // IrqAck
    {syscall::irq_unbind},                                      // IrqUnbind
    {syscall::disk_info},                                       // DiskInfo
    {syscall::disk_rings},                                      // DiskRings
    {syscall::disk_submit},                                     // DiskSubmit
    {syscall::disk_extent_grant},                               // DiskExtentGrant
    {syscall::disk_extent_revoke},                              // DiskExtentRevoke
    {syscall::net_info},                                        // NetInfo
    {syscall::net_rings},                                       // NetRings
    {syscall::net_filter_install},                              // NetFilterInstall
    {syscall::net_filter_remove},                               // NetFilterRemove
    {syscall::net_submit},                                      // NetSubmit
    {syscall::console_read},                                    // ConsoleRead
    {nullptr, syscall::event_wait},                             // EventWait
    {syscall::environment_create_elf},                          // EnvCreateElf
    {syscall::kernel_info},                                     // KernelInfo
};
static_assert(std::size(kSyscallSlots) == static_cast<size_t>(abi::Syscall::Count),
              "one slot per syscall number");
static_assert(static_cast<size_t>(abi::Syscall::Count) <= riscv::kSyscallTableSlots);
static_assert(abi::kTransferBase == riscv::kSyscallTableSlots,
              "the vector sends a7 past the table to the transfers");

// The frame handlers by number, for the kernel's dispatch. (It reads no fast handler's address at
// run time: a handler whose address is taken is no longer inlined into its fast entry, whose
// context and arguments then go through memory; prot1 cost 39 instructions more.)
inline constexpr auto kFrameHandlers = [] {
    std::array<syscall::FrameHandler, std::size(kSyscallSlots)> handlers{};
    for (size_t i = 0; i < handlers.size(); ++i) handlers[i] = kSyscallSlots[i].with_frame;
    return handlers;
}();

// The slot of a raw a7 value, or nullptr for a number with no call (transfers included).
constexpr const SyscallSlot* syscall_slot(uint64_t number) {
    std::optional<abi::Syscall> decoded = decode_syscall(number);
    return decoded ? &kSyscallSlots[static_cast<size_t>(*decoded)] : nullptr;
}

// Performs the call the frame's a7 names, with a0..a5 as its arguments: a table call (fast or
// frame), a transfer (a7 past the table), or UnknownSyscall. The result is not yet written to
// the frame (SyscallResult::write_to, by the caller).
SyscallResult dispatch(SyscallContext& context, riscv::TrapFrame& frame);

// Fills the hart page's table: every slot up to riscv::kSyscallTableSlots, with the
// unknown-syscall entry where no call is defined.
void install_syscall_table(riscv::HartPage& page);

// The context a fast entry hands its handler: the running kernel's state, the environment on
// the CPU (the hart page's), the clock and the console (syscall_entry.cpp; a fake on the host).
SyscallContext running_context();

}  // namespace exo
