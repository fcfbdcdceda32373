// Flattened device tree parser (Devicetree Specification v0.4, chapter 5 "Flattened Devicetree").
// Every offset and length comes from an untrusted blob: each is checked before the read it guards.
#include "device_tree.h"

#include <optional>
#include <string_view>

namespace exo {
namespace {

using Bytes = std::span<const std::byte>;

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr size_t kHeaderSize = 40;
constexpr uint32_t kSupportedVersion = 17;
constexpr uint32_t kMaxDepth = 16;             // QEMU and real boards nest 5 deep at most
constexpr uint32_t kSupervisorExternalIrq = 9; // Privileged spec 3.1.9: mip.SEIP is bit 9

enum class Token : uint32_t { BeginNode = 1, EndNode = 2, Property = 3, Nop = 4, End = 9 };

// Callers check that offset + 4 (or + 8) is inside `bytes`; DTB integers are big-endian.
uint32_t load32(Bytes bytes, size_t offset) {
    uint32_t value = 0;
    for (size_t index = 0; index < 4; ++index)
        value = (value << 8) | std::to_integer<uint32_t>(bytes[offset + index]);
    return value;
}

uint64_t load64(Bytes bytes, size_t offset) {
    return (uint64_t{load32(bytes, offset)} << 32) | load32(bytes, offset + 4);
}

// Byte loops instead of string_view's find and ==: those lower to memchr/memcmp, which the
// freestanding kernel would have to provide.
constexpr size_t kNotFound = std::string_view::npos;

size_t find_char(std::string_view text, char wanted) {
    for (size_t index = 0; index < text.size(); ++index)
        if (text[index] == wanted) return index;
    return kNotFound;
}

// The text up to the first `stop` (all of it if there is none); substr could throw, this cannot.
std::string_view before(std::string_view text, char stop) {
    size_t end = find_char(text, stop);
    return {text.data(), end == kNotFound ? text.size() : end};
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal(std::string_view left, std::string_view right, bool ignore_case = false) {
    if (left.size() != right.size()) return false;
    for (size_t index = 0; index < left.size(); ++index) {
        char a = left[index], b = right[index];
        if (a != b && !(ignore_case && lower(a) == lower(b))) return false;
    }
    return true;
}

bool is(std::optional<std::string_view> text, std::string_view expected) {
    return text && equal(*text, expected);
}

// Reinterpreting blob bytes as chars is allowed: char may alias any object representation.
std::string_view as_chars(Bytes bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A string value: non-empty and NUL-terminated; the view excludes the final NUL but keeps the
// inner ones of a string list.
std::optional<std::string_view> as_string(Bytes value) {
    if (value.empty() || value.back() != std::byte{0}) return std::nullopt;
    return as_chars(value.first(value.size() - 1));
}

bool list_contains(std::string_view list, std::string_view item) {
    while (true) {
        size_t end = find_char(list, '\0');
        if (equal(before(list, '\0'), item)) return true;
        if (end == kNotFound) return false;
        list.remove_prefix(end + 1);
    }
}

// riscv,isa is "rv64imafdc_zicsr_..._sstc": multi-letter extensions follow underscores.
bool isa_has_extension(std::string_view isa, std::string_view extension) {
    size_t underscore = find_char(isa, '_');
    while (underscore != kNotFound) {
        isa.remove_prefix(underscore + 1);
        underscore = find_char(isa, '_');
        if (equal(before(isa, '_'), extension, true)) return true;
    }
    return false;
}

// A 32- or 64-bit integer property (DTSpec 2.2.4 allows either for frequencies).
std::optional<uint64_t> read_number(Bytes value) {
    if (value.size() == 4) return load32(value, 0);
    if (value.size() == 8) return load64(value, 0);
    return std::nullopt;
}

uint32_t first_cell(Bytes value) {
    return value.size() >= 4 ? load32(value, 0) : 0;
}

bool present(Bytes value) {
    return value.data() != nullptr;
}

// The three blocks of a blob whose header has been checked against the blob's real length.
struct Layout {
    Bytes blob;
    Bytes structure;
    Bytes strings;
    uint32_t reservations_offset = 0;
};

DeviceTreeError check_header(Bytes blob, Layout& layout) {
    if (blob.size() < kHeaderSize) return DeviceTreeError::TooSmall;
    if (load32(blob, 0) != kMagic) return DeviceTreeError::BadMagic;
    uint64_t total_size = load32(blob, 4);
    if (total_size < kHeaderSize) return DeviceTreeError::BadHeader;
    if (total_size > blob.size()) return DeviceTreeError::Truncated;
    if (load32(blob, 20) < kSupportedVersion || load32(blob, 24) > kSupportedVersion)
        return DeviceTreeError::BadVersion;
    uint64_t struct_offset = load32(blob, 8), struct_size = load32(blob, 36);
    uint64_t strings_offset = load32(blob, 12), strings_size = load32(blob, 32);
    uint64_t reservations_offset = load32(blob, 16);
    // 64-bit sums cannot wrap, so each block is provably inside [header end, totalsize).
    if (struct_offset < kHeaderSize || struct_offset % 4 != 0 ||
        struct_offset + struct_size > total_size)
        return DeviceTreeError::BadHeader;
    if (strings_offset < kHeaderSize || strings_offset + strings_size > total_size)
        return DeviceTreeError::BadHeader;
    if (reservations_offset < kHeaderSize || reservations_offset % 8 != 0 ||
        reservations_offset >= total_size)
        return DeviceTreeError::BadHeader;
    layout.blob = blob.first(total_size);
    layout.structure = blob.subspan(struct_offset, struct_size);
    layout.strings = blob.subspan(strings_offset, strings_size);
    layout.reservations_offset = static_cast<uint32_t>(reservations_offset);
    return DeviceTreeError::None;
}

struct TokenView {
    Token kind = Token::End;
    uint32_t offset = 0;   // of the token inside the structure block
    std::string_view name; // node name or property name
    Bytes value;           // property value
};

// Reads the structure block token by token, enforcing nesting: one root, bounded depth,
// properties only inside nodes, END only after the root closed. Each call consumes at least
// 4 bytes, so a walk always ends.
class StructureCursor {
public:
    StructureCursor(const Layout& layout, uint32_t offset) : layout_(layout), offset_(offset) {}

    DeviceTreeError next(TokenView& token) {
        Bytes block = layout_.structure;
        while (true) {
            // Alignment padding may step past the block end: check before subtracting.
            if (offset_ > block.size() || block.size() - offset_ < 4)
                return DeviceTreeError::Truncated;
            token = TokenView{};
            token.offset = static_cast<uint32_t>(offset_);
            uint32_t raw = load32(block, offset_);
            offset_ += 4;
            switch (static_cast<Token>(raw)) {
            case Token::Nop:
                continue;
            case Token::BeginNode: {
                if ((depth_ == 0 && root_seen_) || depth_ == kMaxDepth)
                    return DeviceTreeError::BadStructure;
                std::string_view rest = as_chars(block.subspan(offset_));
                size_t length = find_char(rest, '\0');
                if (length == kNotFound) return DeviceTreeError::BadString;
                token.name = {rest.data(), length};
                offset_ = align4(offset_ + length + 1);
                root_seen_ = true;
                ++depth_;
                break;
            }
            case Token::EndNode:
                if (depth_ == 0) return DeviceTreeError::BadStructure;
                --depth_;
                break;
            case Token::Property: {
                if (depth_ == 0) return DeviceTreeError::BadStructure;
                if (block.size() - offset_ < 8) return DeviceTreeError::Truncated;
                uint32_t length = load32(block, offset_), name_offset = load32(block, offset_ + 4);
                offset_ += 8;
                if (length > block.size() - offset_) return DeviceTreeError::Truncated;
                token.value = block.subspan(offset_, length);
                if (name_offset >= layout_.strings.size()) return DeviceTreeError::BadString;
                std::string_view names = as_chars(layout_.strings.subspan(name_offset));
                size_t name_length = find_char(names, '\0');
                if (name_length == kNotFound) return DeviceTreeError::BadString;
                token.name = {names.data(), name_length};
                offset_ = align4(offset_ + length);
                break;
            }
            case Token::End:
                if (depth_ != 0 || !root_seen_) return DeviceTreeError::BadStructure;
                break;
            default:
                return DeviceTreeError::BadStructure;
            }
            token.kind = static_cast<Token>(raw);
            return DeviceTreeError::None;
        }
    }

    uint32_t depth() const { return depth_; }

private:
    // Offsets stay below 2^32 + 4 (the block size is a u32), so this cannot wrap.
    static size_t align4(size_t offset) { return (offset + 3) & ~size_t{3}; }

    const Layout& layout_;
    size_t offset_;
    uint32_t depth_ = 0;
    bool root_seen_ = false;
};

bool node_name_matches(std::string_view name, std::string_view component) {
    if (equal(name, component)) return true;
    // "serial" may name "serial@10000000" (DTSpec 2.2.3: unit address omitted in a path).
    return find_char(component, '@') == kNotFound && equal(before(name, '@'), component);
}

// Offset of the node named by an absolute path. Only called after a full walk succeeded.
std::optional<uint32_t> find_node(const Layout& layout, std::string_view path) {
    if (path.empty() || path[0] != '/') return std::nullopt;
    StructureCursor cursor(layout, 0);
    uint32_t matched_depth = 0; // depth of the deepest node on the path found so far
    TokenView token;
    while (cursor.next(token) == DeviceTreeError::None && token.kind != Token::End) {
        if (token.kind == Token::EndNode && cursor.depth() < matched_depth) return std::nullopt;
        if (token.kind != Token::BeginNode || cursor.depth() != matched_depth + 1) continue;
        if (matched_depth > 0) {
            std::string_view component = before(path, '/');
            if (!node_name_matches(token.name, component)) continue;
            path.remove_prefix(component.size());
        }
        ++matched_depth;
        while (!path.empty() && path[0] == '/')
            path.remove_prefix(1);
        if (path.empty()) return token.offset;
    }
    return std::nullopt;
}

Bytes find_property(const Layout& layout, uint32_t node_offset, std::string_view name) {
    StructureCursor cursor(layout, node_offset);
    TokenView token;
    if (cursor.next(token) != DeviceTreeError::None || token.kind != Token::BeginNode) return {};
    while (cursor.next(token) == DeviceTreeError::None && token.kind == Token::Property)
        if (equal(token.name, name)) return token.value;
    return {};
}

template <size_t N>
DeviceTreeError append(std::array<AddressRange, N>& table, uint32_t& count, AddressRange range) {
    if (range.size == 0) return DeviceTreeError::None;
    if (range.base + range.size < range.base) return DeviceTreeError::BadStructure;
    if (count == N) return DeviceTreeError::TooMany;
    table[count++] = range;
    return DeviceTreeError::None;
}

// The properties of one node that the kernel interprets; spans are empty when absent.
struct Properties {
    Bytes compatible, reg, interrupts, interrupts_extended, status, device_type, model;
    Bytes clock_frequency, reg_shift, timebase_frequency, isa, isa_extensions, mmu_type;
    Bytes phandle, source_count, address_cells, size_cells, stdout_path, interrupt_controller;

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
            return copy_model();
        }
        const Frame& parent = frames_[depth - 1];
        if (parent.role == NodeRole::Root) {
            if (equal(frame.name, "cpus")) frame.role = NodeRole::Cpus;
            if (equal(frame.name, "reserved-memory")) frame.role = NodeRole::ReservedMemory;
            if (equal(frame.name, "chosen")) stdout_path_ = node.stdout_path;
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

    DeviceTreeError copy_model() {
        std::optional<std::string_view> model = as_string(properties_.model);
        if (present(properties_.model) && !model) return DeviceTreeError::BadString;
        // Copies at most 63 bytes so the array keeps its final NUL.
        for (size_t index = 0; model && index < model->size() && index + 1 < out_.model.size();
             ++index)
            out_.model[index] = (*model)[index];
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
