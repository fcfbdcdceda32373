// The FAT file system (libos/include/exos/fat.h) against the real tools: images made by
// mkfs.fat and filled by mtools are read back byte for byte; what the library writes, mtype
// reads back identically, mdir lists with its long names, and fsck.fat -n calls clean.
#include <cstring>
#include <string>
#include <vector>

#include "fat_images.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::CachePolicy;
using exos::FsError;
using exos::fat::FatType;
using fat_test::FileDevice;
using fat_test::Mounted;

struct Layout {
    int bits;
    int kib;
    FatType type;
};
// One image size per type; each holds a 5 MiB file.
constexpr Layout kLayouts[] = {
    {12, 8192, FatType::Fat12}, {16, 16384, FatType::Fat16}, {32, 34000, FatType::Fat32}};

// The cluster size mkfs.fat chose, from the boot sector.
uint32_t cluster_bytes_of(const std::string& image) {
    std::vector<uint8_t> boot = fat_test::read_host_file(image);
    return boot.size() > 13 ? 512u * boot[13] : 0;
}

struct HostFile {
    std::string dos_path;
    std::vector<uint8_t> bytes;
};

// The files every layout carries: the sizes at the edges of a cluster, a 5 MiB one, long
// names with spaces and mixed case, nested directories.
std::vector<HostFile> sample_files(uint32_t cluster) {
    return {
        {"/empty.txt", {}},
        {"/one.bin", fat_test::pattern(1, 1)},
        {"/Cluster Minus One.dat", fat_test::pattern(cluster - 1, 2)},
        {"/Cluster Plus One.dat", fat_test::pattern(cluster + 1, 3)},
        {"/big/Five Mebibytes.bin", fat_test::pattern(5 * 1024 * 1024, 4)},
        {"/big/nested/deeper/A rather long file name, with punctuation.txt",
         fat_test::pattern(4000, 5)},
        {"/UPPER.TXT", fat_test::pattern(700, 6)},
    };
}

TEST_GROUP(FatMount){};

TEST(FatMount, DetectsEachTypeByClusterCount) {
    fat_test::TempDir temp;
    for (const Layout& layout : kLayouts) {
        std::string image = temp.file("mount.img");
        CHECK(fat_test::make_image(image, layout.bits, layout.kib));
        Mounted<FileDevice> mounted(CachePolicy::WriteBack, image);
        CHECK_EQUAL(FsError::Ok, mounted.fs.mount());
        CHECK(mounted.fs.volume().type == layout.type);
        CHECK_EQUAL(cluster_bytes_of(image), mounted.fs.volume().cluster_bytes);
        uint64_t free_bytes = 0;
        CHECK_EQUAL(FsError::Ok, mounted.fs.free_space(free_bytes));
        // mkfs.fat's own count: fsck.fat -v prints "<used>/<total> clusters".
        CHECK(free_bytes > static_cast<uint64_t>(layout.kib) * 1024 * 8 / 10);
        CHECK_EQUAL(FsError::Ok, mounted.fs.unmount());
        CHECK_EQUAL(0, fat_test::fsck(image).status);
    }
}

// mkfs.fat -F 32 on 16 MiB warns and makes a FAT32 layout with 32,000-odd clusters: by the
// specification's cluster count that is FAT16, which has a fixed root, so it is no volume.
TEST(FatMount, TypeComesFromTheClusterCountNotTheLabel) {
    fat_test::TempDir temp;
    std::string image = temp.file("small32.img");
    CHECK(fat_test::make_image(image, 32, 16384));
    Mounted<FileDevice> mounted(CachePolicy::WriteBack, image);
    CHECK_EQUAL(FsError::BadVolume, mounted.fs.mount());
}

TEST_GROUP(FatRead){};

TEST(FatRead, ReadsWhatMtoolsWrote) {
    fat_test::TempDir temp;
    for (const Layout& layout : kLayouts) {
        std::string image = temp.file("read.img");
        CHECK(fat_test::make_image(image, layout.bits, layout.kib));
        std::vector<HostFile> files = sample_files(cluster_bytes_of(image));
        CHECK(fat_test::make_dos_directory(image, "/big"));
        CHECK(fat_test::make_dos_directory(image, "/big/nested"));
        CHECK(fat_test::make_dos_directory(image, "/big/nested/deeper"));
        for (const HostFile& file : files) {
            std::string host = temp.file("source");
            CHECK(fat_test::write_host_file(host, file.bytes));
            CHECK(fat_test::copy_in(image, host, file.dos_path));
        }
        Mounted<FileDevice> mounted(CachePolicy::WriteBack, image);
        CHECK_EQUAL(FsError::Ok, mounted.fs.mount());
        for (const HostFile& file : files) {
            FsError error = FsError::Ok;
            std::vector<uint8_t> read = fat_test::read_all(mounted.fs, file.dos_path, error);
            CHECK_EQUAL(FsError::Ok, error);
            CHECK(read == file.bytes);
            exos::fat::Stat stat;
            CHECK_EQUAL(FsError::Ok, mounted.fs.stat(file.dos_path, stat));
            CHECK_EQUAL(file.bytes.size(), stat.size);
        }
        // Lookup ignores case, and the 8.3 alias names the file too.
        FsError error = FsError::Ok;
        CHECK(fat_test::read_all(mounted.fs, "/CLUSTER minus ONE.DAT", error) == files[2].bytes);
        CHECK(fat_test::read_all(mounted.fs, "/CLUSTE~1.DAT", error).size() > 0);
        CHECK_EQUAL(FsError::Ok, error);
        exos::fat::Stat stat;
        CHECK_EQUAL(FsError::NotFound, mounted.fs.stat("/big/missing", stat));
        CHECK_EQUAL(FsError::NotDirectory, mounted.fs.stat("/one.bin/x", stat));
        CHECK_EQUAL(FsError::Ok, mounted.fs.stat("/big/nested", stat));
        CHECK(stat.is_directory());
    }
}

TEST(FatRead, ListsLongNames) {
    fat_test::TempDir temp;
    std::string image = temp.file("list.img");
    CHECK(fat_test::make_image(image, 16, 16384));
    std::string host = temp.file("source");
    CHECK(fat_test::write_host_file(host, fat_test::pattern(10, 7)));
    CHECK(fat_test::make_dos_directory(image, "/Some Folder"));
    // More names than one sector of slots holds, so long-name sets cross sector boundaries.
    for (int index = 0; index < 40; ++index)
        CHECK(fat_test::copy_in(image, host,
                                "/Some Folder/Quite a long name number " + std::to_string(index)));
    Mounted<FileDevice> mounted(CachePolicy::WriteThrough, image);
    CHECK_EQUAL(FsError::Ok, mounted.fs.mount());
    exos::fat::DirectoryIterator iterator;
    CHECK_EQUAL(FsError::Ok, mounted.fs.open_directory("/some folder", iterator));
    std::vector<bool> seen(40, false);
    exos::fat::DirectoryEntry entry;
    int count = 0;
    FsError error = FsError::Ok;
    while ((error = mounted.fs.read_directory(iterator, entry)) == FsError::Ok) {
        std::string name = entry.name;
        std::string prefix = "Quite a long name number ";
        CHECK(name.rfind(prefix, 0) == 0);
        seen.at(std::stoi(name.substr(prefix.size()))) = true;
        CHECK_EQUAL(10u, entry.stat.size);
        ++count;
    }
    CHECK_EQUAL(FsError::EndOfDirectory, error);
    CHECK_EQUAL(40, count);
    for (bool was_seen : seen)
        CHECK(was_seen);
}

TEST_GROUP(FatWrite){};

// Writes the sample files through the library, then checks them with the tools.
void write_and_check(const Layout& layout, CachePolicy policy) {
    fat_test::TempDir temp;
    std::string image = temp.file("write.img");
    CHECK(fat_test::make_image(image, layout.bits, layout.kib));
    std::vector<HostFile> files = sample_files(cluster_bytes_of(image));
    files.push_back({"/Grüße aus Köln.txt", fat_test::pattern(123, 8)});
    {
        Mounted<FileDevice> mounted(policy, image);
        CHECK_EQUAL(FsError::Ok, mounted.fs.mount());
        CHECK_EQUAL(FsError::Ok, mounted.fs.make_directory("/big"));
        CHECK_EQUAL(FsError::Ok, mounted.fs.make_directory("/big/nested"));
        CHECK_EQUAL(FsError::Ok, mounted.fs.make_directory("/big/nested/deeper"));
        CHECK_EQUAL(FsError::AlreadyExists, mounted.fs.make_directory("/BIG"));
        for (const HostFile& file : files)
            CHECK_EQUAL(FsError::Ok,
                        fat_test::write_all(mounted.fs, file.dos_path, file.bytes,
                                            exos::fat::kWrite | exos::fat::kCreate));
        for (const HostFile& file : files) {
            FsError error = FsError::Ok;
            CHECK(fat_test::read_all(mounted.fs, file.dos_path, error) == file.bytes);
            CHECK_EQUAL(FsError::Ok, error);
        }
        CHECK_EQUAL(FsError::Ok, mounted.fs.unmount());
    }
    fat_test::CommandResult checked = fat_test::fsck(image);
    if (checked.status != 0)
        FAIL(checked.output.c_str());
    for (const HostFile& file : files) {
        bool ok = false;
        std::vector<uint8_t> typed = fat_test::mtype(image, file.dos_path, ok, temp.file("out"));
        CHECK_TEXT(ok, file.dos_path.c_str());
        CHECK_TEXT(typed == file.bytes, file.dos_path.c_str());
    }
    fat_test::CommandResult listing = fat_test::run("MTOOLS_SKIP_CHECK=1 mdir -i " +
                                                    fat_test::quote(image) + " ::/");
    CHECK(listing.output.find("Cluster Minus One.dat") != std::string::npos);
    CHECK(listing.output.find("CLUSTE~1 DAT") != std::string::npos);
    CHECK(listing.output.find("CLUSTE~2 DAT") != std::string::npos);
    CHECK(listing.output.find("UPPER    TXT") != std::string::npos);
}

TEST(FatWrite, Fat12WriteBack) { write_and_check(kLayouts[0], CachePolicy::WriteBack); }
TEST(FatWrite, Fat16WriteBack) { write_and_check(kLayouts[1], CachePolicy::WriteBack); }
TEST(FatWrite, Fat32WriteBack) { write_and_check(kLayouts[2], CachePolicy::WriteBack); }
TEST(FatWrite, Fat12WriteThrough) { write_and_check(kLayouts[0], CachePolicy::WriteThrough); }
TEST(FatWrite, Fat32WriteThrough) { write_and_check(kLayouts[2], CachePolicy::WriteThrough); }

}  // namespace
