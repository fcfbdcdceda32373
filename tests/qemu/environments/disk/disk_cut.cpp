// The power-cut sweep's guest (tests/qemu/disk_cut.sh): one file-creating sequence through the
// library OS's FAT over the real virtio disk, booted once for every K with the kernel told to
// stop the machine at the K-th completed write (exo.cut_after_writes). After each operation
// returns it prints what is now promised ("version <file> <n> <path> <contents>", contents as
// size@seed pieces of disk_files.h's pattern), so the host knows, for the cut image, which
// version of each file must be there (that one, or the next when the cut fell inside the next
// operation), and when a rename across directories was under way (both names may show).
// The sequence is the host durability sweep's (tests/host/fat_durability_test.cpp).
#include <exos/console.h>
#include <exos/disk.h>
#include <exos/fat.h>
#include <exos/frame_pool.h>
#include <exos/syscall.h>

#include "../check.h"

namespace {

using abi::Error;
using exos::FsError;
namespace fat = exos::fat;

constexpr uint64_t kRingsVa = 0x30000000;   // two pages
constexpr uint64_t kBounceVa = 0x30002000;  // one page

exos::FramePool pool;
exos::Disk disk;
exos::BlockCacheStorage<64> cache_storage;
uint8_t contents[8192];

// disk_files.h's pattern, which the host's checker computes too.
uint8_t pattern_byte(uint32_t index, uint32_t seed) {
    return static_cast<uint8_t>(index * 131 + seed * 7 + (index >> 8));
}

// `size` bytes of the pattern for `seed`, at `at` in contents.
void fill(uint32_t at, uint32_t size, uint32_t seed) {
    for (uint32_t i = 0; i < size; ++i) contents[at + i] = pattern_byte(i, seed);
}

FsError write_file(fat::FileSystem& fs, const char* path, uint32_t size, uint32_t flags) {
    fat::File file;
    EXOS_TRY(fs.open(path, flags, file));
    uint32_t written = 0;
    EXOS_TRY(fs.write(file, std::span<const uint8_t>(contents, size), written));
    if (written != size) return FsError::IoError;
    EXOS_TRY(fs.fsync(file));
    return fs.close(file);
}

FsError run_sequence(fat::FileSystem& fs) {
    using namespace exos::fat;
    fill(0, 3000, 11);
    EXOS_TRY(write_file(fs, "/Alpha Long Name.txt", 3000, kWrite | kCreate));
    exos::printf("disk_cut: version alpha 0 /Alpha Long Name.txt 3000@11\n");
    EXOS_TRY(fs.make_directory("/docs"));
    EXOS_TRY(fs.make_directory("/docs/Sub Directory"));
    fill(0, 8192, 13);
    EXOS_TRY(write_file(fs, "/docs/Sub Directory/beta.bin", 8192, kWrite | kCreate));
    exos::printf("disk_cut: version beta 0 /docs/Sub Directory/beta.bin 8192@13\n");
    fill(0, 5000, 12);
    EXOS_TRY(write_file(fs, "/Alpha Long Name.txt", 5000, kWrite | kAppend));
    exos::printf("disk_cut: version alpha 1 /Alpha Long Name.txt 3000@11+5000@12\n");
    exos::printf("disk_cut: rename begins\n");
    EXOS_TRY(fs.rename("/Alpha Long Name.txt", "/docs/Alpha Renamed.txt"));
    exos::printf("disk_cut: rename ends\n");
    exos::printf("disk_cut: version alpha 2 /docs/Alpha Renamed.txt 3000@11+5000@12\n");
    EXOS_TRY(fs.remove("/olddir/old file.txt"));
    EXOS_TRY(fs.remove_directory("/olddir"));
    fat::File beta;
    EXOS_TRY(fs.open("/docs/Sub Directory/beta.bin", kWrite, beta));
    EXOS_TRY(fs.truncate(beta, 100));
    EXOS_TRY(fs.close(beta));
    exos::printf("disk_cut: version beta 1 /docs/Sub Directory/beta.bin 100@13\n");
    fill(0, 4500, 14);
    EXOS_TRY(write_file(fs, "/gamma.dat", 4500, kWrite | kCreate));
    exos::printf("disk_cut: version gamma 0 /gamma.dat 4500@14\n");
    // Within one directory a rename is one sector write: no cut may show both names.
    EXOS_TRY(fs.rename("/gamma.dat", "/Gamma, renamed in place.dat"));
    exos::printf("disk_cut: version gamma 1 /Gamma, renamed in place.dat 4500@14\n");
    return fs.unmount();
}

uint64_t take() {
    std::optional<uint64_t> frame = pool.take();
    EXPECT(frame.has_value());
    return frame.value_or(0);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 4; ++i) EXPECT(exos::page_table_donate(take()) == Error::Ok);
    Error opened = disk.open(pool, kRingsVa);
    EXPECT(opened == Error::Ok);
    if (opened != Error::Ok) return 1;
    uint64_t bounce = take();
    EXPECT(exos::map(kBounceVa, bounce, 1, abi::permission::kRead | abi::permission::kWrite) ==
           Error::Ok);
    exos::DiskBlockDevice device(disk, bounce, reinterpret_cast<void*>(kBounceVa), 0,
                                 disk.capacity());
    exos::BlockCache cache(device, cache_storage, exos::CachePolicy::WriteBack);
    fat::FileSystem fs(cache);
    if (FsError error = fs.mount(); error != FsError::Ok) {
        exos::printf("disk_cut: mount refused: %s\n", exos::to_string(error));
        return 3;
    }
    FsError result = run_sequence(fs);
    EXPECT(result == FsError::Ok);
    if (result != FsError::Ok) exos::printf("disk_cut: %s\n", exos::to_string(result));
    exos::printf("disk_cut: finished, %lu disk requests, %d failed checks\n", device.requests(),
                 scenario::failures);
    return scenario::failures;
}
