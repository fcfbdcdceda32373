// An environment that owns a device hands its register page to every syscall that takes a user
// buffer. The page is mapped readable and writable for it (its page-table entry says so), but it
// is no RAM of its own: the kernel must refuse each call with BadAddress, never read the device
// (a byte load from a device that takes only word accesses used to stop the whole machine), and
// keep running. Buffers that start in RAM and run into the device page are refused the same way.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../check.h"

namespace {

using abi::Error;

// In one 2 MiB region, so the two donated frames pay for every page-table node they need.
constexpr uint64_t kRamPage = 0x50000000;           // a page of our RAM
constexpr uint64_t kDevicePage = kRamPage + 0x1000; // the device's registers, just above it
// The RAM page's last 8 bytes: on the console only if the kernel printed part of a refused buffer.
constexpr char kMustNotPrint[] = "LEAKED:!";

int refused = 0;

void expect_refused(Error error, const char* what) {
    if (error == Error::BadAddress) {
        ++refused;
        return;
    }
    exos::printf("CHECK FAILED: %s: %s instead of bad address\n", what, abi::to_string(error));
    ++scenario::failures;
}

// Every call that reads a user buffer, with the buffer at `address`.
void every_buffer_call(uint64_t address, const char* where) {
    exos::printf("device_buffers: buffers %s\n", where);
    expect_refused(exos::syscall(abi::Syscall::ConsoleWrite, address, 16).error, "ConsoleWrite");
    // EnvCreate checks the count before it reads the list: ask for the count first.
    exos::SyscallReturn sizing = exos::syscall(abi::Syscall::EnvCreate, 0, 0, 0);
    EXPECT(sizing.error == Error::NoMemory && sizing.value > 0 && sizing.value <= 256);
    expect_refused(exos::syscall(abi::Syscall::EnvCreate, 0, address, sizing.value).error,
                   "EnvCreate frame list");
    expect_refused(exos::syscall(abi::Syscall::ResumeContext, address).error,
                   "ResumeContext TrapState");
}

} // namespace

int main() {
    const volatile abi::SharedInfo& info = exos::shared_info();
    EXPECT(info.device_count > 0);
    EXPECT(info.initial_frame_count >= 3);
    if (scenario::failures != 0) return scenario::failures;

    EXPECT(exos::syscall(abi::Syscall::DeviceClaim, 0).error == Error::Ok);
    EXPECT(exos::page_table_donate(info.initial_frames[0]) == Error::Ok);
    EXPECT(exos::page_table_donate(info.initial_frames[1]) == Error::Ok);
    constexpr uint64_t kReadWrite = abi::permission::kRead | abi::permission::kWrite;
    EXPECT(exos::map(kRamPage, info.initial_frames[2], 1, kReadWrite) == Error::Ok);
    EXPECT(exos::map(kDevicePage, info.devices[0].base >> 12, 1, kReadWrite) == Error::Ok);
    // What the page table says: valid, user, readable and writable (Sv39 bits 0, 4, 1 and 2).
    uint64_t entry = exos::pte_read(kDevicePage);
    EXPECT((entry & 0x17) == 0x17);
    exos::printf("device_buffers: device %u mapped at %lx, its entry %lx\n", 0, kDevicePage, entry);

    char* ram_end = reinterpret_cast<char*>(kDevicePage) - 8;
    for (uint64_t i = 0; i < 8; ++i)
        ram_end[i] = kMustNotPrint[i];

    every_buffer_call(kDevicePage, "on the device page");
    every_buffer_call(kDevicePage + 0x100, "inside the device page");
    every_buffer_call(kDevicePage - 8, "running from RAM into the device page");

    // The device page itself is still ours and works from U-mode: a word load is what it takes.
    (void)*reinterpret_cast<volatile uint32_t*>(kDevicePage);
    // And the kernel still serves buffers in RAM.
    const char text[] = "device_buffers: the kernel still reads RAM buffers\n";
    EXPECT(exos::console_write(text, sizeof(text) - 1).error == Error::Ok);
    EXPECT_AUDIT_CLEAN("the refused calls");
    exos::printf("device_buffers: %d calls refused with bad address\n", refused);
    exos::printf("device_buffers: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
