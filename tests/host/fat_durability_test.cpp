// Durability: a power cut after any write. A MemoryDevice that accepts the first k block writes
// and drops the rest runs one file-creating sequence (create, write, fsync, mkdir, append,
// rename across directories and within one, remove, rmdir, truncate), for every k from 0 to
// the sequence's total. Each cut image goes to fsck.fat -n, which must call it clean or report
// only what docs/filesystem.md accepts (lost clusters, a free count to fix, a chain longer than
// its file's size, FAT copies that differ, both names of a rename across directories); every
// file whose fsync had returned must read back (mtype) as it was synced, or as its next version
// where the cut fell inside that operation.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fat_images.h"

#include <CppUTest/TestHarness.h>

namespace {

using exos::CachePolicy;
using exos::FsError;
using exos::fat::File;
using fat_test::MemoryDevice;
using fat_test::Mounted;

// A file's contents and path once an operation on it had returned, and how many block writes
// the device had seen by then.
struct Version {
    std::string path;
    std::vector<uint8_t> bytes;
    uint64_t completed_at;
};
struct History {
    std::vector<Version> alpha, beta, gamma;
    uint64_t rename_begin = 0;  // the device's write count around the rename
    uint64_t rename_end = 0;
};

FsError write_file(exos::fat::FileSystem& fs, const std::string& path,
                   const std::vector<uint8_t>& bytes, uint32_t flags) {
    File file;
    EXOS_TRY(fs.open(path, flags, file));
    uint32_t written = 0;
    EXOS_TRY(fs.write(file, bytes, written));
    EXOS_TRY(fs.fsync(file));
    return fs.close(file);
}

// The sequence; errors are ignored after a cut (the device drops writes silently, so the file
// system may read stale blocks back), but recorded in the reference run.
FsError run_sequence(Mounted<MemoryDevice>& m, History& history) {
    auto now = [&] { return m.device.writes; };
    std::vector<uint8_t> a1 = fat_test::pattern(3000, 11);
    std::vector<uint8_t> a2 = a1;
    std::vector<uint8_t> extra = fat_test::pattern(5000, 12);
    a2.insert(a2.end(), extra.begin(), extra.end());
    std::vector<uint8_t> b1 = fat_test::pattern(10000, 13);
    std::vector<uint8_t> b2(b1.begin(), b1.begin() + 100);
    std::vector<uint8_t> g1 = fat_test::pattern(4500, 14);
    using namespace exos::fat;
    EXOS_TRY(m.fs.mount());
    EXOS_TRY(write_file(m.fs, "/Alpha Long Name.txt", a1, kWrite | kCreate));
    history.alpha.push_back({"/Alpha Long Name.txt", a1, now()});
    EXOS_TRY(m.fs.make_directory("/docs"));
    EXOS_TRY(m.fs.make_directory("/docs/Sub Directory"));
    EXOS_TRY(write_file(m.fs, "/docs/Sub Directory/beta.bin", b1, kWrite | kCreate));
    history.beta.push_back({"/docs/Sub Directory/beta.bin", b1, now()});
    EXOS_TRY(write_file(m.fs, "/Alpha Long Name.txt", extra, kWrite | kAppend));
    history.alpha.push_back({"/Alpha Long Name.txt", a2, now()});
    history.rename_begin = now();
    EXOS_TRY(m.fs.rename("/Alpha Long Name.txt", "/docs/Alpha Renamed.txt"));
    history.rename_end = now();
    history.alpha.push_back({"/docs/Alpha Renamed.txt", a2, now()});
    EXOS_TRY(m.fs.remove("/olddir/old file.txt"));
    EXOS_TRY(m.fs.remove_directory("/olddir"));
    File beta;
    EXOS_TRY(m.fs.open("/docs/Sub Directory/beta.bin", kWrite, beta));
    EXOS_TRY(m.fs.truncate(beta, 100));
    EXOS_TRY(m.fs.close(beta));
    history.beta.push_back({"/docs/Sub Directory/beta.bin", b2, now()});
    EXOS_TRY(write_file(m.fs, "/gamma.dat", g1, kWrite | kCreate));
    history.gamma.push_back({"/gamma.dat", g1, now()});
    // Within one directory a rename is one sector write: no cut may show both names.
    EXOS_TRY(m.fs.rename("/gamma.dat", "/Gamma, renamed in place.dat"));
    history.gamma.push_back({"/Gamma, renamed in place.dat", g1, now()});
    return m.fs.unmount();
}

// Reads fsck.fat -n's report line by line; false at the first finding docs/filesystem.md does
// not accept. A path line names the file the indented lines after it speak of.
bool acceptable_report(const std::string& output, bool inside_rename,
                       std::set<std::string>& findings) {
    auto has = [](const std::string& line, const char* text) {
        return line.find(text) != std::string::npos;
    };
    bool truncation_expected = false;  // after a "chain longer than the size" or a share report
    size_t start = 0;
    while (start < output.size()) {
        size_t end = output.find('\n', start);
        end = end == std::string::npos ? output.size() : end;
        std::string line = output.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line.rfind("fsck.fat ", 0) == 0 || has(line, ".img: ") ||
            has(line, "Leaving filesystem unchanged") || line.rfind("/", 0) == 0)
            continue;
        bool accepted = false;
        if (has(line, "Reclaimed ") || has(line, "FATs differ but appear to be intact") ||
            has(line, "Using first FAT") || has(line, "Free cluster summary wrong") ||
            has(line, "Auto-correcting")) {
            accepted = true;  // lost clusters; FAT copies a cut fell between; FSInfo's count
        } else if (has(line, "cluster chain length is > ")) {
            accepted = truncation_expected = true;  // a chain longer than the size
        } else if (has(line, "Truncating file to") && truncation_expected) {
            accepted = true;
            truncation_expected = false;
        } else if (inside_rename &&
                   (has(line, "share clusters") || has(line, "Truncating second to 0 bytes") ||
                    has(line, "cluster chain length is 0 bytes"))) {
            accepted = true;  // both names of a rename the cut fell inside
            truncation_expected = has(line, "chain length is 0");
        }
        if (!accepted)
            return false;
        for (char& c : line)
            c = c >= '0' && c <= '9' ? '#' : c;
        findings.insert(line);
    }
    return true;
}

// The cut image as a file: a copy of the base with the blocks the device really wrote (cheaper
// than writing a whole 33 MiB FAT32 image for every cut).
bool materialize(const std::string& base, const MemoryDevice& device, const std::string& image) {
    if (fat_test::run("cp --sparse=always " + fat_test::quote(base) + " " +
                      fat_test::quote(image)).status != 0)
        return false;
    FILE* file = fopen(image.c_str(), "r+b");
    if (file == nullptr)
        return false;
    bool ok = true;
    for (uint64_t block : device.touched) {
        ok &= fseek(file, static_cast<long>(block * 512), SEEK_SET) == 0;
        ok &= fwrite(device.image().data() + block * 512, 1, 512, file) == 512;
    }
    return fclose(file) == 0 && ok;
}

struct Sweep {
    std::set<std::string> findings;  // each accepted kind once, digits as '#'
    uint64_t cuts = 0;
    uint64_t clean = 0;
    uint64_t accepted_findings = 0;
};

// Whether one of `version` and the one after it is on the image, under either path.
bool intact(const std::string& image, const std::vector<Version>& versions, uint64_t cut,
            const std::string& scratch, std::string& why) {
    int latest = -1;
    for (size_t index = 0; index < versions.size(); ++index)
        if (versions[index].completed_at <= cut)
            latest = static_cast<int>(index);
    if (latest < 0)
        return true;  // no fsync had returned: nothing was promised
    const Version& now = versions[latest];
    bool has_next = latest + 1 < static_cast<int>(versions.size());
    const Version& next = has_next ? versions[latest + 1] : now;
    for (const std::string& path : {now.path, next.path}) {
        bool ok = false;
        std::vector<uint8_t> bytes = fat_test::mtype(image, path, ok, scratch);
        if (ok && (bytes == now.bytes || bytes == next.bytes))
            return true;
    }
    why = now.path + " (" + std::to_string(now.bytes.size()) + " bytes) lost";
    return false;
}

void sweep(int bits, int kib, CachePolicy policy, Sweep& result, bool reversed = false) {
    fat_test::TempDir temp;
    std::string base = temp.file("base.img");
    CHECK(fat_test::make_image(base, bits, kib));
    std::string host = temp.file("host");
    std::vector<uint8_t> keep = fat_test::pattern(3000, 21);
    CHECK(fat_test::write_host_file(host, keep));
    CHECK(fat_test::copy_in(base, host, "/keep.txt"));
    CHECK(fat_test::make_dos_directory(base, "/olddir"));
    CHECK(fat_test::write_host_file(host, fat_test::pattern(5000, 22)));
    CHECK(fat_test::copy_in(base, host, "/olddir/old file.txt"));
    std::vector<uint8_t> base_bytes = fat_test::read_host_file(base);

    History reference;
    uint64_t total = 0;
    {
        auto uncut = std::make_unique<Mounted<MemoryDevice>>(policy, base_bytes);
        uncut->device.reverse_batches = reversed;
        CHECK_EQUAL(FsError::Ok, run_sequence(*uncut, reference));
        total = uncut->device.writes;
    }
    std::string image = temp.file("cut.img");
    for (uint64_t cut = 0; cut <= total; ++cut) {
        History ignored;
        auto run = std::make_unique<Mounted<MemoryDevice>>(policy, base_bytes);
        run->device.write_limit = cut;
        run->device.reverse_batches = reversed;
        (void)run_sequence(*run, ignored);
        CHECK(materialize(base, run->device, image));
        ++result.cuts;
        fat_test::CommandResult checked = fat_test::fsck(image);
        std::string context = "cut after write " + std::to_string(cut) + " of " +
                              std::to_string(total) + ":\n" + checked.output;
        if (checked.status == 0) {
            ++result.clean;
        } else {
            CHECK_TEXT(checked.status == 1, context.c_str());
            bool inside_rename = cut >= reference.rename_begin && cut < reference.rename_end;
            if (!acceptable_report(checked.output, inside_rename, result.findings))
                FAIL(context.c_str());
            ++result.accepted_findings;
        }
        std::string why;
        bool ok = false;
        CHECK_TEXT(fat_test::mtype(image, "/keep.txt", ok, temp.file("out")) == keep,
                   context.c_str());
        for (const std::vector<Version>* versions :
             {&reference.alpha, &reference.beta, &reference.gamma})
            if (!intact(image, *versions, cut, temp.file("out"), why))
                FAIL((why + " " + context).c_str());
    }
    printf("\n  FAT%d %s%s: %llu cuts, %llu clean, %llu with accepted findings\n", bits,
           policy == CachePolicy::WriteBack ? "write-back" : "write-through",
           reversed ? ", batches written last first" : "",
           static_cast<unsigned long long>(total + 1),
           static_cast<unsigned long long>(result.clean),
           static_cast<unsigned long long>(result.accepted_findings));
    for (const std::string& finding : result.findings)
        printf("    accepted: %s\n", finding.c_str());
}

TEST_GROUP(FatDurability){};

TEST(FatDurability, EveryCutFat12WriteBack) {
    Sweep result;
    sweep(12, 2048, CachePolicy::WriteBack, result);
    CHECK(result.cuts > 20);
}

TEST(FatDurability, EveryCutFat12WriteThrough) {
    Sweep result;
    sweep(12, 2048, CachePolicy::WriteThrough, result);
    CHECK(result.cuts > 20);
}

TEST(FatDurability, EveryCutFat16WriteBack) {
    Sweep result;
    sweep(16, 16384, CachePolicy::WriteBack, result);
    CHECK(result.cuts > 20);
}

// The blocks of one barrier in the other order: the contract allows any.
TEST(FatDurability, EveryCutFat16WriteBackBatchesReversed) {
    Sweep result;
    sweep(16, 16384, CachePolicy::WriteBack, result, true);
    CHECK(result.cuts > 20);
}

TEST(FatDurability, EveryCutFat32WriteBack) {
    Sweep result;
    sweep(32, 34000, CachePolicy::WriteBack, result);
    CHECK(result.cuts > 20);
}

}  // namespace
