// Shutdown paths, in the order of preference described in power.h.
#include "boot/power.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/sbi.h"
#include "drivers/console.h"
#include "drivers/mmio.h"

namespace exo {
namespace {

Mmio test_finisher;
constexpr uint32_t kFinisherPass = 0x5555;
constexpr uint32_t kFinisherFail = 0x3333;  // with the exit code in bits 16..31

}  // namespace

void power_use_test_finisher(uintptr_t mapped_base) { test_finisher = Mmio(mapped_base); }

void shutdown(int status) {
    kprintf("exo: exit status %d\n", status);
    if (status != 0 && test_finisher.present()) {
        test_finisher.write32(0, kFinisherFail | static_cast<uint32_t>(status & 0xffff) << 16);
    }
    if (sbi::probe(sbi::Extension::SystemReset)) {
        sbi::system_reset(sbi::ResetType::Shutdown,
                          status == 0 ? sbi::ResetReason::None : sbi::ResetReason::SystemFailure);
        // The FU540's firmware has no shutdown, only a reset.
        sbi::system_reset(sbi::ResetType::ColdReboot, sbi::ResetReason::None);
    }
    if (status == 0 && test_finisher.present()) test_finisher.write32(0, kFinisherPass);
    for (;;) riscv::wait_for_interrupt();
}

}  // namespace exo
