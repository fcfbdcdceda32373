// Host tests for the device tree parser on the real blobs QEMU and OpenSBI hand the kernel on
// virt and sifive_u (tests/data). The hostile ones are in device_tree_hostile_test.cpp.
#include "boot/boot_options.h"
#include "device_tree_blobs.h"

using namespace device_tree_test;

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

// QEMU's -append becomes /chosen/bootargs, where the kernel reads its boot options.
TEST_GROUP(DeviceTreeBootargs) {};

TEST(DeviceTreeBootargs, AbsentIsEmpty) {
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(load("virt-runtime.dtb"), info, kRuntimeBlobAddress));
    STRCMP_EQUAL("", info.bootargs.data());
}

TEST(DeviceTreeBootargs, QemuAppendIsRead) {
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(load("virt-bootargs-qemu.dtb"), info));
    STRCMP_EQUAL("exo.fast_paths=off", info.bootargs.data());
    CHECK_FALSE(exo::parse_boot_options(info.bootargs.data()).fast_paths);
}

TEST(DeviceTreeBootargs, LongerThanTheArrayIsTruncated) {
    std::string text(300, 'x');
    Blob blob = minimal_blob({}, [&](BlobBuilder& builder) {
        builder.begin("chosen").string("bootargs", text).end();
    });
    DeviceTreeInfo info;
    check_error(DeviceTreeError::None, parse(blob, info));
    UNSIGNED_LONGS_EQUAL(info.bootargs.size() - 1, std::string(info.bootargs.data()).size());
}

TEST(DeviceTreeBootargs, NotAStringFails) {
    Blob blob = minimal_blob({}, [](BlobBuilder& builder) {
        builder.begin("chosen").property("bootargs", {std::byte{'a'}, std::byte{'b'}}).end();
    });
    check_error(DeviceTreeError::BadString, parse(blob));
}

TEST_GROUP(BootOptions) {};

TEST(BootOptions, NoneMeansTheFastPaths) {
    exo::BootOptions options = exo::parse_boot_options("");
    CHECK_TRUE(options.fast_paths);
    UNSIGNED_LONGS_EQUAL(0, options.unknown);
}

TEST(BootOptions, FastPathsOffAmongOtherWords) {
    exo::BootOptions options = exo::parse_boot_options("  console=ttyS0 exo.fast_paths=off  quiet");
    CHECK_FALSE(options.fast_paths);
    UNSIGNED_LONGS_EQUAL(2, options.unknown);
}

TEST(BootOptions, TheLastWordWins) {
    CHECK_TRUE(exo::parse_boot_options("exo.fast_paths=off exo.fast_paths=on").fast_paths);
}

TEST(BootOptions, NearMissesAreUnknownNotApplied) {
    for (const char* word : {"exo.fast_paths=of", "exo.fast_paths=offx", "exo.fast_paths",
                             "EXO.FAST_PATHS=OFF", "exo.fast_paths= off", "xexo.fast_paths=off"}) {
        exo::BootOptions options = exo::parse_boot_options(word);
        CHECK_TRUE_TEXT(options.fast_paths, word);
        CHECK_TEXT(options.unknown >= 1, word);
    }
}

TEST(BootOptions, CutAfterWritesTakesACountFromOne) {
    UNSIGNED_LONGLONGS_EQUAL(0, exo::parse_boot_options("").cut_after_writes);
    UNSIGNED_LONGLONGS_EQUAL(7, exo::parse_boot_options("exo.cut_after_writes=7").cut_after_writes);
    exo::BootOptions options = exo::parse_boot_options("quiet exo.cut_after_writes=123456789012");
    UNSIGNED_LONGLONGS_EQUAL(123456789012ull, options.cut_after_writes);
    CHECK_TRUE(options.fast_paths);
    UNSIGNED_LONGS_EQUAL(1, options.unknown);
}

TEST(BootOptions, ACutWithoutAGoodCountIsUnknownNotApplied) {
    for (const char* word : {"exo.cut_after_writes=", "exo.cut_after_writes=0",
                             "exo.cut_after_writes=-1", "exo.cut_after_writes=1x",
                             "exo.cut_after_writes= 3", "exo.cut_after_writes=1234567890123456789",
                             "exo.cut_after_writes"}) {
        exo::BootOptions options = exo::parse_boot_options(word);
        UNSIGNED_LONGLONGS_EQUAL_TEXT(0, options.cut_after_writes, word);
        CHECK_TEXT(options.unknown >= 1, word);
    }
}
