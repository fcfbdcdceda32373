// The FAT file system's namespace and its limits, checked with the real tools afterwards:
// rename (within and across directories, a directory with its ".."), remove, rmdir, truncate,
// seek past the end, append, ~N short-name tails, a directory growing over clusters, the errors
// of bad calls, and a full disk, which must leave a volume fsck.fat calls clean.
#include <string>
#include <vector>

#include "fat_images.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::CachePolicy;
using exos::FsError;
using exos::fat::File;
using exos::fat::kAppend;
using exos::fat::kCreate;
using exos::fat::kExclusive;
using exos::fat::kRead;
using exos::fat::kWrite;
using fat_test::FileDevice;
using fat_test::Mounted;

void expect_clean(const std::string& image) {
    fat_test::CommandResult checked = fat_test::fsck(image);
    if (checked.status != 0)
        FAIL(checked.output.c_str());
}

std::vector<uint8_t> typed(const fat_test::TempDir& temp, const std::string& image,
                           const std::string& path) {
    bool ok = false;
    std::vector<uint8_t> bytes = fat_test::mtype(image, path, ok, temp.file("typed"));
    CHECK_TEXT(ok, path.c_str());
    return bytes;
}

std::string listing(const std::string& image, const std::string& path) {
    return fat_test::run("MTOOLS_SKIP_CHECK=1 mdir -i " + fat_test::quote(image) + " " +
                         fat_test::quote("::" + path))
        .output;
}

TEST_GROUP(FatNamespace) {
    fat_test::TempDir temp;
    std::string image = temp.file("namespace.img");
    void setup() override { CHECK(fat_test::make_image(image, 16, 16384)); }
};

TEST(FatNamespace, RenameRemoveTruncateSeekAppend) {
    std::vector<uint8_t> report = fat_test::pattern(9000, 31);
    std::vector<uint8_t> notes = fat_test::pattern(2500, 32);
    std::vector<uint8_t> log = fat_test::pattern(1500, 33);
    {
        Mounted<FileDevice> m(CachePolicy::WriteBack, image);
        CHECK_EQUAL(FsError::Ok, m.fs.mount());
        CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/projects"));
        CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/projects/Old Plans"));
        CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/archive"));
        CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/projects/Old Plans/report.bin",
                                                     report, kWrite | kCreate));
        CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/notes.txt", notes,
                                                     kWrite | kCreate));
        CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/doomed.txt", log, kWrite | kCreate));
        // A file to a new name in another directory; a directory (with its ".." rewritten).
        CHECK_EQUAL(FsError::Ok, m.fs.rename("/notes.txt", "/archive/Meeting Notes.txt"));
        CHECK_EQUAL(FsError::Ok, m.fs.rename("/projects/Old Plans", "/archive/Plans 2025"));
        CHECK_EQUAL(FsError::Busy, m.fs.rename("/archive", "/archive/Plans 2025/inside"));
        CHECK_EQUAL(FsError::AlreadyExists, m.fs.rename("/doomed.txt", "/ARCHIVE"));
        CHECK_EQUAL(FsError::Ok, m.fs.remove("/doomed.txt"));
        CHECK_EQUAL(FsError::NotFound, m.fs.remove("/doomed.txt"));
        CHECK_EQUAL(FsError::NotEmpty, m.fs.remove_directory("/archive"));
        CHECK_EQUAL(FsError::Ok, m.fs.remove_directory("/projects"));
        // Truncate down into the middle of a cluster, then append.
        File file;
        CHECK_EQUAL(FsError::Ok, m.fs.open("/archive/Plans 2025/report.bin", kWrite, file));
        CHECK_EQUAL(FsError::Ok, m.fs.truncate(file, 3000));
        CHECK_EQUAL(FsError::Ok, m.fs.close(file));
        report.resize(3000);
        CHECK_EQUAL(FsError::Ok,
                    fat_test::write_all(m.fs, "/archive/Plans 2025/report.bin", log,
                                        kWrite | kAppend));
        report.insert(report.end(), log.begin(), log.end());
        // A write past the end leaves zeros in the gap; a grown truncate adds zeros too.
        CHECK_EQUAL(FsError::Ok, m.fs.open("/sparse.bin", kWrite | kCreate | kRead, file));
        CHECK_EQUAL(FsError::Ok, m.fs.seek(file, 5000));
        uint32_t written = 0;
        CHECK_EQUAL(FsError::Ok, m.fs.write(file, log, written));
        CHECK_EQUAL(FsError::Ok, m.fs.truncate(file, 8000));
        CHECK_EQUAL(8000u, file.size());
        CHECK_EQUAL(FsError::Ok, m.fs.close(file));
        CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    }
    expect_clean(image);
    CHECK(typed(temp, image, "/archive/Meeting Notes.txt") == notes);
    CHECK(typed(temp, image, "/archive/Plans 2025/report.bin") == report);
    std::vector<uint8_t> sparse(8000, 0);
    std::copy(log.begin(), log.end(), sparse.begin() + 5000);
    CHECK(typed(temp, image, "/sparse.bin") == sparse);
    std::string root = listing(image, "/");
    CHECK(root.find("doomed") == std::string::npos);
    CHECK(root.find("projects") == std::string::npos);
    CHECK(listing(image, "/archive/Plans 2025").find("report") != std::string::npos);
}

TEST(FatNamespace, ShortNameTailsAndAGrowingDirectory) {
    {
        Mounted<FileDevice> m(CachePolicy::WriteThrough, image);
        CHECK_EQUAL(FsError::Ok, m.fs.mount());
        CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/many"));
        // 120 long names: 2 KiB clusters hold 64 slots, so the directory grows several times.
        for (int index = 0; index < 120; ++index)
            CHECK_EQUAL(FsError::Ok,
                        fat_test::write_all(m.fs, "/many/Long File Name " + std::to_string(index) +
                                                      ".txt",
                                            fat_test::pattern(index, index), kWrite | kCreate));
        exos::fat::Stat stat;
        CHECK_EQUAL(FsError::Ok, m.fs.stat("/many/LONGFI~1.TXT", stat));  // the alias finds it
        CHECK_EQUAL(FsError::Ok, m.fs.stat("/many/long file name 119.TXT", stat));
        CHECK_EQUAL(119u, stat.size);
        CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    }
    expect_clean(image);
    std::string many = listing(image, "/many");
    CHECK(many.find("LONGFI~1 TXT") != std::string::npos);
    CHECK(many.find("LONGFI~9 TXT") != std::string::npos);
    CHECK(many.find("LONGF~10 TXT") != std::string::npos);
    CHECK(many.find("LONGF~99 TXT") != std::string::npos);
    CHECK(many.find("LONG~100 TXT") != std::string::npos);
    CHECK(many.find("Long File Name 119.txt") != std::string::npos);
    CHECK(typed(temp, image, "/many/Long File Name 77.txt") == fat_test::pattern(77, 77));
}

TEST(FatNamespace, BadCallsGetClearErrors) {
    Mounted<FileDevice> m(CachePolicy::WriteBack, image);
    File file;
    CHECK_EQUAL(FsError::NotMounted, m.fs.open("/x", kRead, file));
    CHECK_EQUAL(FsError::Ok, m.fs.mount());
    CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/dir"));
    CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/file", {1, 2, 3}, kWrite | kCreate));
    CHECK_EQUAL(FsError::NotFound, m.fs.open("/missing", kRead, file));
    CHECK_EQUAL(FsError::NotFound, m.fs.open("/nowhere/new", kWrite | kCreate, file));
    CHECK_EQUAL(FsError::NotDirectory, m.fs.open("/file/new", kWrite | kCreate, file));
    CHECK_EQUAL(FsError::IsDirectory, m.fs.open("/dir", kRead, file));
    CHECK_EQUAL(FsError::IsDirectory, m.fs.open("/", kRead, file));
    CHECK_EQUAL(FsError::InvalidPath, m.fs.open("relative", kRead, file));
    CHECK_EQUAL(FsError::InvalidPath, m.fs.open("/dir/../file", kRead, file));
    CHECK_EQUAL(FsError::InvalidName, m.fs.open("/a*b", kWrite | kCreate, file));
    CHECK_EQUAL(FsError::InvalidName, m.fs.open("/trailing.", kWrite | kCreate, file));
    CHECK_EQUAL(FsError::InvalidName, m.fs.make_directory("/bad\xff"));
    CHECK_EQUAL(FsError::InvalidName, m.fs.open("/" + std::string(256, 'x'), kWrite | kCreate,
                                                file));
    CHECK_EQUAL(FsError::AlreadyExists, m.fs.open("/FILE", kWrite | kCreate | kExclusive, file));
    CHECK_EQUAL(FsError::InvalidArgument, m.fs.open("/file", 0, file));
    CHECK_EQUAL(FsError::Busy, m.fs.remove("/"));
    CHECK_EQUAL(FsError::IsDirectory, m.fs.remove("/dir"));
    CHECK_EQUAL(FsError::NotDirectory, m.fs.remove_directory("/file"));
    CHECK_EQUAL(FsError::Ok, m.fs.open("/file", kRead, file));
    uint32_t count = 0;
    uint8_t byte = 0;
    CHECK_EQUAL(FsError::ReadOnly, m.fs.write(file, std::span<const uint8_t>(&byte, 1), count));
    CHECK_EQUAL(FsError::ReadOnly, m.fs.truncate(file, 0));
    CHECK_EQUAL(FsError::Ok, m.fs.close(file));
    CHECK_EQUAL(FsError::InvalidArgument, m.fs.read(file, std::span<uint8_t>(&byte, 1), count));
    // A 255-character name is the longest there is, and it works.
    std::string longest = "/" + std::string(250, 'n') + ".long";
    CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, longest, {9}, kWrite | kCreate));
    FsError error = FsError::Ok;
    CHECK((fat_test::read_all(m.fs, longest, error) == std::vector<uint8_t>{9}));
    CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    exos::fat::Stat stat;
    CHECK_EQUAL(FsError::NotMounted, m.fs.stat("/file", stat));
}

TEST_GROUP(FatFull) {
    fat_test::TempDir temp;
};

// Fills a 1 MiB FAT12 volume: the write that finds no cluster reports NoSpace, what was
// written before stays, and the volume stays consistent; removing a file gives the space back.
TEST(FatFull, NoSpaceLeavesAConsistentVolume) {
    std::string image = temp.file("full.img");
    CHECK(fat_test::make_image(image, 12, 1024));
    std::vector<uint8_t> first = fat_test::pattern(300 * 1024, 41);
    std::vector<uint8_t> huge = fat_test::pattern(2 * 1024 * 1024, 42);
    uint32_t kept = 0;
    {
        Mounted<FileDevice> m(CachePolicy::WriteBack, image);
        CHECK_EQUAL(FsError::Ok, m.fs.mount());
        CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/first.bin", first,
                                                     kWrite | kCreate));
        File file;
        CHECK_EQUAL(FsError::Ok, m.fs.open("/huge.bin", kWrite | kCreate, file));
        uint32_t written = 0;
        CHECK_EQUAL(FsError::NoSpace, m.fs.write(file, huge, written));
        CHECK(written > 500 * 1024 && written < huge.size());
        kept = file.size();
        CHECK_EQUAL(written, kept);
        CHECK_EQUAL(FsError::Ok, m.fs.close(file));
        uint64_t free_bytes = 1;
        CHECK_EQUAL(FsError::Ok, m.fs.free_space(free_bytes));
        CHECK_EQUAL(0u, free_bytes);
        CHECK_EQUAL(FsError::NoSpace, m.fs.make_directory("/no room"));
        CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    }
    expect_clean(image);
    CHECK(typed(temp, image, "/first.bin") == first);
    CHECK(typed(temp, image, "/huge.bin") ==
          std::vector<uint8_t>(huge.begin(), huge.begin() + kept));
    {
        Mounted<FileDevice> m(CachePolicy::WriteThrough, image);
        CHECK_EQUAL(FsError::Ok, m.fs.mount());
        CHECK_EQUAL(FsError::Ok, m.fs.remove("/huge.bin"));
        uint64_t free_bytes = 0;
        CHECK_EQUAL(FsError::Ok, m.fs.free_space(free_bytes));
        CHECK(free_bytes >= kept);
        CHECK_EQUAL(FsError::Ok, m.fs.make_directory("/room again"));
        CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    }
    expect_clean(image);
}

// The FAT12/16 root directory has a fixed number of slots: the one past them is NoSpace.
TEST(FatFull, FixedRootDirectoryFills) {
    std::string image = temp.file("root.img");
    CHECK(fat_test::make_image(image, 12, 1024));
    Mounted<FileDevice> m(CachePolicy::WriteBack, image);
    CHECK_EQUAL(FsError::Ok, m.fs.mount());
    uint32_t slots = m.fs.volume().root_entries;
    for (uint32_t index = 0; index < slots; ++index)
        CHECK_EQUAL(FsError::Ok, fat_test::write_all(m.fs, "/F" + std::to_string(index), {},
                                                     kWrite | kCreate));
    CHECK_EQUAL(FsError::NoSpace, fat_test::write_all(m.fs, "/ONE.MOR", {}, kWrite | kCreate));
    CHECK_EQUAL(FsError::Ok, m.fs.unmount());
    expect_clean(image);
}

}  // namespace
