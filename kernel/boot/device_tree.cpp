// Flattened device tree parser (Devicetree Specification v0.4, chapter 5 "Flattened Devicetree"):
// interprets the nodes the format layer (fdt_format.h) walks: memory, reservations, harts and
// their PLIC contexts, UARTs and the other devices the kernel needs.
#include "boot/device_tree.h"

#include "boot/fdt_format.h"

#include <optional>
#include <string_view>

namespace exo {
namespace {

using namespace fdt;

// The properties of one node that the kernel interprets; spans are empty when absent.
struct Properties {
    Bytes compatible, reg, interrupts, interrupts_extended, status, device_type, model;
    Bytes clock_frequency, reg_shift, timebase_frequency, isa, isa_extensions, mmu_type;
    Bytes phandle, source_count, address_cells, size_cells, stdout_path, interrupt_controller;
    Bytes bootargs;

    void record(std::string_view name, Bytes value) {
        struct Entry {
            std::string_view name;
            Bytes Properties::*field;
        };
        static constexpr Entry kEntries[] = {
            {"compatible", &Properties::compatible},
            {"reg", &Properties::reg},
            {"interrupts", &Properties::interrupts},
            {"interrupts-extended", &Properties::interrupts_extended},
            {"status", &Properties::status},
            {"device_type", &Properties::device_type},
            {"model", &Properties::model},
            {"clock-frequency", &Properties::clock_frequency},
            {"reg-shift", &Properties::reg_shift},
            {"timebase-frequency", &Properties::timebase_frequency},
            {"riscv,isa", &Properties::isa},
            {"riscv,isa-extensions", &Properties::isa_extensions},
            {"mmu-type", &Properties::mmu_type},
            {"phandle", &Properties::phandle},
            {"riscv,ndev", &Properties::source_count},
            {"#address-cells", &Properties::address_cells},
            {"#size-cells", &Properties::size_cells},
            {"stdout-path", &Properties::stdout_path},
            {"interrupt-controller", &Properties::interrupt_controller},
            {"bootargs", &Properties::bootargs},
        };
        for (const Entry& entry : kEntries)
            if (equal(entry.name, name)) this->*entry.field = value;
    }
};

enum class NodeRole : uint8_t { Other, Root, Cpus, Cpu, ReservedMemory };

struct Frame {
    std::string_view name;
    uint32_t offset = 0;
    uint32_t address_cells = 2; // DTSpec 2.3.5 defaults, for this node's children
    uint32_t size_cells = 1;
    NodeRole role = NodeRole::Other;
    uint32_t cpu_index = 0;
    bool properties_done = false; // properties precede subnodes (DTSpec 5.4.2)
};

class Walker {
public:
    Walker(const Layout& layout, DeviceTreeInfo& out) : layout_(layout), out_(out) {}

    DeviceTreeError walk() {
        StructureCursor cursor(layout_, 0);
        TokenView token;
        uint32_t depth = 0;
        while (true) {
            if (DeviceTreeError error = cursor.next(token); error != DeviceTreeError::None)
                return error;
            if (token.kind == Token::End) return DeviceTreeError::None;
            if (token.kind == Token::Property) {
                if (frames_[depth - 1].properties_done) return DeviceTreeError::BadStructure;
                properties_.record(token.name, token.value);
                continue;
            }
            if (depth > 0 && !frames_[depth - 1].properties_done) {
                if (DeviceTreeError error = finish(depth - 1); error != DeviceTreeError::None)
                    return error;
            }
            if (token.kind == Token::EndNode) {
                --depth;
                continue;
            }
            frames_[depth] = Frame{.name = token.name, .offset = token.offset};
            properties_ = Properties{};
            ++depth;
        }
    }

    DeviceTreeError resolve_plic_contexts() {
        Bytes pairs = plic_contexts_;
        if (pairs.size() % 8 != 0) return DeviceTreeError::BadStructure;
        for (uint32_t context = 0; context < pairs.size() / 8; ++context) {
            uint32_t phandle = load32(pairs, context * 8), irq = load32(pairs, context * 8 + 4);
            if (irq != kSupervisorExternalIrq || phandle == 0) continue;
            for (uint32_t cpu = 0; cpu < out_.cpu_count; ++cpu)
                if (cpu_controller_phandles_[cpu] == phandle &&
                    out_.cpus[cpu].plic_supervisor_context == kNoContext)
                    out_.cpus[cpu].plic_supervisor_context = context;
        }
        return DeviceTreeError::None;
    }

    void choose_console() {
        std::optional<std::string_view> path = as_string(stdout_path_);
        if (path) {
            *path = before(*path, ':'); // drop options such as ":115200n8"
            if (!path->empty() && (*path)[0] != '/') {
                std::optional<uint32_t> aliases = find_node(layout_, "/aliases");
                if (aliases) path = as_string(find_property(layout_, *aliases, *path));
            }
        }
        std::optional<uint32_t> node = path ? find_node(layout_, *path) : std::nullopt;
        for (uint32_t index = 0; node && index < out_.uart_count; ++index)
            if (uart_offsets_[index] == *node) out_.console = out_.uarts[index];
        if (out_.console.kind == UartKind::None && out_.uart_count > 0)
            out_.console = out_.uarts[0];
    }

private:
    // Called once a node's properties are complete: at its first child or at its end.
    DeviceTreeError finish(uint32_t depth) {
        Frame& frame = frames_[depth];
        frame.properties_done = true;
        const Properties& node = properties_;
        if (present(node.address_cells)) {
            if (node.address_cells.size() != 4) return DeviceTreeError::BadStructure;
            frame.address_cells = load32(node.address_cells, 0);
        }
        if (present(node.size_cells)) {
            if (node.size_cells.size() != 4) return DeviceTreeError::BadStructure;
            frame.size_cells = load32(node.size_cells, 0);
        }
        std::optional<std::string_view> compatible = as_string(node.compatible);
        std::optional<std::string_view> device_type = as_string(node.device_type);
        std::optional<std::string_view> status = as_string(node.status);
        if ((present(node.compatible) && !compatible) ||
            (present(node.device_type) && !device_type) || (present(node.status) && !status))
            return DeviceTreeError::BadString;
        bool okay = !status || is(status, "okay") || is(status, "ok");
        if (depth == 0) {
            frame.role = NodeRole::Root;
            return copy_string(properties_.model, out_.model);
        }
        const Frame& parent = frames_[depth - 1];
        if (parent.role == NodeRole::Root) {
            if (equal(frame.name, "cpus")) frame.role = NodeRole::Cpus;
            if (equal(frame.name, "reserved-memory")) frame.role = NodeRole::ReservedMemory;
            if (equal(frame.name, "chosen")) {
                stdout_path_ = node.stdout_path;
                return copy_string(node.bootargs, out_.bootargs);
            }
            if (is(device_type, "memory") || node_name_matches(frame.name, "memory"))
                return append_all(parent, out_.memory, out_.memory_count);
        }
        if (frame.role == NodeRole::Cpus ||
            (parent.role == NodeRole::Cpus && is(device_type, "cpu")))
            if (std::optional<uint64_t> hz = read_number(node.timebase_frequency);
                hz && out_.timebase_hz == 0)
                out_.timebase_hz = *hz;
        if (parent.role == NodeRole::ReservedMemory)
            return append_all(parent, out_.reserved, out_.reserved_count);
        if (parent.role == NodeRole::Cpus && is(device_type, "cpu"))
            return add_cpu(frame, parent, okay);
        if (parent.role == NodeRole::Cpu && present(node.interrupt_controller)) {
            cpu_controller_phandles_[parent.cpu_index] = first_cell(node.phandle);
            return DeviceTreeError::None;
        }
        if (!compatible || !okay) return DeviceTreeError::None;
        return add_device(*compatible, parent, frame);
    }

    // Copies a string property, truncated so the array keeps its final NUL.
    template <size_t size>
    static DeviceTreeError copy_string(Bytes property, std::array<char, size>& out) {
        std::optional<std::string_view> text = as_string(property);
        if (present(property) && !text) return DeviceTreeError::BadString;
        for (size_t index = 0; text && index < text->size() && index + 1 < size; ++index)
            out[index] = (*text)[index];
        return DeviceTreeError::None;
    }

    // Decodes `reg` entry `index` with the parent's cell counts (DTSpec 2.3.6).
    static std::optional<AddressRange> reg_entry(Bytes reg, const Frame& parent, size_t index) {
        uint32_t address_cells = parent.address_cells, size_cells = parent.size_cells;
        if (address_cells < 1 || address_cells > 2 || size_cells > 2) return std::nullopt;
        size_t entry_size = 4 * (address_cells + size_cells);
        if (reg.size() % entry_size != 0 || reg.size() / entry_size <= index) return std::nullopt;
        Bytes entry = reg.subspan(index * entry_size, entry_size);
        AddressRange range;
        range.base = address_cells == 2 ? load64(entry, 0) : load32(entry, 0);
        Bytes size = entry.subspan(4 * address_cells);
        range.size = size_cells == 2 ? load64(size, 0) : size_cells == 1 ? load32(size, 0) : 0;
        // A window that wraps past 2^64 describes no device: the kernel would map garbage.
        if (range.base + range.size < range.base) return std::nullopt;
        return range;
    }

    template <size_t N>
    DeviceTreeError append_all(const Frame& parent, std::array<AddressRange, N>& table,
                               uint32_t& count) {
        Bytes reg = properties_.reg;
        if (reg.empty()) return DeviceTreeError::None; // e.g. a dynamically placed reservation
        for (size_t index = 0;; ++index) {
            std::optional<AddressRange> range = reg_entry(reg, parent, index);
            if (!range) return index == 0 ? DeviceTreeError::BadStructure : DeviceTreeError::None;
            if (DeviceTreeError error = append(table, count, *range);
                error != DeviceTreeError::None)
                return error;
        }
    }

    DeviceTreeError add_cpu(Frame& frame, const Frame& parent, bool okay) {
        const Properties& node = properties_;
        std::optional<AddressRange> reg = reg_entry(node.reg, parent, 0);
        if (!reg || reg->base > UINT32_MAX) return DeviceTreeError::BadStructure;
        if (out_.cpu_count == out_.cpus.size()) return DeviceTreeError::TooMany;
        std::optional<std::string_view> isa = as_string(node.isa);
        std::optional<std::string_view> extensions = as_string(node.isa_extensions);
        std::optional<std::string_view> mmu = as_string(node.mmu_type);
        CpuInfo& cpu = out_.cpus[out_.cpu_count];
        cpu.hart_id = static_cast<uint32_t>(reg->base);
        cpu.usable = okay && mmu && !is(mmu, "riscv,none");
        cpu.has_sstc = (isa && isa_has_extension(*isa, "sstc")) ||
                       (extensions && list_contains(*extensions, "sstc"));
        frame.role = NodeRole::Cpu;
        frame.cpu_index = out_.cpu_count++;
        return DeviceTreeError::None;
    }

    DeviceTreeError add_device(std::string_view compatible, const Frame& parent,
                               const Frame& frame) {
        const Properties& node = properties_;
        std::optional<AddressRange> window = reg_entry(node.reg, parent, 0);
        if (!window) return DeviceTreeError::None; // a device we cannot address is not ours
        uint32_t irq = first_cell(node.interrupts);
        UartKind uart =
            list_contains(compatible, "ns16550a") || list_contains(compatible, "ns16550")
                ? UartKind::Ns16550a
            : list_contains(compatible, "sifive,uart0") ? UartKind::Sifive
                                                        : UartKind::None;
        if (uart != UartKind::None) {
            if (out_.uart_count == out_.uarts.size()) return DeviceTreeError::TooMany;
            std::optional<uint64_t> clock = read_number(node.clock_frequency);
            uart_offsets_[out_.uart_count] = frame.offset;
            out_.uarts[out_.uart_count++] = UartInfo{
                .kind = uart,
                .window = *window,
                .irq = irq,
                .clock_hz = clock && *clock <= UINT32_MAX ? static_cast<uint32_t>(*clock) : 0,
                .reg_shift = first_cell(node.reg_shift)};
        } else if (list_contains(compatible, "virtio,mmio")) {
            if (out_.virtio_count == out_.virtio.size()) return DeviceTreeError::TooMany;
            out_.virtio[out_.virtio_count++] = IrqDevice{*window, irq};
        } else if ((list_contains(compatible, "riscv,plic0") ||
                    list_contains(compatible, "sifive,plic-1.0.0")) &&
                   out_.plic.window.size == 0) {
            out_.plic = PlicInfo{*window, first_cell(node.source_count)};
            plic_contexts_ = node.interrupts_extended;
        } else if (list_contains(compatible, "riscv,clint0") ||
                   list_contains(compatible, "sifive,clint0")) {
            out_.clint = *window;
        } else if (list_contains(compatible, "sifive,test1") ||
                   list_contains(compatible, "sifive,test0")) {
            out_.test_finisher = *window;
        } else if (list_contains(compatible, "google,goldfish-rtc")) {
            out_.rtc = IrqDevice{*window, irq};
        }
        return DeviceTreeError::None;
    }

    const Layout& layout_;
    DeviceTreeInfo& out_;
    std::array<Frame, kMaxDepth> frames_{};
    Properties properties_{};
    Bytes stdout_path_;
    Bytes plic_contexts_;
    std::array<uint32_t, 8> cpu_controller_phandles_{};
    std::array<uint32_t, 4> uart_offsets_{};
};

DeviceTreeError read_reservations(const Layout& layout, DeviceTreeInfo& out) {
    // Entries are (address, size) u64 pairs ending with a (0, 0) pair (DTSpec 5.3).
    for (size_t offset = layout.reservations_offset;; offset += 16) {
        if (layout.blob.size() - offset < 16) return DeviceTreeError::Truncated;
        AddressRange range{load64(layout.blob, offset), load64(layout.blob, offset + 8)};
        if (range.base == 0 && range.size == 0) return DeviceTreeError::None;
        if (DeviceTreeError error = append(out.reserved, out.reserved_count, range);
            error != DeviceTreeError::None)
            return error;
    }
}

} // namespace

const char* to_string(DeviceTreeError error) {
    switch (error) {
    case DeviceTreeError::None:
        return "none";
    case DeviceTreeError::TooSmall:
        return "blob smaller than a header";
    case DeviceTreeError::BadMagic:
        return "bad magic";
    case DeviceTreeError::BadVersion:
        return "unsupported version";
    case DeviceTreeError::BadHeader:
        return "header offsets outside the blob";
    case DeviceTreeError::Truncated:
        return "truncated";
    case DeviceTreeError::BadStructure:
        return "malformed structure block";
    case DeviceTreeError::BadString:
        return "unterminated string";
    case DeviceTreeError::MissingNode:
        return "no cpus or memory";
    case DeviceTreeError::TooMany:
        return "fixed table overflowed";
    }
    return "unknown";
}

uint32_t device_tree_total_size(std::span<const std::byte> header) {
    if (header.size() < kHeaderSize || load32(header, 0) != kMagic) return 0;
    return load32(header, 4);
}

DeviceTreeError parse_device_tree(std::span<const std::byte> blob, uint64_t blob_physical_address,
                                  DeviceTreeInfo& out) {
    out = DeviceTreeInfo{};
    Layout layout;
    if (DeviceTreeError error = check_header(blob, layout); error != DeviceTreeError::None)
        return error;
    if (DeviceTreeError error = read_reservations(layout, out); error != DeviceTreeError::None)
        return error;
    Walker walker(layout, out);
    if (DeviceTreeError error = walker.walk(); error != DeviceTreeError::None) return error;
    if (DeviceTreeError error = walker.resolve_plic_contexts(); error != DeviceTreeError::None)
        return error;
    walker.choose_console();
    if (DeviceTreeError error = append(out.reserved, out.reserved_count,
                                       AddressRange{blob_physical_address, layout.blob.size()});
        error != DeviceTreeError::None)
        return error;
    if (out.cpu_count == 0 || out.memory_count == 0) return DeviceTreeError::MissingNode;
    return DeviceTreeError::None;
}

} // namespace exo
