// The files the disk scenario's host side (tests/qemu/disk_fat.sh) puts on the image and the
// guest checks, and those the guest writes and the host checks: each file's bytes follow from
// its seed, so both sides know them without sending them.
#pragma once

#include <cstdint>

namespace disk_files {

inline constexpr uint8_t byte_at(uint32_t seed, uint64_t index) {
    return static_cast<uint8_t>(index * 131 + seed * 7 + (index >> 8));
}

struct File {
    const char* path;
    uint32_t size;
    uint32_t seed;
};

// Made by mkfs.fat and mcopy; the cluster is 2048 bytes (mkfs.fat -s 4).
inline constexpr File kFromHost[] = {
    {"/empty.bin", 0, 1},
    {"/one.bin", 1, 2},
    {"/cluster-less-one.bin", 2047, 3},
    {"/cluster-plus-one.bin", 2049, 4},
    {"/five-mib.bin", 5 * 1024 * 1024, 5},
    {"/A long file name, with spaces.txt", 3000, 6},
    {"/outer/middle/inner/deep.bin", 10000, 7},
};

// Written by the guest (after which the host reads them with mtype).
inline constexpr File kFromGuest[] = {
    {"/written/appended.bin", 100000, 9},
    {"/written/A long name the guest chose.txt", 3000, 10},
    {"/renamed.bin", 4097, 11},
};

// On the image at first, deleted by the guest.
inline constexpr const char* kDeleted = "/delete-me.bin";

}  // namespace disk_files
