// The device tree tests' tools: the captured QEMU/OpenSBI blobs (tests/data), a builder for
// hand-made trees, mutation helpers, and the invariants every parse must keep.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "boot/device_tree.h"

#include <CppUTest/TestHarness.h>

namespace device_tree_test {

using exo::DeviceTreeError;
using exo::DeviceTreeInfo;
using Blob = std::vector<std::byte>;
using namespace std::string_view_literals;

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kRuntimeBlobAddress = 0x87e00000; // QEMU puts the DTB near the end of 128 MiB
constexpr uint64_t kFwJumpBlobAddress = 0x82200000;  // OpenSBI fw_jump's FW_JUMP_FDT_ADDR

inline Blob load(const char* name) {
    std::string path = std::string(EXO_TEST_DATA_DIR) + "/" + name;
    Blob bytes;
    if (FILE* file = std::fopen(path.c_str(), "rb")) {
        std::byte chunk[4096];
        size_t count = 0;
        while ((count = std::fread(chunk, 1, sizeof chunk, file)) > 0)
            bytes.insert(bytes.end(), chunk, chunk + count);
        std::fclose(file);
    }
    if (bytes.empty()) FAIL(("cannot read test blob " + path).c_str());
    return bytes;
}

inline uint32_t load32(const Blob& blob, size_t offset) {
    uint32_t value = 0;
    for (size_t index = 0; index < 4; ++index)
        value = (value << 8) | std::to_integer<uint32_t>(blob[offset + index]);
    return value;
}

inline void store32(Blob& blob, size_t offset, uint32_t value) {
    for (size_t index = 0; index < 4; ++index)
        blob[offset + index] = std::byte(value >> (24 - 8 * index));
}

// Header field offsets (DTSpec 5.2).
constexpr size_t kTotalSize = 4, kStructOffset = 8, kStringsOffset = 12, kReservationsOffset = 16;
constexpr size_t kVersion = 20, kLastCompatibleVersion = 24, kStringsSize = 32, kStructSize = 36;

// Copies the blob so that its last byte sits right before a PROT_NONE page: any over-read
// faults, with or without AddressSanitizer. (CppUTest's operator new pads every allocation for
// its own checks, which hides small over-reads of a std::vector from ASan.) The copy is valid
// until the next call.
inline std::span<const std::byte> guarded(const Blob& blob) {
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    static constexpr size_t kArenaSize = 64 * 1024;
    static std::byte* const arena = [] {
        void* memory = mmap(nullptr, kArenaSize + page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) return static_cast<std::byte*>(nullptr);
        mprotect(static_cast<std::byte*>(memory) + kArenaSize, page, PROT_NONE);
        return static_cast<std::byte*>(memory);
    }();
    if (arena == nullptr || blob.size() > kArenaSize) FAIL("no guarded arena for the blob");
    std::byte* start = arena + kArenaSize - blob.size();
    std::copy(blob.begin(), blob.end(), start);
    return {start, blob.size()};
}

inline DeviceTreeError parse(const Blob& blob, DeviceTreeInfo& info, uint64_t address = 0x1000000) {
    return exo::parse_device_tree(guarded(blob), address, info);
}

inline DeviceTreeError parse(const Blob& blob) {
    DeviceTreeInfo info;
    return parse(blob, info);
}

inline bool reserves(const DeviceTreeInfo& info, uint64_t base, uint64_t size) {
    for (uint32_t index = 0; index < info.reserved_count; ++index)
        if (info.reserved[index].base == base && info.reserved[index].size == size) return true;
    return false;
}

inline void check_error(DeviceTreeError expected, DeviceTreeError actual) {
    STRCMP_EQUAL(exo::to_string(expected), exo::to_string(actual));
}

// Writes blobs token by token, so each hostile case names the one thing it breaks.
class BlobBuilder {
public:
    BlobBuilder& reservation(uint64_t base, uint64_t size) {
        reservations_.push_back({base, size});
        return *this;
    }
    BlobBuilder& begin(std::string_view name) {
        token(1);
        for (char c : name)
            structure_.push_back(std::byte(c));
        structure_.push_back(std::byte{0});
        return pad();
    }
    BlobBuilder& end() { return token(2); }
    BlobBuilder& token(uint32_t value) { return word(value); }
    BlobBuilder& raw(std::string_view bytes) {
        for (char c : bytes)
            structure_.push_back(std::byte(c));
        return *this;
    }
    BlobBuilder& property(std::string_view name, const Blob& value) {
        return property_at(name_offset(name), value);
    }
    BlobBuilder& property_at(uint32_t name_offset, const Blob& value) {
        token(3).word(static_cast<uint32_t>(value.size())).word(name_offset);
        structure_.insert(structure_.end(), value.begin(), value.end());
        return pad();
    }
    BlobBuilder& cells(std::string_view name, std::initializer_list<uint32_t> values) {
        Blob value(values.size() * 4);
        size_t offset = 0;
        for (uint32_t cell : values)
            store32(value, (offset++) * 4, cell);
        return property(name, value);
    }
    // `text` may hold inner NULs to make a string list; the final NUL is added here.
    BlobBuilder& string(std::string_view name, std::string_view text) {
        Blob value;
        for (char c : text)
            value.push_back(std::byte(c));
        value.push_back(std::byte{0});
        return property(name, value);
    }
    Blob build() const {
        Blob blob(40);
        store32(blob, 0, 0xd00dfeed);
        store32(blob, kReservationsOffset, 40);
        for (auto [base, size] : reservations_) {
            append64(blob, base);
            append64(blob, size);
        }
        append64(blob, 0);
        append64(blob, 0);
        store32(blob, kStructOffset, static_cast<uint32_t>(blob.size()));
        store32(blob, kStructSize, static_cast<uint32_t>(structure_.size()));
        blob.insert(blob.end(), structure_.begin(), structure_.end());
        store32(blob, kStringsOffset, static_cast<uint32_t>(blob.size()));
        store32(blob, kStringsSize, static_cast<uint32_t>(strings_.size()));
        blob.insert(blob.end(), strings_.begin(), strings_.end());
        store32(blob, kTotalSize, static_cast<uint32_t>(blob.size()));
        store32(blob, kVersion, 17);
        store32(blob, kLastCompatibleVersion, 16);
        return blob;
    }

private:
    BlobBuilder& word(uint32_t value) {
        structure_.resize(structure_.size() + 4);
        store32(structure_, structure_.size() - 4, value);
        return *this;
    }
    BlobBuilder& pad() {
        while (structure_.size() % 4 != 0)
            structure_.push_back(std::byte{0});
        return *this;
    }
    uint32_t name_offset(std::string_view name) {
        uint32_t offset = static_cast<uint32_t>(strings_.size());
        for (char c : name)
            strings_.push_back(std::byte(c));
        strings_.push_back(std::byte{0});
        return offset;
    }
    static void append64(Blob& blob, uint64_t value) {
        for (int shift = 56; shift >= 0; shift -= 8)
            blob.push_back(std::byte(value >> shift));
    }

    std::vector<std::pair<uint64_t, uint64_t>> reservations_;
    Blob structure_, strings_;
};

// A virt-like tree with one hart and 128 MiB; `devices` adds nodes inside /soc (2/2 cells),
// `root` adds root properties or nodes before /soc.
inline Blob minimal_blob(const std::function<void(BlobBuilder&)>& devices = {},
                  const std::function<void(BlobBuilder&)>& root = {}, BlobBuilder builder = {}) {
    builder.begin("").cells("#address-cells", {2}).cells("#size-cells", {2});
    builder.string("model", "test-board");
    if (root) root(builder);
    builder.begin("memory@80000000").string("device_type", "memory");
    builder.cells("reg", {0, 0x80000000, 0, 0x8000000}).end();
    builder.begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
    builder.cells("timebase-frequency", {10000000});
    builder.begin("cpu@0").string("device_type", "cpu").cells("reg", {0});
    builder.string("riscv,isa", "rv64imafdc_zicsr").string("mmu-type", "riscv,sv39");
    builder.begin("interrupt-controller").property("interrupt-controller", {});
    builder.cells("phandle", {1}).end().end().end();
    builder.begin("soc").cells("#address-cells", {2}).cells("#size-cells", {2});
    if (devices) devices(builder);
    builder.end().end().token(9);
    return builder.build();
}

inline void add_uart(BlobBuilder& builder, const char* name, uint32_t base, uint32_t irq) {
    builder.begin(name).string("compatible", "ns16550a");
    builder.cells("reg", {0, base, 0, 0x100}).cells("interrupts", {irq}).end();
}

// xorshift64*: a fixed seed keeps the mutation sweep reproducible.
struct Random {
    uint64_t state;
    uint64_t next() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545f4914f6cdd1dULL;
    }
    size_t below(size_t bound) { return static_cast<size_t>(next() % bound); }
};

// What must hold for any blob, accepted or not: no table count beyond its array.
inline void check_invariants(DeviceTreeError result, const DeviceTreeInfo& info) {
    CHECK(static_cast<uint8_t>(result) <= static_cast<uint8_t>(DeviceTreeError::TooMany));
    CHECK(info.memory_count <= info.memory.size());
    CHECK(info.reserved_count <= info.reserved.size());
    CHECK(info.cpu_count <= info.cpus.size());
    CHECK(info.uart_count <= info.uarts.size());
    CHECK(info.virtio_count <= info.virtio.size());
    CHECK(info.model.back() == '\0');
    if (result == DeviceTreeError::None) CHECK(info.cpu_count > 0 && info.memory_count > 0);
}


}  // namespace device_tree_test
