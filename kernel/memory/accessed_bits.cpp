// The accessed-bit probe (see accessed_bits.h).
#include "memory/accessed_bits.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/hart_page.h"
#include "memory/kernel_memory.h"
#include "memory/page_table.h"

namespace exo {

bool force_exceptions_through_kernel = false;
namespace {
constexpr abi::TrapPage always_busy() {
    abi::TrapPage page{};
    page.busy = 1;
    return page;
}
}  // namespace

constinit const abi::TrapPage kExceptionsThroughKernel = always_busy();

namespace {

// Two pages below the hart page: in the hart page's level-0 table, used by nothing else.
constexpr uint64_t kProbeAddress = riscv::kHartPageAddress - 2 * sv39::kPageSize;
bool probing = false;
bool probe_faulted = false;

}  // namespace

bool hardware_sets_accessed_bits() {
    DirectMapTables tables;
    PageTable table(tables, kernel_root_pfn());
    abi::Error error = abi::Error::Ok;
    sv39::Entry* slot = table.walk(kProbeAddress, 0, false, error);
    sv39::Entry* hart = table.lookup(riscv::kHartPageAddress);
    if (slot == nullptr || hart == nullptr || slot->raw != 0)
        return false; // be safe: the slow path
    // The hart page's frame again, readable, accessed bit clear.
    slot->raw = (hart->pfn() << sv39::pte::kPfnShift) | sv39::pte::kValid | sv39::pte::kRead;
    riscv::flush_tlb_all();
    probing = true;
    probe_faulted = false;
    uint64_t value;
    // Four bytes exactly (no compressed form), so the fault handler knows what to skip.
    asm volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                 : "=r"(value)
                 : "r"(kProbeAddress)
                 : "memory");
    (void)value;
    probing = false;
    bool hardware = !probe_faulted && (slot->raw & sv39::pte::kAccessed);
    slot->raw = 0;
    riscv::flush_tlb_all();
    return hardware;
}

bool skip_accessed_bit_probe_fault(riscv::TrapFrame& frame) {
    if (!probing || frame.stval != kProbeAddress) return false;
    probe_faulted = true;
    frame.pc() += 4;
    return true;
}

}  // namespace exo
