// Host tests for the device tree parser on hand-built and mutated blobs: every malformation
// fails with an error, no parse reads outside the blob, and unusual but valid shapes parse.
#include "device_tree_blobs.h"

using namespace device_tree_test;

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
