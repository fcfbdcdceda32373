// The syscall table: one function per number, each validating before it changes anything.
#include "syscalls.h"

#include "console.h"
#include "power.h"
#include "syscall_decode.h"

namespace exo {
namespace {

using riscv::reg::a0;
using riscv::reg::a1;

SyscallResult sys_null(Environment&, riscv::TrapFrame&) { return SyscallResult::ok(); }

SyscallResult sys_console_write(Environment& caller, riscv::TrapFrame& frame) {
    uint64_t address = frame.x[a0];
    uint64_t length = frame.x[a1];
    if (length > abi::kConsoleWriteMax) return SyscallResult::fail(abi::Error::InvalidArgument);
    char buffer[256];
    uint64_t written = 0;
    while (written < length) {
        uint64_t chunk = length - written < sizeof(buffer) ? length - written : sizeof(buffer);
        // Copy everything first: a bad pointer halfway prints nothing of that chunk.
        if (abi::Error error = copy_from_user(caller, address + written, buffer, chunk);
            error != abi::Error::Ok) {
            return SyscallResult::fail(error);
        }
        console_write(buffer, chunk);
        written += chunk;
    }
    return SyscallResult::ok(written);
}

SyscallResult sys_exit(Environment& caller, riscv::TrapFrame& frame) {
    auto status = static_cast<int>(frame.x[a0]);
    kprintf("exo: environment '%s' exited with status %d\n", caller.name, status);
    shutdown(status);
}

using Handler = SyscallResult (*)(Environment&, riscv::TrapFrame&);

constexpr Handler kHandlers[] = {
    sys_null,
    sys_console_write,
    sys_exit,
};
static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) ==
                  static_cast<size_t>(abi::Syscall::Count),
              "one handler per syscall number");

}  // namespace

riscv::TrapFrame* handle_syscall(Environment& caller, riscv::TrapFrame& frame) {
    std::optional<abi::Syscall> number = decode_syscall(frame.x[riscv::reg::a7]);
    SyscallResult result = number ? kHandlers[static_cast<size_t>(*number)](caller, frame)
                                  : SyscallResult::fail(abi::Error::UnknownSyscall);
    frame.x[a0] = static_cast<uint64_t>(result.error);
    frame.x[a1] = result.value;
    return &frame;
}

}  // namespace exo
