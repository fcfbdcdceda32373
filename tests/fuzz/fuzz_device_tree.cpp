// libFuzzer target: arbitrary bytes as the device tree blob the firmware hands over. ASan catches
// any read outside the blob; on success the extracted ranges must be ones the kernel can trust,
// and the bytes past the header's totalsize must not have been consulted.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "boot/device_tree.h"
#include "fuzz_support.h"

namespace {

using exo::AddressRange;
using exo::DeviceTreeError;
using exo::DeviceTreeInfo;
using exo::fuzz::check;

// Where the blob is said to live: OpenSBI's usual spot on QEMU virt.
constexpr uint64_t kBlobAddress = 0x87e00000;

void check_range(const AddressRange& range, const char* what) {
    check(range.base + range.size >= range.base, what, range.base);
}

bool same_range(const AddressRange& a, const AddressRange& b) {
    return a.base == b.base && a.size == b.size;
}

bool same_uart(const exo::UartInfo& a, const exo::UartInfo& b) {
    return a.kind == b.kind && same_range(a.window, b.window) && a.irq == b.irq &&
           a.clock_hz == b.clock_hz && a.reg_shift == b.reg_shift;
}

// Field by field: the structs have padding, so memcmp would compare garbage.
bool same_info(const DeviceTreeInfo& a, const DeviceTreeInfo& b) {
    if (a.model != b.model || a.memory_count != b.memory_count ||
        a.reserved_count != b.reserved_count || a.timebase_hz != b.timebase_hz ||
        a.cpu_count != b.cpu_count || a.uart_count != b.uart_count ||
        a.virtio_count != b.virtio_count)
        return false;
    for (uint32_t i = 0; i < a.memory_count; ++i)
        if (!same_range(a.memory[i], b.memory[i])) return false;
    for (uint32_t i = 0; i < a.reserved_count; ++i)
        if (!same_range(a.reserved[i], b.reserved[i])) return false;
    for (uint32_t i = 0; i < a.cpu_count; ++i) {
        const exo::CpuInfo &x = a.cpus[i], &y = b.cpus[i];
        if (x.hart_id != y.hart_id || x.usable != y.usable || x.has_sstc != y.has_sstc ||
            x.plic_supervisor_context != y.plic_supervisor_context)
            return false;
    }
    for (uint32_t i = 0; i < a.uart_count; ++i)
        if (!same_uart(a.uarts[i], b.uarts[i])) return false;
    for (uint32_t i = 0; i < a.virtio_count; ++i)
        if (!same_range(a.virtio[i].window, b.virtio[i].window) ||
            a.virtio[i].irq != b.virtio[i].irq)
            return false;
    return same_uart(a.console, b.console) && same_range(a.plic.window, b.plic.window) &&
           a.plic.source_count == b.plic.source_count && same_range(a.clint, b.clint) &&
           same_range(a.test_finisher, b.test_finisher) && same_range(a.rtc.window, b.rtc.window) &&
           a.rtc.irq == b.rtc.irq;
}

void check_parsed(const DeviceTreeInfo& info, std::span<const std::byte> blob) {
    uint32_t total_size = exo::device_tree_total_size(blob);
    check(total_size >= 40 && total_size <= blob.size(), "totalsize outside the blob", total_size);

    check(info.memory_count >= 1 && info.memory_count <= info.memory.size(), "memory count",
          info.memory_count);
    for (uint32_t i = 0; i < info.memory_count; ++i) {
        check(info.memory[i].size != 0, "empty memory range", i);
        check_range(info.memory[i], "memory range wraps");
    }
    check(info.reserved_count >= 1 && info.reserved_count <= info.reserved.size(), "reserved count",
          info.reserved_count);
    for (uint32_t i = 0; i < info.reserved_count; ++i) {
        check(info.reserved[i].size != 0, "empty reserved range", i);
        check_range(info.reserved[i], "reserved range wraps");
    }
    // The blob's own frames come last, exactly [address, +totalsize).
    const AddressRange& self = info.reserved[info.reserved_count - 1];
    check(self.base == kBlobAddress && self.size == total_size, "blob not reserved", self.size);

    check(info.cpu_count >= 1 && info.cpu_count <= info.cpus.size(), "cpu count", info.cpu_count);
    check(info.uart_count <= info.uarts.size(), "uart count", info.uart_count);
    check(info.virtio_count <= info.virtio.size(), "virtio count", info.virtio_count);
    check(info.model.back() == '\0', "model not terminated");

    // The console is one of the UARTs found, and there is one whenever a UART was found.
    check((info.console.kind == exo::UartKind::None) == (info.uart_count == 0),
          "console without uart");
    bool console_listed = info.console.kind == exo::UartKind::None;
    for (uint32_t i = 0; i < info.uart_count; ++i) {
        check(info.uarts[i].kind != exo::UartKind::None, "uart without kind", i);
        check_range(info.uarts[i].window, "uart window wraps");
        console_listed = console_listed || same_uart(info.uarts[i], info.console);
    }
    check(console_listed, "console not among the uarts");
    for (uint32_t i = 0; i < info.virtio_count; ++i)
        check_range(info.virtio[i].window, "virtio window wraps");
    check_range(info.plic.window, "plic window wraps");
    check_range(info.clint, "clint window wraps");
    check_range(info.test_finisher, "test finisher window wraps");
    check_range(info.rtc.window, "rtc window wraps");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const std::byte> blob{reinterpret_cast<const std::byte*>(data), size};
    DeviceTreeInfo info;
    DeviceTreeError error = exo::parse_device_tree(blob, kBlobAddress, info);
    uint32_t total_size = exo::device_tree_total_size(blob);
    if (error == DeviceTreeError::None) check_parsed(info, blob);

    // Only [0, totalsize) is the blob: the same bytes in an exactly sized buffer (so ASan fences
    // the end) must give the same answer.
    if (total_size >= 40 && total_size < size) {
        std::vector<std::byte> exact(blob.begin(), blob.begin() + total_size);
        DeviceTreeInfo again;
        DeviceTreeError error_again = exo::parse_device_tree(exact, kBlobAddress, again);
        check(error == error_again, "bytes past totalsize changed the result",
              static_cast<uint64_t>(error_again));
        if (error == DeviceTreeError::None)
            check(same_info(info, again), "bytes past totalsize changed the tree");
    }
    return 0;
}
