// Builds the kernel page table (W^X: text R+X, rodata R, data R+W, nothing both W and X).
#include "memory/kernel_memory.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/hart_page.h"
#include "boot/panic.h"
#include "drivers/console.h"

extern "C" {
extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];
extern char __boot_stack_guard[], __boot_stack_bottom[], __emergency_stack_guard[],
    __emergency_stack_bottom[];
extern const uint64_t kernel_virtual_offset;  // arch/riscv64/boot.S
}

namespace exo {
namespace {

using namespace sv39::pte;
constexpr uint64_t kKernelLeaf = kValid | kGlobal | kAccessed | kDirty;

uint64_t root_pfn = 0;

class BootTables final : public DirectMapTables {
public:
    explicit BootTables(BootMemory& memory) : memory_(memory) {}
    std::optional<uint64_t> allocate_table() override {
        std::optional<uint64_t> frame = memory_.allocate_frame();
        if (!frame) return std::nullopt;
        auto* entries = physical_to_virtual<sv39::Entry>(*frame);
        for (uint64_t i = 0; i < sv39::kEntriesPerTable; ++i) entries[i] = {};
        return *frame >> sv39::kPageShift;
    }

private:
    BootMemory& memory_;
};

uint64_t virtual_offset() { return kernel_virtual_offset; }

void map_or_panic(PageTable& table, uint64_t virtual_address, uint64_t physical, uint64_t size,
                  uint64_t flags, const char* what) {
    abi::Error error = table.map_range(virtual_address, physical, size, flags | kKernelLeaf);
    if (error != abi::Error::Ok)
        panic("mapping %s at %lx (%lx bytes): %s", what, virtual_address, size,
              abi::to_string(error));
}

void map_image(PageTable& table, const char* start, const char* end, uint64_t flags,
               const char* what) {
    auto first = reinterpret_cast<uint64_t>(start);
    map_or_panic(table, first, first - virtual_offset(), reinterpret_cast<uint64_t>(end) - first,
                 flags, what);
}

void map_device(PageTable& table, AddressRange window, const char* what) {
    if (window.size == 0) return;
    uint64_t base = window.base & ~(sv39::kPageSize - 1);
    uint64_t size = (window.base + window.size - base + sv39::kPageSize - 1) &
                    ~(sv39::kPageSize - 1);
    // Device windows are uncached by the platform's PMAs (neither the FU540 nor QEMU's default
    // CPU has Svpbmt); what the page table adds is no execute and kernel-only access.
    map_or_panic(table, layout::direct_map(base), base, size, kRead | kWrite, what);
}

}  // namespace

uint64_t kernel_root_pfn() { return root_pfn; }

uint64_t kernel_image_physical(const void* pointer) {
    return reinterpret_cast<uint64_t>(pointer) - virtual_offset();
}

AddressRange kernel_image_range() {
    return {kernel_image_physical(__kernel_start),
            static_cast<uint64_t>(__kernel_end - __kernel_start)};
}

void kernel_memory_init(const DeviceTreeInfo& tree, BootMemory& boot_memory) {
    BootTables tables(boot_memory);
    std::optional<uint64_t> root = tables.allocate_table();
    if (!root) panic("no frame for the kernel page table");
    root_pfn = *root;
    PageTable table(tables, root_pfn);

    map_image(table, __kernel_start, __text_end, kRead | kExecute, "kernel text");
    map_image(table, __text_end, __rodata_end, kRead, "kernel rodata");
    map_image(table, __rodata_end, __boot_stack_guard, kRead | kWrite, "kernel data");
    // The guard pages stay unmapped.
    map_image(table, __boot_stack_bottom, __emergency_stack_guard, kRead | kWrite, "boot stack");
    map_image(table, __emergency_stack_bottom, __kernel_end, kRead | kWrite, "emergency stack");

    for (uint32_t i = 0; i < tree.memory_count; ++i) {
        AddressRange ram = tree.memory[i];
        map_or_panic(table, layout::direct_map(ram.base), ram.base, ram.size, kRead | kWrite,
                     "direct map");
    }
    for (uint32_t i = 0; i < tree.uart_count; ++i) map_device(table, tree.uarts[i].window, "uart");
    map_device(table, tree.plic.window, "plic");
    map_device(table, tree.test_finisher, "test finisher");
    map_device(table, tree.rtc.window, "rtc");
    for (uint32_t i = 0; i < tree.virtio_count; ++i)
        map_device(table, tree.virtio[i].window, "virtio");

    // The generated-code window (arch/riscv64/memory_layout.h), read-only until its user makes
    // a page executable; its frames stay the kernel's, reached for writing through the direct map.
    for (uint64_t page = 0; page < layout::kGeneratedCodePages; ++page) {
        std::optional<uint64_t> frame = boot_memory.allocate_frame();
        if (!frame) panic("no frame for generated code");
        auto* words = physical_to_virtual<uint64_t>(*frame);
        for (uint64_t i = 0; i < sv39::kPageSize / sizeof(uint64_t); ++i) words[i] = 0;
        map_or_panic(table, layout::kGeneratedCodeBase + page * sv39::kPageSize, *frame,
                     sv39::kPageSize, kRead, "generated code");
    }

    // The hart page (arch/riscv64/hart_page.h), at the top of the address space.
    std::optional<uint64_t> hart_frame = boot_memory.allocate_frame();
    if (!hart_frame) panic("no frame for the hart page");
    auto* bytes = physical_to_virtual<std::byte>(*hart_frame);
    for (uint64_t i = 0; i < sv39::kPageSize; ++i) bytes[i] = std::byte{0};
    map_or_panic(table, riscv::kHartPageAddress, *hart_frame, sv39::kPageSize, kRead | kWrite,
                 "hart page");

    // Every environment copies the root's upper half when it is created, so from here on the
    // kernel never adds a root entry: its mappings are all made above, at boot.
    riscv::write<riscv::Csr::satp>(sv39::make_satp(root_pfn, 0));
    riscv::flush_tlb_all();
}

}  // namespace exo
