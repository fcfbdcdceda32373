// Claims exported device 0, maps its registers, binds its PLIC line and takes its interrupts
// in its own slots: a few one at a time, then a storm (each acknowledgement re-arms it at once).
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "../memory/mailbox.h"
#include "device.h"

namespace {

abi::DeviceKind kind;
volatile uint64_t handled = 0;
volatile bool storm = false;

void on_interrupt(uint32_t line) {
    handled = handled + 1;
    device::quiet(kind);
    (void)exos::syscall(abi::Syscall::IrqAck, line);
    // While the parent wants the storm, re-arm at once (on the FU540 UART the line is then
    // pending again before this upcall even returns).
    if (storm && mailbox::at().words[4] == 1) device::trigger(kind);
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    const volatile abi::SharedInfo& info = exos::shared_info();
    mailbox::Mailbox& box = mailbox::at();
    while (box.words[0] == 0) (void)exos::yield(info.parent_id);
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (box.words[0] >> slot & 1) (void)exos::syscall(abi::Syscall::SliceReserve, slot);
    }
    kind = info.devices[0].kind;
    exos::SyscallReturn claimed = exos::syscall(abi::Syscall::DeviceClaim, 0);
    if (claimed.error != abi::Error::Ok) return 2;
    uint32_t line = static_cast<uint32_t>(claimed.value);
    for (uint64_t i = 3; i < 5; ++i) (void)exos::page_table_donate(info.initial_frames[i]);
    if (exos::map(device::kMapped, info.devices[0].base >> 12, 1,
                  abi::permission::kRead | abi::permission::kWrite) != abi::Error::Ok) {
        return 3;
    }
    // Device pages are never executable, even for their owner.
    if (exos::protect(device::kMapped, 1, abi::permission::kAll) != abi::Error::BadPermission)
        return 4;
    (void)exos::set_interrupt_handler(on_interrupt);
    if (exos::syscall(abi::Syscall::IrqBind, line).error != abi::Error::Ok) return 5;
    box.words[1] = line;
    box.state = mailbox::kDone;

    for (int i = 0; i < 5; ++i) {
        uint64_t before = handled;
        device::trigger(kind);
        while (handled == before) (void)exos::yield();
    }
    box.words[2] = handled;
    box.words[3] = info.irq_delivered;
    // The storm: every acknowledgement re-arms the device, until the parent says stop.
    while (box.words[4] == 0) (void)exos::yield(info.parent_id);
    storm = true;
    device::trigger(kind);
    while (box.words[4] == 1) {
    }
    storm = false;
    box.words[5] = handled;
    box.state = mailbox::kReported;
    for (;;) (void)exos::yield();
}
