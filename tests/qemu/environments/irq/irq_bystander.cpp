// Everything an environment that does not own the device might try: each must be refused, and
// no interrupt may reach it. After the owner is destroyed, the device must be free to claim.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"
#include "device.h"

namespace {
volatile uint64_t received = 0;
void on_interrupt(uint32_t) { received = received + 1; }
abi::Error call(abi::Syscall number, uint64_t argument) {
    return exos::syscall(number, argument).error;
}
}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    const volatile abi::SharedInfo& info = exos::shared_info();
    mailbox::Mailbox& box = mailbox::at();
    (void)exos::set_interrupt_handler(on_interrupt);
    while (box.words[1] == 0) (void)exos::yield(info.parent_id);  // the owner's line
    uint32_t line = static_cast<uint32_t>(box.words[1]);
    uint64_t refused = 0, failures = 0;
    auto expect = [&](bool ok) { ok ? ++refused : ++failures; };
    for (uint64_t i = 3; i < 5; ++i) (void)exos::page_table_donate(info.initial_frames[i]);
    expect(call(abi::Syscall::DeviceClaim, 0) == abi::Error::Busy);
    expect(call(abi::Syscall::DeviceClaim, 99) == abi::Error::InvalidArgument);
    expect(call(abi::Syscall::DeviceRelease, 0) == abi::Error::NotOwner);
    expect(call(abi::Syscall::IrqBind, line) == abi::Error::NotOwner);
    expect(call(abi::Syscall::IrqAck, line) == abi::Error::NotOwner);
    expect(call(abi::Syscall::IrqUnbind, line) == abi::Error::NotOwner);
    expect(call(abi::Syscall::IrqBind, 0) == abi::Error::OutOfRange);
    expect(call(abi::Syscall::IrqBind, 100000) == abi::Error::OutOfRange);
    expect(exos::map(device::kMapped, info.devices[0].base >> 12, 1, abi::permission::kRead) ==
           abi::Error::NotOwner);
    expect(call(abi::Syscall::SliceReserve, 1) == abi::Error::Busy);  // the owner's slot
    // Every line: none may be bound without owning its device, the kernel's console least.
    uint64_t not_permitted = 0;
    for (uint64_t candidate = 1; candidate < 128; ++candidate) {
        abi::Error error = call(abi::Syscall::IrqBind, candidate);
        if (error == abi::Error::Ok) ++failures;
        not_permitted += error == abi::Error::NotPermitted;
    }
    expect(not_permitted == 1);
    box.words[2] = refused;
    box.words[3] = failures;
    box.state = mailbox::kDone;
    // After the parent destroyed the owner: the device and its line are free.
    while (box.words[4] == 0) (void)exos::yield(info.parent_id);
    box.words[5] = received;
    box.words[6] = info.irq_delivered;
    box.words[7] = call(abi::Syscall::DeviceClaim, 0) == abi::Error::Ok &&
                   call(abi::Syscall::IrqBind, line) == abi::Error::Ok &&
                   call(abi::Syscall::IrqUnbind, line) == abi::Error::Ok &&
                   call(abi::Syscall::DeviceRelease, 0) == abi::Error::Ok;
    box.state = mailbox::kReported;
    for (;;) (void)exos::yield(info.parent_id);
}
