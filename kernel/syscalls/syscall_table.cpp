// The table's entries (syscall_table.h): the fast entries the trap vector calls, and dispatch.
#include "syscalls/syscall_table.h"

#include <utility>

#include "cpu/fast_paths.h"

namespace exo {

namespace {

using FastEntry = SyscallResult (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

// The register-level entry for a handler that needs only its arguments: the vector calls it with
// a0..a5 as the caller left them, and the SyscallResult comes back in a0/a1 as it is. The
// handler is inlined here (it has no other caller), and so is the context: the state's address
// is a constant, the caller one load from the hart page.
template <syscall::Handler handler>
SyscallResult fast_entry(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                         uint64_t a5) {
    SyscallContext context = running_context();
    return handler(context, {{a0, a1, a2, a3, a4, a5}});
}

SyscallResult unknown_entry(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return abi::Error::UnknownSyscall;
}

template <size_t index>
constexpr FastEntry fast_entry_of() {
    if constexpr (kSyscallSlots[index].fast) {
        return &fast_entry<kSyscallSlots[index].handler>;
    } else {
        return nullptr;
    }
}

template <size_t... index>
constexpr auto make_fast_entries(std::index_sequence<index...>) {
    return std::array<FastEntry, sizeof...(index)>{fast_entry_of<index>()...};
}

constexpr auto kFastEntries =
    make_fast_entries(std::make_index_sequence<std::size(kSyscallSlots)>());

constexpr auto kVectorEntries = [] {
    std::array<void (*)(), std::size(kSyscallSlots)> entries{};
    for (size_t i = 0; i < entries.size(); ++i) entries[i] = kSyscallSlots[i].vector_entry;
    return entries;
}();

}  // namespace

void install_syscall_table(riscv::HartPage& page) {
    for (uint64_t number = 0; number < riscv::kSyscallTableSlots; ++number) {
        uint64_t entry = reinterpret_cast<uint64_t>(&unknown_entry);
        if (!fast_paths_enabled) {
            // Every call saves the whole frame first, and dispatch runs it (fast_paths.h).
            entry = reinterpret_cast<uint64_t>(&syscall_with_frame);
        } else if (std::optional<abi::Syscall> decoded = decode_syscall(number)) {
            auto index = static_cast<size_t>(*decoded);
            entry = kVectorEntries[index] ? reinterpret_cast<uint64_t>(kVectorEntries[index])
                    : kFastEntries[index] ? reinterpret_cast<uint64_t>(kFastEntries[index])
                                          : reinterpret_cast<uint64_t>(&syscall_with_frame);
        }
        page.syscall_table[number] = entry;
    }
}

SyscallResult dispatch(SyscallContext& context, riscv::TrapFrame& frame) {
    using namespace riscv::reg;
    uint64_t raw = frame.x[a7];
    if (raw >= abi::kTransferBase) {
        // What the trap vector's transfer path refused or does not do itself.
        if (raw < abi::kReply) return syscall::call(context, frame, raw - abi::kCall);
        if (raw == abi::kReply) return syscall::reply(context, frame);
        if (raw < abi::kTransferEnd) return syscall::send(context, frame, raw - abi::kSend);
        return abi::Error::UnknownSyscall;
    }
    std::optional<abi::Syscall> number = decode_syscall(raw);
    if (!number) return abi::Error::UnknownSyscall;
    auto index = static_cast<size_t>(*number);
    if (syscall::FrameHandler handler = kFrameHandlers[index]) return handler(context, frame);
#ifdef EXO_HOST
    // The host has no vector: a fast call comes here, to the handler its fast entry inlines.
    return kSyscallSlots[index].handler(
        context, {{frame.x[a0], frame.x[a1], frame.x[a2], frame.x[a3], frame.x[a4], frame.x[a5]}});
#else
    // The vector calls a fast slot's entry itself; only with the fast paths off (fast_paths.h)
    // does a fast call reach the frame path, and it runs the same entry on the saved registers.
    return kFastEntries[index](frame.x[a0], frame.x[a1], frame.x[a2], frame.x[a3], frame.x[a4],
                               frame.x[a5]);
#endif
}

}  // namespace exo
