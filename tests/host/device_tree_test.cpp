// Host tests for the device tree parser: real QEMU/OpenSBI blobs, then hand-built and mutated ones.
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

#include "device_tree.h"

#include <CppUTest/TestHarness.h>

using exo::DeviceTreeError;
using exo::DeviceTreeInfo;
using Blob = std::vector<std::byte>;
using namespace std::string_view_literals;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kRuntimeBlobAddress = 0x87e00000; // QEMU puts the DTB near the end of 128 MiB
constexpr uint64_t kFwJumpBlobAddress = 0x82200000;  // OpenSBI fw_jump's FW_JUMP_FDT_ADDR

Blob load(const char* name) {
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

uint32_t load32(const Blob& blob, size_t offset) {
    uint32_t value = 0;
    for (size_t index = 0; index < 4; ++index)
        value = (value << 8) | std::to_integer<uint32_t>(blob[offset + index]);
    return value;
}

void store32(Blob& blob, size_t offset, uint32_t value) {
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
std::span<const std::byte> guarded(const Blob& blob) {
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

DeviceTreeError parse(const Blob& blob, DeviceTreeInfo& info, uint64_t address = 0x1000000) {
    return exo::parse_device_tree(guarded(blob), address, info);
}

DeviceTreeError parse(const Blob& blob) {
    DeviceTreeInfo info;
    return parse(blob, info);
}

bool reserves(const DeviceTreeInfo& info, uint64_t base, uint64_t size) {
    for (uint32_t index = 0; index < info.reserved_count; ++index)
        if (info.reserved[index].base == base && info.reserved[index].size == size) return true;
    return false;
}

void check_error(DeviceTreeError expected, DeviceTreeError actual) {
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
Blob minimal_blob(const std::function<void(BlobBuilder&)>& devices = {},
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

void add_uart(BlobBuilder& builder, const char* name, uint32_t base, uint32_t irq) {
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
void check_invariants(DeviceTreeError result, const DeviceTreeInfo& info) {
    CHECK(static_cast<uint8_t>(result) <= static_cast<uint8_t>(DeviceTreeError::TooMany));
    CHECK(info.memory_count <= info.memory.size());
    CHECK(info.reserved_count <= info.reserved.size());
    CHECK(info.cpu_count <= info.cpus.size());
    CHECK(info.uart_count <= info.uarts.size());
    CHECK(info.virtio_count <= info.virtio.size());
    CHECK(info.model.back() == '\0');
    if (result == DeviceTreeError::None) CHECK(info.cpu_count > 0 && info.memory_count > 0);
}

} // namespace

TEST_GROUP(DeviceTreeVirt) {
    Blob blob;
    DeviceTreeInfo info;
    void setup() override {
        blob = load("virt-runtime.dtb");
        check_error(DeviceTreeError::None, parse(blob, info, kRuntimeBlobAddress));
    }
};

TEST(DeviceTreeVirt, MemoryIsTheRamQemuWasGiven) {
    UNSIGNED_LONGS_EQUAL(1, info.memory_count);
    UNSIGNED_LONGLONGS_EQUAL(0x80000000, info.memory[0].base);
    UNSIGNED_LONGLONGS_EQUAL(128 * kMiB, info.memory[0].size);
    STRCMP_EQUAL("riscv-virtio,qemu", info.model.data());
}

TEST(DeviceTreeVirt, ReservesOpenSbiAndTheBlobItself) {
    UNSIGNED_LONGS_EQUAL(2, info.reserved_count);
    CHECK(reserves(info, 0x80000000, 0x80000));
    CHECK(reserves(info, kRuntimeBlobAddress, blob.size()));
}

TEST(DeviceTreeVirt, TimebaseIsTenMegahertz) {
    UNSIGNED_LONGLONGS_EQUAL(10000000, info.timebase_hz);
}

TEST(DeviceTreeVirt, OneUsableHartWithSupervisorPlicContext) {
    UNSIGNED_LONGS_EQUAL(1, info.cpu_count);
    UNSIGNED_LONGS_EQUAL(0, info.cpus[0].hart_id);
    CHECK_TRUE(info.cpus[0].usable);
    CHECK_TRUE(info.cpus[0].has_sstc); // riscv,isa ends in "_sstc" on QEMU 7.2 virt
    // OpenSBI rewrote context 0 (M) to irq 0xffffffff; context 1 carries irq 9.
    UNSIGNED_LONGS_EQUAL(1, info.cpus[0].plic_supervisor_context);
}

TEST(DeviceTreeVirt, ConsoleIsTheStdoutPathNs16550a) {
    UNSIGNED_LONGS_EQUAL(1, info.uart_count);
    CHECK(info.console.kind == exo::UartKind::Ns16550a);
    UNSIGNED_LONGLONGS_EQUAL(0x10000000, info.console.window.base);
    UNSIGNED_LONGLONGS_EQUAL(0x100, info.console.window.size);
    UNSIGNED_LONGS_EQUAL(10, info.console.irq);
    UNSIGNED_LONGS_EQUAL(3686400, info.console.clock_hz);
    UNSIGNED_LONGS_EQUAL(0, info.console.reg_shift);
}

TEST(DeviceTreeVirt, InterruptControllersAndTimers) {
    UNSIGNED_LONGLONGS_EQUAL(0x0c000000, info.plic.window.base);
    UNSIGNED_LONGLONGS_EQUAL(0x600000, info.plic.window.size);
    UNSIGNED_LONGS_EQUAL(96, info.plic.source_count); // riscv,ndev = 0x60 on QEMU 7.2
    UNSIGNED_LONGLONGS_EQUAL(0x2000000, info.clint.base);
    UNSIGNED_LONGLONGS_EQUAL(0x10000, info.clint.size);
}

TEST(DeviceTreeVirt, TestFinisherAndRtc) {
    UNSIGNED_LONGLONGS_EQUAL(0x100000, info.test_finisher.base);
    UNSIGNED_LONGLONGS_EQUAL(0x1000, info.test_finisher.size);
    UNSIGNED_LONGLONGS_EQUAL(0x101000, info.rtc.window.base);
    UNSIGNED_LONGS_EQUAL(11, info.rtc.irq);
}

TEST(DeviceTreeVirt, EightVirtioSlotsInTreeOrder) {
    UNSIGNED_LONGS_EQUAL(8, info.virtio_count);
    // QEMU emits the slots from the highest address down; irq n belongs to 0x10000000 + n * 4 KiB.
    for (uint32_t index = 0; index < 8; ++index) {
        UNSIGNED_LONGLONGS_EQUAL(0x10008000 - index * 0x1000, info.virtio[index].window.base);
        UNSIGNED_LONGLONGS_EQUAL(0x1000, info.virtio[index].window.size);
        UNSIGNED_LONGS_EQUAL(8 - index, info.virtio[index].irq);
    }
}

TEST(DeviceTreeVirt, FwJumpBlobParsesToo) {
    Blob fw_jump = load("virt-fw_jump.dtb");
    DeviceTreeInfo jump;
    check_error(DeviceTreeError::None, parse(fw_jump, jump, kFwJumpBlobAddress));
    CHECK(reserves(jump, kFwJumpBlobAddress, fw_jump.size()));
    CHECK(reserves(jump, 0x80000000, 0x80000));
    UNSIGNED_LONGS_EQUAL(1, jump.cpus[0].plic_supervisor_context);
    UNSIGNED_LONGLONGS_EQUAL(0x10000000, jump.console.window.base);
    UNSIGNED_LONGS_EQUAL(8, jump.virtio_count);
}

TEST(DeviceTreeVirt, QemuBlobBeforeOpenSbiHasNoReservedMemory) {
    Blob qemu = load("virt-qemu.dtb");
    DeviceTreeInfo before;
    check_error(DeviceTreeError::None, parse(qemu, before, kRuntimeBlobAddress));
    UNSIGNED_LONGS_EQUAL(1, before.reserved_count); // only the blob: OpenSBI adds mmode_resv0
    // Untouched, context 0 carries irq 11 (M external), so it still is not the S context.
    UNSIGNED_LONGS_EQUAL(1, before.cpus[0].plic_supervisor_context);
}

TEST(DeviceTreeVirt, TotalSizeComesFromTheHeaderOnly) {
    UNSIGNED_LONGS_EQUAL(blob.size(), exo::device_tree_total_size(std::span(blob).first(40)));
    UNSIGNED_LONGS_EQUAL(0, exo::device_tree_total_size(std::span(blob).first(39)));
    blob[0] = std::byte{0};
    UNSIGNED_LONGS_EQUAL(0, exo::device_tree_total_size(std::span(blob)));
}

TEST_GROUP(DeviceTreeSifive) {
    Blob blob;
    DeviceTreeInfo info;
    void setup() override {
        blob = load("sifive_u-runtime.dtb");
        check_error(DeviceTreeError::None, parse(blob, info, kRuntimeBlobAddress));
    }
};

TEST(DeviceTreeSifive, TimebaseIsOneMegahertz) {
    UNSIGNED_LONGLONGS_EQUAL(1000000, info.timebase_hz);
}

TEST(DeviceTreeSifive, MonitorHartIsNotUsable) {
    UNSIGNED_LONGS_EQUAL(2, info.cpu_count);
    UNSIGNED_LONGS_EQUAL(0, info.cpus[0].hart_id);
    CHECK_FALSE(info.cpus[0].usable); // the E51: no mmu-type, and OpenSBI marked it disabled
    UNSIGNED_LONGS_EQUAL(exo::kNoContext, info.cpus[0].plic_supervisor_context);
}

TEST(DeviceTreeSifive, ApplicationHartHasSupervisorContextTwo) {
    UNSIGNED_LONGS_EQUAL(1, info.cpus[1].hart_id);
    CHECK_TRUE(info.cpus[1].usable);
    CHECK_FALSE(info.cpus[1].has_sstc); // "rv64imafdc_zicsr_zifencei"
    // Contexts: 0 = hart 0 M, 1 = hart 1 M, 2 = hart 1 S.
    UNSIGNED_LONGS_EQUAL(2, info.cpus[1].plic_supervisor_context);
}

TEST(DeviceTreeSifive, ConsoleIsTheFirstSifiveUart) {
    UNSIGNED_LONGS_EQUAL(2, info.uart_count);
    CHECK(info.console.kind == exo::UartKind::Sifive);
    UNSIGNED_LONGLONGS_EQUAL(0x10010000, info.console.window.base);
    UNSIGNED_LONGS_EQUAL(4, info.console.irq);
    UNSIGNED_LONGS_EQUAL(0, info.console.clock_hz); // it names a clock by phandle instead
    CHECK(info.uarts[1].kind == exo::UartKind::Sifive);
    UNSIGNED_LONGLONGS_EQUAL(0x10011000, info.uarts[1].window.base);
    UNSIGNED_LONGS_EQUAL(5, info.uarts[1].irq);
}

TEST(DeviceTreeSifive, PlicClintAndNoQemuOnlyDevices) {
    UNSIGNED_LONGLONGS_EQUAL(0x0c000000, info.plic.window.base);
    UNSIGNED_LONGLONGS_EQUAL(0x4000000, info.plic.window.size);
    UNSIGNED_LONGS_EQUAL(53, info.plic.source_count);
    UNSIGNED_LONGLONGS_EQUAL(0x2000000, info.clint.base);
    UNSIGNED_LONGLONGS_EQUAL(0, info.test_finisher.size);
    UNSIGNED_LONGLONGS_EQUAL(0, info.rtc.window.size);
    UNSIGNED_LONGS_EQUAL(0, info.virtio_count);
}

TEST(DeviceTreeSifive, MemoryAndReservations) {
    STRCMP_EQUAL("SiFive HiFive Unleashed A00", info.model.data());
    UNSIGNED_LONGS_EQUAL(1, info.memory_count);
    UNSIGNED_LONGLONGS_EQUAL(128 * kMiB, info.memory[0].size);
    CHECK(reserves(info, 0x80000000, 0x80000));
    CHECK(reserves(info, kRuntimeBlobAddress, blob.size()));
}

TEST(DeviceTreeSifive, QemuBlobLeavesMonitorHartOkayButWithoutMmu) {
    Blob qemu = load("sifive_u-qemu.dtb");
    DeviceTreeInfo before;
    check_error(DeviceTreeError::None, parse(qemu, before));
    CHECK_FALSE(before.cpus[0].usable);
    CHECK_TRUE(before.cpus[1].usable);
    UNSIGNED_LONGS_EQUAL(2, before.cpus[1].plic_supervisor_context);
}

TEST_GROUP(DeviceTreeHostile) {
    Blob virt, sifive;
    void setup() override {
        virt = load("virt-runtime.dtb");
        sifive = load("sifive_u-runtime.dtb");
    }
};

TEST(DeviceTreeHostile, TooSmallOrNotADeviceTree) {
    DeviceTreeInfo info;
    check_error(DeviceTreeError::TooSmall, exo::parse_device_tree({}, 0, info));
    check_error(DeviceTreeError::TooSmall, parse(Blob(virt.begin(), virt.begin() + 39)));
    virt[3] = std::byte{0xee};
    check_error(DeviceTreeError::BadMagic, parse(virt));
}

TEST(DeviceTreeHostile, UnsupportedVersions) {
    Blob old = virt;
    store32(old, kVersion, 16);
    check_error(DeviceTreeError::BadVersion, parse(old));
    store32(virt, kLastCompatibleVersion, 18);
    check_error(DeviceTreeError::BadVersion, parse(virt));
}

TEST(DeviceTreeHostile, EveryTruncationFails) {
    for (const Blob* original : {&virt, &sifive}) {
        for (size_t length = 0; length < original->size(); ++length) {
            Blob cut(original->begin(), original->begin() + length);
            check_error(length < 40 ? DeviceTreeError::TooSmall : DeviceTreeError::Truncated,
                        parse(cut));
        }
    }
}

TEST(DeviceTreeHostile, TruncationWithTotalSizePatchedFailsUntilTheBlocksFit) {
    DeviceTreeInfo full;
    check_error(DeviceTreeError::None, parse(virt, full));
    // OpenSBI pads the blob; lengths past the last block must still parse, shorter ones not.
    size_t used = std::max(load32(virt, kStructOffset) + load32(virt, kStructSize),
                           load32(virt, kStringsOffset) + load32(virt, kStringsSize));
    CHECK(used < virt.size());
    for (size_t length = 40; length < virt.size(); ++length) {
        Blob cut(virt.begin(), virt.begin() + length);
        store32(cut, kTotalSize, static_cast<uint32_t>(length));
        DeviceTreeInfo info;
        DeviceTreeError result = parse(cut, info);
        if (length < used) {
            check_error(DeviceTreeError::BadHeader, result);
        } else {
            check_error(DeviceTreeError::None, result);
            UNSIGNED_LONGS_EQUAL(full.virtio_count, info.virtio_count);
            CHECK(reserves(info, 0x1000000, length));
        }
    }
}

TEST(DeviceTreeHostile, HeaderOffsetsOutsideTheBlob) {
    auto patched = [&](size_t field, uint32_t value) {
        Blob copy = virt;
        store32(copy, field, value);
        return parse(copy);
    };
    uint32_t total = static_cast<uint32_t>(virt.size());
    Blob longer = virt;
    store32(longer, kTotalSize, total + 1);
    check_error(DeviceTreeError::Truncated, parse(longer));
    check_error(DeviceTreeError::BadHeader, patched(kTotalSize, 39));
    check_error(DeviceTreeError::BadHeader, patched(kStructOffset, total));
    check_error(DeviceTreeError::BadHeader, patched(kStructOffset, (total & ~3u) - 0x100));
    check_error(DeviceTreeError::BadHeader, patched(kStructOffset, 0x39));     // misaligned
    check_error(DeviceTreeError::BadHeader, patched(kStructOffset, 0));        // inside the header
    check_error(DeviceTreeError::BadHeader, patched(kStructSize, 0xfffffffc)); // wraps in 32 bits
    check_error(DeviceTreeError::BadHeader, patched(kStringsOffset, total));
    check_error(DeviceTreeError::BadHeader, patched(kStringsSize, total));
    check_error(DeviceTreeError::BadHeader, patched(kReservationsOffset, total));
    // Fewer than 16 bytes left: the reservation list cannot reach its (0, 0) terminator.
    check_error(DeviceTreeError::Truncated, patched(kReservationsOffset, (total & ~7u) - 8));
}

TEST(DeviceTreeHostile, PropertyNameOutsideTheStringsBlock) {
    BlobBuilder builder;
    builder.begin("").property_at(4096, {}).end().token(9);
    check_error(DeviceTreeError::BadString, parse(builder.build()));
}

TEST(DeviceTreeHostile, PropertyNameWithoutNul) {
    Blob blob = minimal_blob();
    check_error(DeviceTreeError::None, parse(blob));
    // Shrinking the strings block cuts the NUL off its last name (/soc's "#size-cells").
    store32(blob, kStringsSize, load32(blob, kStringsSize) - 1);
    check_error(DeviceTreeError::BadString, parse(blob));
}

TEST(DeviceTreeHostile, NodeNameRunsOffTheStructBlock) {
    BlobBuilder builder;
    builder.begin("").token(1).raw("abcd"); // the strings block after it holds NULs
    check_error(DeviceTreeError::BadString, parse(builder.build()));
}

TEST(DeviceTreeHostile, NamePaddingPastTheStructBlock) {
    BlobBuilder builder;
    // The block ends right after "ab\0": its 4-byte padding would lie beyond the block.
    builder.begin("").string("x", "y").token(1).raw("ab\0"sv);
    Blob blob = builder.build();
    CHECK(load32(blob, kStructSize) % 4 == 3);
    check_error(DeviceTreeError::Truncated, parse(blob));
}

TEST(DeviceTreeHostile, PropertyLengthPastTheStructBlock) {
    BlobBuilder huge, barely;
    huge.begin("").token(3).token(0xfffffff0).token(0).end().token(9);
    check_error(DeviceTreeError::Truncated, parse(huge.build()));
    barely.begin("").token(3).token(17).token(0).end().token(9); // needs 17 bytes, 8 remain
    check_error(DeviceTreeError::Truncated, parse(barely.build()));
    BlobBuilder no_header;
    no_header.begin("").token(3).token(0); // the length is there, the name offset is not
    check_error(DeviceTreeError::Truncated, parse(no_header.build()));
}

TEST(DeviceTreeHostile, UnbalancedNodes) {
    Blob good = minimal_blob();
    check_error(DeviceTreeError::None, parse(good));
    BlobBuilder missing_end, extra_end, two_roots, property_outside, no_end_token;
    missing_end.begin("").begin("child").end().token(9);
    check_error(DeviceTreeError::BadStructure, parse(missing_end.build()));
    extra_end.begin("").end().end().token(9);
    check_error(DeviceTreeError::BadStructure, parse(extra_end.build()));
    two_roots.begin("").end().begin("").end().token(9);
    check_error(DeviceTreeError::BadStructure, parse(two_roots.build()));
    property_outside.string("model", "x").begin("").end().token(9);
    check_error(DeviceTreeError::BadStructure, parse(property_outside.build()));
    no_end_token.begin("").end();
    check_error(DeviceTreeError::Truncated, parse(no_end_token.build()));
    BlobBuilder empty;
    empty.token(9);
    check_error(DeviceTreeError::BadStructure, parse(empty.build()));
}

TEST(DeviceTreeHostile, UnknownTokensAreRejectedAndNopsSkipped) {
    BlobBuilder unknown, large;
    unknown.begin("").token(5).end().token(9);
    check_error(DeviceTreeError::BadStructure, parse(unknown.build()));
    large.begin("").token(0x01000000).end().token(9); // FDT_BEGIN_NODE read little-endian
    check_error(DeviceTreeError::BadStructure, parse(large.build()));
    Blob with_nops = minimal_blob(
        [](BlobBuilder& builder) { builder.token(4).begin("nop@0").token(4).end().token(4); });
    check_error(DeviceTreeError::None, parse(with_nops));
}

TEST(DeviceTreeHostile, NestingIsBounded) {
    auto nested = [](int depth) {
        return minimal_blob([depth](BlobBuilder& builder) {
            for (int level = 2; level < depth; ++level)
                builder.begin("n");
            for (int level = 2; level < depth; ++level)
                builder.end();
        });
    };
    check_error(DeviceTreeError::None, parse(nested(16))); // root, soc, 14 more
    check_error(DeviceTreeError::BadStructure, parse(nested(17)));
    check_error(DeviceTreeError::BadStructure, parse(nested(1000)));
}

TEST(DeviceTreeHostile, PropertyAfterChildNode) {
    Blob blob = minimal_blob([](BlobBuilder& builder) {
        builder.begin("bus").begin("child").end().string("compatible", "late").end();
    });
    check_error(DeviceTreeError::BadStructure, parse(blob));
}

TEST(DeviceTreeHostile, MalformedInterpretedProperties) {
    check_error(DeviceTreeError::BadStructure, parse(minimal_blob([](BlobBuilder& builder) {
                    builder.begin("bus").cells("#address-cells", {0, 2}).end();
                })));
    check_error(DeviceTreeError::BadString, parse(minimal_blob([](BlobBuilder& builder) {
                    builder.begin("uart").property("compatible", {std::byte{'n'}}).end();
                })));
    check_error(DeviceTreeError::BadStructure, parse(minimal_blob([](BlobBuilder& builder) {
                    builder.begin("plic").string("compatible", "riscv,plic0");
                    builder.cells("reg", {0, 0xc000000, 0, 0x1000});
                    builder.cells("interrupts-extended", {1, 9, 1}).end();
                })));
    check_error(DeviceTreeError::BadStructure, parse(minimal_blob({}, [](BlobBuilder& builder) {
                    builder.begin("memory@0").string("device_type", "memory");
                    builder.cells("reg", {0, 0, 0, 1, 0}).end(); // one entry and a quarter
                })));
    check_error(DeviceTreeError::BadStructure, parse(minimal_blob({}, [](BlobBuilder& builder) {
                    builder.begin("reserved-memory").cells("#address-cells", {2});
                    builder.cells("#size-cells", {2}).begin("wrap");
                    builder.cells("reg", {0xffffffff, 0xffffffff, 0, 2}).end().end();
                })));
}

TEST(DeviceTreeHostile, MissingCpusOrMemory) {
    BlobBuilder no_cpus, no_memory;
    no_cpus.begin("").begin("memory@0").string("device_type", "memory");
    no_cpus.cells("reg", {0, 0, 0x1000}).end().end().token(9); // root cells default to 2 and 1
    check_error(DeviceTreeError::MissingNode, parse(no_cpus.build()));
    no_memory.begin("").begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
    no_memory.begin("cpu@0").string("device_type", "cpu").cells("reg", {0});
    no_memory.end().end().end().token(9);
    check_error(DeviceTreeError::MissingNode, parse(no_memory.build()));
}

TEST(DeviceTreeHostile, FixedTablesOverflowLoudly) {
    check_error(DeviceTreeError::TooMany, parse(minimal_blob({}, [](BlobBuilder& builder) {
                    builder.begin("memory@0").string("device_type", "memory");
                    builder.cells("reg",
                                  {0, 0, 0, 1, 0, 2, 0, 1, 0, 4, 0, 1, 0, 6, 0, 1, 0, 8, 0, 1});
                    builder.end();
                })));
    check_error(DeviceTreeError::TooMany, parse(minimal_blob([](BlobBuilder& builder) {
                    for (uint32_t index = 0; index < 9; ++index) {
                        builder.begin("virtio").string("compatible", "virtio,mmio");
                        builder.cells("reg", {0, 0x10001000 + index * 0x1000, 0, 0x1000}).end();
                    }
                })));
    BlobBuilder harts;
    harts.begin("").begin("memory").string("device_type", "memory").cells("reg", {0, 0, 1}).end();
    harts.begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
    for (uint32_t hart = 0; hart < 9; ++hart)
        harts.begin("cpu").string("device_type", "cpu").cells("reg", {hart}).end();
    harts.end().end().token(9);
    check_error(DeviceTreeError::TooMany, parse(harts.build()));
    BlobBuilder reservations;
    for (uint64_t index = 0; index < 16; ++index)
        reservations.reservation(index << 20, 4096);
    check_error(DeviceTreeError::TooMany, parse(minimal_blob({}, {}, reservations)));
}

TEST(DeviceTreeHostile, UnusualButValidShapes) {
    BlobBuilder reservations;
    reservations.reservation(0x80200000, 0x10000).reservation(0x90000000, 0);
    Blob blob = minimal_blob(
        [](BlobBuilder& builder) {
            add_uart(builder, "serial@1000", 0x1000, 3);
            add_uart(builder, "serial@2000", 0x2000, 4);
            builder.begin("serial@3000")
                .string("compatible", "ns16550a")
                .string("status", "disabled");
            builder.cells("reg", {0, 0x3000, 0, 0x100}).end();
        },
        [](BlobBuilder& builder) {
            builder.string("model", std::string(100, 'm'));
            builder.begin("aliases").string("serial1", "/soc/serial@2000").end();
            builder.begin("chosen").string("stdout-path", "serial1:115200n8").end();
        },
        reservations);
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(blob, info));
    CHECK(reserves(info, 0x80200000, 0x10000));   // from the memory-reservation block
    UNSIGNED_LONGS_EQUAL(2, info.reserved_count); // the zero-sized entry is not a reservation
    UNSIGNED_LONGS_EQUAL(2, info.uart_count);     // the disabled one is skipped
    UNSIGNED_LONGLONGS_EQUAL(0x2000, info.console.window.base); // alias with options resolved
    UNSIGNED_LONGS_EQUAL(63, std::string_view(info.model.data()).size());
}

TEST(DeviceTreeHostile, HartUsabilityAndPlicBeforeCpus) {
    BlobBuilder builder;
    builder.begin("").begin("memory").string("device_type", "memory");
    builder.cells("reg", {0, 0, 0x1000}).end();
    // The PLIC comes first: its phandles must resolve against cpus parsed later.
    builder.begin("plic")
        .string("compatible", "sifive,plic-1.0.0")
        .cells("reg", {0, 0xc000000, 0x1000});
    builder.cells("interrupts-extended", {10, 11, 10, 9, 13, 9, 15, 9, 17, 9, 17, 9}).end();
    builder.begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
    struct Hart {
        uint32_t id;
        const char* status;
        const char* mmu;
    };
    for (Hart hart : {Hart{0, "okay", "riscv,sv39"}, Hart{3, "disabled", "riscv,sv39"},
                      Hart{5, nullptr, "riscv,none"}, Hart{7, nullptr, "riscv,sv57"}}) {
        builder.begin("cpu").string("device_type", "cpu").cells("reg", {hart.id});
        builder.cells("timebase-frequency", {hart.id == 0 ? 12345u : 99999u});
        if (hart.status) builder.string("status", hart.status);
        builder.string("mmu-type", hart.mmu);
        builder.begin("interrupt-controller").property("interrupt-controller", {});
        builder.cells("phandle", {10 + hart.id}).end().end();
    }
    builder.end().end().token(9);
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(builder.build(), info));
    UNSIGNED_LONGS_EQUAL(4, info.cpu_count);
    UNSIGNED_LONGLONGS_EQUAL(12345, info.timebase_hz); // only per-cpu here: the first wins
    const bool usable[] = {true, false, false, true};
    const uint32_t context[] = {1, 2, 3, 4}; // hart 7's second S entry (context 5) is ignored
    for (uint32_t index = 0; index < 4; ++index) {
        CHECK_EQUAL(usable[index], info.cpus[index].usable);
        UNSIGNED_LONGS_EQUAL(context[index], info.cpus[index].plic_supervisor_context);
    }
    UNSIGNED_LONGS_EQUAL(7, info.cpus[3].hart_id);
}

TEST(DeviceTreeHostile, StdoutPathWithoutUnitAddressAndOneCellBus) {
    Blob blob = minimal_blob(
        [](BlobBuilder& builder) {
            builder.begin("bus@100").cells("#address-cells", {1}).cells("#size-cells", {1});
            builder.begin("serial@1000").string("compatible", "snps,dw-apb-uart\0ns16550a"sv);
            builder.cells("reg", {0x1000, 0x20}).cells("reg-shift", {2}).end();
            builder.begin("serial@2000").string("compatible", "sifive,uart0");
            builder.cells("reg", {0x2000, 0x20}).end().end();
        },
        [](BlobBuilder& builder) {
            builder.begin("chosen").string("stdout-path", "/soc/bus/serial@2000").end();
        });
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(blob, info));
    CHECK(info.uarts[0].kind == exo::UartKind::Ns16550a);
    UNSIGNED_LONGS_EQUAL(2, info.uarts[0].reg_shift);
    UNSIGNED_LONGLONGS_EQUAL(0x20, info.uarts[0].window.size);
    CHECK(info.console.kind == exo::UartKind::Sifive);
    UNSIGNED_LONGLONGS_EQUAL(0x2000, info.console.window.base);
}

TEST(DeviceTreeHostile, StdoutPathToAMissingNodeFallsBackToTheFirstUart) {
    Blob blob = minimal_blob(
        [](BlobBuilder& builder) {
            add_uart(builder, "serial@1000", 0x1000, 3);
            add_uart(builder, "serial@2000", 0x2000, 4);
        },
        [](BlobBuilder& builder) {
            // /chosen has no such child; /soc/serial@2000 must not match by depth alone.
            builder.begin("chosen").string("stdout-path", "/chosen/serial@2000").end();
        });
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(blob, info));
    UNSIGNED_LONGLONGS_EQUAL(0x1000, info.console.window.base);
}

TEST(DeviceTreeHostile, IsaExtensionsAreMatchedWholly) {
    auto sstc = [](std::string_view isa, std::string_view extensions) {
        BlobBuilder builder;
        builder.begin("").begin("memory").string("device_type", "memory");
        builder.cells("reg", {0, 0, 1}).end();
        builder.begin("cpus").cells("#address-cells", {1}).cells("#size-cells", {0});
        builder.begin("cpu@0").string("device_type", "cpu").cells("reg", {0});
        builder.string("riscv,isa", isa);
        if (!extensions.empty()) builder.string("riscv,isa-extensions", extensions);
        builder.end().end().end().token(9);
        DeviceTreeInfo info;
        check_error(DeviceTreeError::None, parse(builder.build(), info));
        return info.cpus[0].has_sstc;
    };
    CHECK_TRUE(sstc("rv64imac_zicsr_sstc_svpbmt", ""));
    CHECK_TRUE(sstc("RV64IMAC_SSTC", ""));
    CHECK_FALSE(sstc("rv64imac_sstcx_zsstc", ""));
    CHECK_FALSE(sstc("rv64sstc", "")); // single-letter part, not an extension
    CHECK_TRUE(sstc("rv64imac", "i\0m\0sstc"sv));
}

TEST(DeviceTreeHostile, ByteFlipSweepNeverEscapesTheBlob) {
    Random random{0x9e3779b97f4a7c15ULL};
    size_t accepted = 0, rejected = 0;
    for (const Blob* original : {&virt, &sifive}) {
        for (int round = 0; round < 3000; ++round) {
            Blob mutated = *original;
            size_t flips = 1 + random.below(4);
            for (size_t flip = 0; flip < flips; ++flip)
                mutated[random.below(mutated.size())] ^= std::byte(1 + random.below(255));
            DeviceTreeInfo info;
            DeviceTreeError result = parse(mutated, info);
            check_invariants(result, info);
            (result == DeviceTreeError::None ? accepted : rejected)++;
        }
    }
    CHECK(accepted > 0);
    CHECK(rejected > 0);
}

TEST(DeviceTreeHostile, WordReplacementSweepHitsTokensAndLengths) {
    // Flipped bytes rarely form a meaningful token; whole words set to boundary values do.
    const uint32_t values[] = {0, 1, 2, 3, 4, 9, 0xffffffff, 0x7fffffff, 0x10, 0x1000, 0x149e};
    Random random{42};
    size_t rejected = 0;
    for (const Blob* original : {&virt, &sifive}) {
        for (int round = 0; round < 3000; ++round) {
            Blob mutated = *original;
            size_t offset = 4 * random.below(mutated.size() / 4);
            store32(mutated, offset, values[random.below(std::size(values))]);
            DeviceTreeInfo info;
            DeviceTreeError result = parse(mutated, info);
            check_invariants(result, info);
            rejected += result != DeviceTreeError::None;
        }
    }
    CHECK(rejected > 100);
}
