// The flattened device tree's format layer (Devicetree Specification v0.4, chapter 5): bounds-
// checked big-endian reads, the header check, the structure-block token cursor and path lookup.
// kernel/boot/device_tree.cpp interprets what it yields. Every offset and length comes from an
// untrusted blob: each is checked before the read it guards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "boot/device_tree.h"

namespace exo::fdt {

using Bytes = std::span<const std::byte>;

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr size_t kHeaderSize = 40;
constexpr uint32_t kSupportedVersion = 17;
constexpr uint32_t kMaxDepth = 16;             // QEMU and real boards nest 5 deep at most
constexpr uint32_t kSupervisorExternalIrq = 9; // Privileged spec 3.1.9: mip.SEIP is bit 9

enum class Token : uint32_t { BeginNode = 1, EndNode = 2, Property = 3, Nop = 4, End = 9 };

// Callers check that offset + 4 (or + 8) is inside `bytes`; DTB integers are big-endian.
inline uint32_t load32(Bytes bytes, size_t offset) {
    uint32_t value = 0;
    for (size_t index = 0; index < 4; ++index)
        value = (value << 8) | std::to_integer<uint32_t>(bytes[offset + index]);
    return value;
}

inline uint64_t load64(Bytes bytes, size_t offset) {
    return (uint64_t{load32(bytes, offset)} << 32) | load32(bytes, offset + 4);
}

// Byte loops instead of string_view's find and ==: those lower to memchr/memcmp, which the
// freestanding kernel would have to provide.
constexpr size_t kNotFound = std::string_view::npos;

inline size_t find_char(std::string_view text, char wanted) {
    for (size_t index = 0; index < text.size(); ++index)
        if (text[index] == wanted) return index;
    return kNotFound;
}

// The text up to the first `stop` (all of it if there is none); substr could throw, this cannot.
inline std::string_view before(std::string_view text, char stop) {
    size_t end = find_char(text, stop);
    return {text.data(), end == kNotFound ? text.size() : end};
}

inline char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool equal(std::string_view left, std::string_view right, bool ignore_case = false) {
    if (left.size() != right.size()) return false;
    for (size_t index = 0; index < left.size(); ++index) {
        char a = left[index], b = right[index];
        if (a != b && !(ignore_case && lower(a) == lower(b))) return false;
    }
    return true;
}

inline bool is(std::optional<std::string_view> text, std::string_view expected) {
    return text && equal(*text, expected);
}

// Reinterpreting blob bytes as chars is allowed: char may alias any object representation.
inline std::string_view as_chars(Bytes bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A string value: non-empty and NUL-terminated; the view excludes the final NUL but keeps the
// inner ones of a string list.
inline std::optional<std::string_view> as_string(Bytes value) {
    if (value.empty() || value.back() != std::byte{0}) return std::nullopt;
    return as_chars(value.first(value.size() - 1));
}

inline bool list_contains(std::string_view list, std::string_view item) {
    while (true) {
        size_t end = find_char(list, '\0');
        if (equal(before(list, '\0'), item)) return true;
        if (end == kNotFound) return false;
        list.remove_prefix(end + 1);
    }
}

// riscv,isa is "rv64imafdc_zicsr_..._sstc": multi-letter extensions follow underscores.
inline bool isa_has_extension(std::string_view isa, std::string_view extension) {
    size_t underscore = find_char(isa, '_');
    while (underscore != kNotFound) {
        isa.remove_prefix(underscore + 1);
        underscore = find_char(isa, '_');
        if (equal(before(isa, '_'), extension, true)) return true;
    }
    return false;
}

// A 32- or 64-bit integer property (DTSpec 2.2.4 allows either for frequencies).
inline std::optional<uint64_t> read_number(Bytes value) {
    if (value.size() == 4) return load32(value, 0);
    if (value.size() == 8) return load64(value, 0);
    return std::nullopt;
}

inline uint32_t first_cell(Bytes value) {
    return value.size() >= 4 ? load32(value, 0) : 0;
}

inline bool present(Bytes value) {
    return value.data() != nullptr;
}

// The three blocks of a blob whose header has been checked against the blob's real length.
struct Layout {
    Bytes blob;
    Bytes structure;
    Bytes strings;
    uint32_t reservations_offset = 0;
};

inline DeviceTreeError check_header(Bytes blob, Layout& layout) {
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

inline bool node_name_matches(std::string_view name, std::string_view component) {
    if (equal(name, component)) return true;
    // "serial" may name "serial@10000000" (DTSpec 2.2.3: unit address omitted in a path).
    return find_char(component, '@') == kNotFound && equal(before(name, '@'), component);
}

// Offset of the node named by an absolute path. Only called after a full walk succeeded.
inline std::optional<uint32_t> find_node(const Layout& layout, std::string_view path) {
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

inline Bytes find_property(const Layout& layout, uint32_t node_offset, std::string_view name) {
    StructureCursor cursor(layout, node_offset);
    TokenView token;
    if (cursor.next(token) != DeviceTreeError::None || token.kind != Token::BeginNode) return {};
    while (cursor.next(token) == DeviceTreeError::None && token.kind == Token::Property)
        if (equal(token.name, name)) return token.value;
    return {};
}

template <size_t N>
inline DeviceTreeError append(std::array<AddressRange, N>& table, uint32_t& count,
                              AddressRange range) {
    if (range.size == 0) return DeviceTreeError::None;
    if (range.base + range.size < range.base) return DeviceTreeError::BadStructure;
    if (count == N) return DeviceTreeError::TooMany;
    table[count++] = range;
    return DeviceTreeError::None;
}

}  // namespace exo::fdt
