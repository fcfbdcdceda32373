// The FAT file system against corrupt volumes: bad boot sectors, cluster loops, clusters out of
// range, chains shorter than their size, directories that point at themselves or whose ".." is
// wrong, a failing device, and random damage. Each is a clear error, never a crash or a hang.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fat_images.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::CachePolicy;
using exos::FsError;
using exos::fat::File;
using exos::fat::kCreate;
using exos::fat::kRead;
using exos::fat::kWrite;
using fat_test::MemoryDevice;
using fat_test::Mounted;

void put16(std::vector<uint8_t>& image, size_t at, uint16_t value) {
    image[at] = static_cast<uint8_t>(value);
    image[at + 1] = static_cast<uint8_t>(value >> 8);
}
void put32(std::vector<uint8_t>& image, size_t at, uint32_t value) {
    for (int index = 0; index < 4; ++index)
        image[at + index] = static_cast<uint8_t>(value >> (8 * index));
}

// An image made by the tools, with /d/sub/file.bin (5 clusters) and /five.bin (5 clusters).
struct Sample {
    std::vector<uint8_t> image;
    exos::fat::Volume volume;
    uint32_t five = 0;  // first cluster of /five.bin
    uint32_t d = 0;     // first cluster of /d
    uint32_t sub = 0;   // first cluster of /d/sub
};

Sample make_sample(int bits, int kib) {
    fat_test::TempDir temp;
    Sample sample;
    std::string image = temp.file("sample.img");
    CHECK(fat_test::make_image(image, bits, kib));
    CHECK(fat_test::make_dos_directory(image, "/d"));
    CHECK(fat_test::make_dos_directory(image, "/d/sub"));
    std::vector<uint8_t> bytes = fat_test::read_host_file(image);
    uint32_t cluster = 512u * bytes[13];
    CHECK(fat_test::write_host_file(temp.file("five"), fat_test::pattern(5 * cluster, 51)));
    CHECK(fat_test::copy_in(image, temp.file("five"), "/five.bin"));
    CHECK(fat_test::copy_in(image, temp.file("five"), "/d/sub/file.bin"));
    sample.image = fat_test::read_host_file(image);
    Mounted<MemoryDevice> m(CachePolicy::WriteBack, sample.image);
    CHECK_EQUAL(FsError::Ok, m.fs.mount());
    sample.volume = m.fs.volume();
    exos::fat::Stat stat;
    CHECK_EQUAL(FsError::Ok, m.fs.stat("/five.bin", stat));
    sample.five = stat.first_cluster;
    CHECK_EQUAL(FsError::Ok, m.fs.stat("/d", stat));
    sample.d = stat.first_cluster;
    CHECK_EQUAL(FsError::Ok, m.fs.stat("/d/sub", stat));
    sample.sub = stat.first_cluster;
    return sample;
}

// Sets `cluster`'s entry in every FAT copy of the image.
void set_fat(Sample& sample, uint32_t cluster, uint32_t value) {
    const exos::fat::Volume& volume = sample.volume;
    for (uint32_t copy = 0; copy < volume.fat_copies; ++copy) {
        size_t fat = (volume.fat_start + size_t{copy} * volume.fat_sectors) * 512;
        if (volume.type == exos::fat::FatType::Fat12) {
            size_t at = fat + cluster + cluster / 2;
            uint16_t old = static_cast<uint16_t>(sample.image[at] | sample.image[at + 1] << 8);
            uint16_t merged = (cluster & 1) ? (old & 0x000f) | (value & 0xfff) << 4
                                            : (old & 0xf000) | (value & 0xfff);
            put16(sample.image, at, merged);
        } else if (volume.type == exos::fat::FatType::Fat16) {
            put16(sample.image, fat + cluster * 2, static_cast<uint16_t>(value));
        } else {
            put32(sample.image, fat + cluster * 4, value);
        }
    }
}

size_t cluster_offset(const Sample& sample, uint32_t cluster) {
    return (sample.volume.data_start + size_t{cluster - 2} * sample.volume.sectors_per_cluster) *
           512;
}

// The byte offset of the short entry `name` (11 bytes, "FIVE    BIN") in a directory's first
// cluster, or in the fixed root when `directory` is 0.
size_t entry_offset(const Sample& sample, uint32_t directory, const char* name) {
    size_t start = directory == 0 ? size_t{sample.volume.root_start} * 512
                                  : cluster_offset(sample, directory);
    for (size_t at = start; at < start + 16 * 512; at += 32)
        if (std::equal(name, name + 11, sample.image.begin() + at))
            return at;
    FAIL("entry not found");
    return 0;
}

uint32_t root_of(const Sample& sample) {
    return sample.volume.type == exos::fat::FatType::Fat32 ? sample.volume.root_cluster : 0;
}

FsError open_error(std::vector<uint8_t> image, const std::string& path) {
    Mounted<MemoryDevice> m(CachePolicy::WriteBack, std::move(image));
    EXOS_TRY(m.fs.mount());
    File file;
    EXOS_TRY(m.fs.open(path, kRead, file));
    std::vector<uint8_t> buffer(file.size());
    uint32_t got = 0;
    EXOS_TRY(m.fs.read(file, buffer, got));
    return m.fs.close(file);
}

FsError list_error(std::vector<uint8_t> image, const std::string& path) {
    Mounted<MemoryDevice> m(CachePolicy::WriteBack, std::move(image));
    EXOS_TRY(m.fs.mount());
    exos::fat::DirectoryIterator iterator;
    EXOS_TRY(m.fs.open_directory(path, iterator));
    exos::fat::DirectoryEntry entry;
    for (;;) {
        FsError error = m.fs.read_directory(iterator, entry);
        if (error == FsError::EndOfDirectory)
            return FsError::Ok;
        EXOS_TRY(error);
    }
}

TEST_GROUP(FatHostile){};

TEST(FatHostile, BadBootSectorsAreRefused) {
    Sample fat16 = make_sample(16, 16384);
    Sample fat32 = make_sample(32, 34000);
    struct Damage {
        const char* what;
        bool on_fat32;
        std::function<void(std::vector<uint8_t>&)> apply;
    };
    const std::vector<Damage> damages = {
        {"no 0x55AA signature", false, [](auto& image) { image[510] = 0; }},
        {"no jump instruction", false, [](auto& image) { image[0] = 0; }},
        {"4096-byte sectors", false, [](auto& image) { put16(image, 11, 4096); }},
        {"3 sectors a cluster", false, [](auto& image) { image[13] = 3; }},
        {"0 sectors a cluster", false, [](auto& image) { image[13] = 0; }},
        {"no reserved sector", false, [](auto& image) { put16(image, 14, 0); }},
        {"no FAT", false, [](auto& image) { image[16] = 0; }},
        {"no sectors", false, [](auto& image) { put16(image, 19, 0), put32(image, 32, 0); }},
        {"more sectors than the disk", false,
         [](auto& image) { put16(image, 19, 0), put32(image, 32, 1u << 30); }},
        {"a FAT too small for the clusters", false, [](auto& image) { put16(image, 22, 1); }},
        {"FAT16 without root slots", false, [](auto& image) { put16(image, 17, 0); }},
        {"FAT32 root cluster 0", true, [](auto& image) { put32(image, 44, 0); }},
        {"FAT32 root cluster past the end", true, [](auto& image) { put32(image, 44, 1u << 27); }},
        {"FAT32 version 1.0", true, [](auto& image) { put16(image, 42, 0x0100); }},
        {"FAT32 with root slots", true, [](auto& image) { put16(image, 17, 512); }},
    };
    for (const Damage& damage : damages) {
        std::vector<uint8_t> image = damage.on_fat32 ? fat32.image : fat16.image;
        damage.apply(image);
        Mounted<MemoryDevice> m(CachePolicy::WriteBack, image);
        CHECK_EQUAL_TEXT(FsError::BadVolume, m.fs.mount(), damage.what);
        CHECK(!m.fs.mounted());
    }
    Mounted<MemoryDevice> empty(CachePolicy::WriteBack, std::vector<uint8_t>{});
    CHECK_EQUAL(FsError::BadVolume, empty.fs.mount());
}

TEST(FatHostile, BrokenFileChainsAreCorrupt) {
    for (auto [bits, kib] : {std::pair{12, 8192}, std::pair{16, 16384}, std::pair{32, 34000}}) {
        Sample sample = make_sample(bits, kib);
        CHECK_EQUAL(FsError::Ok, open_error(sample.image, "/five.bin"));
        uint32_t first = sample.five;  // mcopy allocates the five clusters contiguously
        Sample loop = sample;
        set_fat(loop, first + 4, first);  // the last cluster points back at the first
        CHECK_EQUAL_TEXT(FsError::Corrupt, open_error(loop.image, "/five.bin"),
                         std::to_string(bits).c_str());
        Sample inner_loop = sample;
        set_fat(inner_loop, first + 2, first + 1);
        CHECK_EQUAL(FsError::Corrupt, open_error(inner_loop.image, "/five.bin"));
        Sample out_of_range = sample;
        set_fat(out_of_range, first + 1, sample.volume.cluster_count + 10);
        CHECK_EQUAL(FsError::Corrupt, open_error(out_of_range.image, "/five.bin"));
        Sample free_inside = sample;
        set_fat(free_inside, first + 1, 0);
        CHECK_EQUAL(FsError::Corrupt, open_error(free_inside.image, "/five.bin"));
        Sample short_chain = sample;
        set_fat(short_chain, first + 1, 0x0fffffff);  // ends after 2 of the 5 clusters
        CHECK_EQUAL(FsError::Corrupt, open_error(short_chain.image, "/five.bin"));
        Sample bad_start = sample;
        size_t entry = entry_offset(bad_start, root_of(sample), "FIVE    BIN");
        put16(bad_start.image, entry + 26, 1);
        CHECK_EQUAL(FsError::Corrupt, open_error(bad_start.image, "/five.bin"));
        Sample no_start = sample;
        put16(no_start.image, entry + 26, 0);
        put16(no_start.image, entry + 20, 0);
        CHECK_EQUAL(FsError::Corrupt, open_error(no_start.image, "/five.bin"));

        // Removing a file whose chain loops ends too: the entry goes, the loop is cut.
        Mounted<MemoryDevice> m(CachePolicy::WriteBack, loop.image);
        CHECK_EQUAL(FsError::Ok, m.fs.mount());
        CHECK_EQUAL(FsError::Corrupt, m.fs.remove("/five.bin"));
        exos::fat::Stat stat;
        CHECK_EQUAL(FsError::NotFound, m.fs.stat("/five.bin", stat));
    }
}

TEST(FatHostile, DirectoriesThatPointWronglyAreCorrupt) {
    for (auto [bits, kib] : {std::pair{16, 16384}, std::pair{32, 34000}}) {
        Sample sample = make_sample(bits, kib);
        CHECK_EQUAL(FsError::Ok, list_error(sample.image, "/d/sub"));
        size_t sub_entry = entry_offset(sample, sample.d, "SUB        ");
        Sample self = sample;  // /d/sub is /d itself
        put16(self.image, sub_entry + 26, static_cast<uint16_t>(sample.d));
        put16(self.image, sub_entry + 20, static_cast<uint16_t>(sample.d >> 16));
        CHECK_EQUAL(FsError::Ok, list_error(self.image, "/d"));
        CHECK_EQUAL(FsError::Corrupt, list_error(self.image, "/d/sub"));
        CHECK_EQUAL(FsError::Corrupt, open_error(self.image, "/d/sub/sub/sub/file.bin"));
        Sample to_root = sample;  // /d/sub is the root (cluster 0, or FAT32's root cluster)
        put16(to_root.image, sub_entry + 26, static_cast<uint16_t>(root_of(sample)));
        put16(to_root.image, sub_entry + 20, static_cast<uint16_t>(root_of(sample) >> 16));
        CHECK_EQUAL(FsError::Corrupt, list_error(to_root.image, "/d/sub"));
        Sample wrong_parent = sample;  // /d/sub's ".." names /d/sub
        size_t dot_dot = cluster_offset(sample, sample.sub) + 32;
        put16(wrong_parent.image, dot_dot + 26, static_cast<uint16_t>(sample.sub));
        put16(wrong_parent.image, dot_dot + 20, static_cast<uint16_t>(sample.sub >> 16));
        CHECK_EQUAL(FsError::Corrupt, list_error(wrong_parent.image, "/d/sub"));
        CHECK_EQUAL(FsError::Corrupt, open_error(wrong_parent.image, "/d/sub/file.bin"));
        Sample looping = sample;  // /d's chain is a loop of one cluster
        set_fat(looping, sample.d, sample.d);
        CHECK_EQUAL(FsError::Corrupt, list_error(looping.image, "/d"));
        if (bits == 32) {
            Sample root_loop = sample;
            set_fat(root_loop, sample.volume.root_cluster, sample.volume.root_cluster);
            Mounted<MemoryDevice> m(CachePolicy::WriteBack, root_loop.image);
            CHECK_EQUAL(FsError::Corrupt, m.fs.mount());
        }
    }
}

TEST(FatHostile, FailingDeviceIsAnIoError) {
    Sample sample = make_sample(12, 8192);
    Mounted<MemoryDevice> m(CachePolicy::WriteThrough, sample.image);
    CHECK_EQUAL(FsError::Ok, m.fs.mount());
    m.device.fail_writes = true;
    File file;
    CHECK_EQUAL(FsError::IoError, m.fs.open("/new.txt", kWrite | kCreate, file));
    CHECK_EQUAL(FsError::IoError, m.fs.make_directory("/new"));
}

// Walks everything reachable, reading every file: errors are allowed, crashes and hangs not.
void walk(exos::fat::FileSystem& fs, const std::string& path, int depth) {
    exos::fat::DirectoryIterator iterator;
    if (depth > 6 || fs.open_directory(path.empty() ? "/" : path, iterator) != FsError::Ok)
        return;
    exos::fat::DirectoryEntry entry;
    for (int count = 0; count < 200 && fs.read_directory(iterator, entry) == FsError::Ok;
         ++count) {
        std::string child = path + "/" + entry.name;
        if (entry.stat.is_directory()) {
            walk(fs, child, depth + 1);
            continue;
        }
        FsError error = FsError::Ok;
        (void)fat_test::read_all(fs, child, error);
    }
}

TEST(FatHostile, RandomDamageNeverCrashes) {
    for (auto [bits, kib] : {std::pair{12, 8192}, std::pair{16, 16384}, std::pair{32, 34000}}) {
        Sample sample = make_sample(bits, kib);
        // Damage lands in the metadata and the first directory clusters, where it matters.
        size_t span = cluster_offset(sample, sample.sub) + 4 * sample.volume.cluster_bytes;
        uint32_t state = 12345;
        auto next = [&] { return state = state * 1103515245u + 12345u, state >> 8; };
        int rounds = bits == 32 ? 40 : 150;  // a FAT32 image is 33 MiB to copy each round
        for (int round = 0; round < rounds; ++round) {
            std::vector<uint8_t> image = sample.image;
            for (int flip = 0, flips = 1 + next() % 16; flip < flips; ++flip)
                image[next() % span] ^= static_cast<uint8_t>(1 + next() % 255);
            auto m = std::make_unique<Mounted<MemoryDevice>>(CachePolicy::WriteBack, image);
            if (m->fs.mount() != FsError::Ok)
                continue;
            walk(m->fs, "", 0);
            // Writing into a damaged volume may fail, but must end.
            (void)fat_test::write_all(m->fs, "/d/new file.txt", fat_test::pattern(5000, round),
                                      kWrite | kCreate);
            (void)m->fs.rename("/five.bin", "/d/sub/moved.bin");
            (void)m->fs.remove("/d/sub/file.bin");
            (void)m->fs.remove_directory("/d/sub");
            walk(m->fs, "", 0);
        }
    }
}

}  // namespace
