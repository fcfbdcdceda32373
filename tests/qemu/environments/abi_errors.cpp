// Hostile calls on the ABI: unknown numbers and bad console pointers must come back as errors,
// and the kernel must keep serving this environment afterwards.
#include <exos/console.h>
#include <exos/syscall.h>

#include "check.h"

namespace {

using abi::Error;

alignas(4096) char page_of_text[4096];

void unknown_numbers() {
    const uint64_t numbers[] = {static_cast<uint64_t>(abi::Syscall::Count), 1000, ~uint64_t{0},
                                uint64_t{1} << 63};
    for (uint64_t number : numbers) EXPECT(exos::syscall(number).error == Error::UnknownSyscall);
}

void bad_console_pointers() {
    // Kernel half: the direct map and the kernel image.
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, 0xffffffc080000000, 8).error ==
           Error::BadAddress);
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, 0xffffffff80200000, 8).error ==
           Error::BadAddress);
    // Unmapped user pages: page zero, and far above the image.
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, 0, 1).error == Error::BadAddress);
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, 0x200000000, 1).error == Error::BadAddress);
    // Wrapping around the top of the address space.
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, ~uint64_t{0} - 2, 8).error ==
           Error::BadAddress);
    // Too long.
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, reinterpret_cast<uint64_t>(page_of_text),
                        abi::kConsoleWriteMax + 1)
               .error == Error::InvalidArgument);
    // The stack's top page is mapped, the page above it is not: a write running across fails.
    EXPECT(exos::syscall(abi::Syscall::ConsoleWrite, 0x3ffffff000 - 4, 8).error ==
           Error::BadAddress);
}

void good_calls_still_work() {
    EXPECT(exos::null_syscall() == Error::Ok);
    const char text[] = "abi_errors: console still works after hostile calls\n";
    exos::SyscallReturn result = exos::console_write(text, sizeof(text) - 1);
    EXPECT(result.error == Error::Ok && result.value == sizeof(text) - 1);
}

}  // namespace

int main() {
    unknown_numbers();
    bad_console_pointers();
    good_calls_still_work();
    exos::printf("abi_errors: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
