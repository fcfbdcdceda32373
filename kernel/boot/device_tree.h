// Flattened device tree (DTB) parser: validates the blob the firmware hands over and extracts what
// the kernel needs to boot (memory, reservations, harts, console, interrupt controllers, devices).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace exo {

enum class DeviceTreeError : uint8_t {
    None,
    TooSmall,     // fewer bytes than a header
    BadMagic,     // not 0xd00dfeed
    BadVersion,   // older than 17, or needs a reader newer than 17
    BadHeader,    // a block offset or size points outside the blob, or is misaligned
    Truncated,    // the blob (or a block) ends before its contents do
    BadStructure, // token stream malformed, or a property we interpret is malformed
    BadString,    // a name or string value is not NUL-terminated inside its block
    MissingNode,  // no usable /cpus or /memory information
    TooMany,      // a fixed table below overflowed
};

const char* to_string(DeviceTreeError error);

inline constexpr uint32_t kNoContext = 0xffffffff;

struct AddressRange {
    uint64_t base = 0;
    uint64_t size = 0;
};

enum class UartKind : uint8_t { None, Ns16550a, Sifive };

struct UartInfo {
    UartKind kind = UartKind::None;
    AddressRange window;
    uint32_t irq = 0;       // first cell of `interrupts`, 0 if absent
    uint32_t clock_hz = 0;  // `clock-frequency`, 0 if absent (sifive,uart0 uses `clocks` instead)
    uint32_t reg_shift = 0; // `reg-shift`, 0 if absent
};

struct CpuInfo {
    uint32_t hart_id = 0;                          // the cpu node's `reg`
    bool usable = false;                           // status okay (or absent) and has an mmu-type
    bool has_sstc = false;                         // "sstc" in riscv,isa or riscv,isa-extensions
    uint32_t plic_supervisor_context = kNoContext; // PLIC context whose irq is 9 (S external)
};

struct PlicInfo {
    AddressRange window;
    uint32_t source_count = 0; // riscv,ndev
};

struct IrqDevice {
    AddressRange window;
    uint32_t irq = 0;
};

// Everything the parser extracts. Devices whose status is neither absent nor "okay" are skipped;
// cpus are always listed, with usable = false when disabled.
struct DeviceTreeInfo {
    std::array<char, 64> model{};         // /model, NUL-terminated, truncated if longer
    std::array<char, 128> bootargs{};     // /chosen bootargs (QEMU's -append), the same way
    std::array<AddressRange, 4> memory{}; // every /memory node's reg entries
    uint32_t memory_count = 0;
    // The memory-reservation block, every /reserved-memory child's reg, then the blob itself.
    std::array<AddressRange, 16> reserved{};
    uint32_t reserved_count = 0;
    uint64_t timebase_hz = 0; // /cpus timebase-frequency, or a cpu's if only there
    std::array<CpuInfo, 8> cpus{};
    uint32_t cpu_count = 0;
    UartInfo console; // the /chosen stdout-path device if it names a UART, else the first UART
    std::array<UartInfo, 4> uarts{}; // ns16550a / sifive,uart0 nodes in tree order
    uint32_t uart_count = 0;
    PlicInfo plic;                     // "riscv,plic0" or "sifive,plic-1.0.0"
    AddressRange clint;                // "riscv,clint0" or "sifive,clint0"
    AddressRange test_finisher;        // "sifive,test1" or "sifive,test0" (QEMU virt's exit device)
    IrqDevice rtc;                     // "google,goldfish-rtc"
    std::array<IrqDevice, 8> virtio{}; // "virtio,mmio" nodes in tree order
    uint32_t virtio_count = 0;
};

// Parses the blob. blob_physical_address is where the blob lives in physical memory; the parser
// adds [blob_physical_address, +totalsize) to `reserved` so the kernel never hands those frames
// out. On error `out` is partly filled and must not be used.
DeviceTreeError parse_device_tree(std::span<const std::byte> blob, uint64_t blob_physical_address,
                                  DeviceTreeInfo& out);

// Reads only the header's totalsize (0 when the magic is wrong or fewer than 40 bytes are given),
// so early boot can learn how much memory to map or reserve before parsing.
uint32_t device_tree_total_size(std::span<const std::byte> header);

} // namespace exo
