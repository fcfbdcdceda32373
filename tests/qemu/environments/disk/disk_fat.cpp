// The disk scenario's driver (tests/qemu/disk_fat.sh makes the image and checks it afterwards).
// It owns the whole disk: through the rings it refuses what it must (past the end, too large, a
// frame not its own), then mounts the FAT volume with the library OS, checks every file the host
// put there byte by byte, writes, appends, renames and deletes, syncs, and exits. With no disk
// attached it says so and exits 0; with a volume it cannot mount it says why and exits 3.
#include <exos/console.h>
#include <exos/disk.h>
#include <exos/fat.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../attack/registers.h"
#include "../check.h"
#include "../driver.h"
#include "disk_files.h"
#include "tenant_protocol.h"

namespace {

using abi::Error;
using exos::FsError;
namespace fat = exos::fat;

constexpr uint64_t kRingsVa = 0x30000000;   // two pages
constexpr uint64_t kBounceVa = 0x30002000;  // one page
constexpr uint64_t kBlocks = 64;
constexpr uint64_t kTenantImage = 1;

exos::FramePool pool;
exos::Disk disk;
exos::BlockCacheStorage<kBlocks> cache_storage;
uint8_t buffer[4096];

uint64_t take() {
    std::optional<uint64_t> frame = pool.take();
    EXPECT(frame.has_value());
    return frame.value_or(0);
}

Error run(uint64_t tag, abi::DiskOp op, uint64_t sector, uint16_t sectors, uint64_t frame) {
    return disk.run({tag, sector, frame, op, sectors, 0});
}

// A frame of ours whose successor is not ours (a request running on past it must be refused).
uint64_t edge_frame() {
    for (int tries = 0; tries < 64; ++tries) {
        uint64_t frame = take();
        if (abi::frame_info_state(exos::frame_query(frame + 1)) != abi::FrameState::Owned) {
            return frame;
        }
    }
    EXPECT(false);
    return 0;
}

// What the kernel must refuse, each with its own error, the rings still working afterwards.
void refusals(uint64_t bounce) {
    EXPECT(run(1, abi::DiskOp::Read, disk.capacity() - 1, 2, bounce) == Error::OutOfRange);
    EXPECT(run(2, abi::DiskOp::Read, 0, abi::kMaxRequestSectors + 1, bounce) == Error::TooLarge);
    uint64_t freed = take();
    EXPECT(exos::frame_free(freed) == Error::Ok);
    EXPECT(run(3, abi::DiskOp::Read, 0, 1, freed) == Error::NotOwner);
    // Nine sectors from the start of a frame run one sector into the next one, not ours.
    EXPECT(run(5, abi::DiskOp::Read, 0, 9, edge_frame()) == Error::NotOwner);
    EXPECT(run(4, abi::DiskOp::Read, 0, 8, bounce) == Error::Ok);
    EXPECT_AUDIT_CLEAN("refusals");
}

// A frame with reads in flight into it cannot be freed or donated as a page table: the kernel
// holds its pin until the device is done. 32 reads into one frame go to the device at once,
// FrameFree and PageTableDonate follow at once, and the completion ring is read right after
// each: a call that succeeded while the ring still lacked a completion freed or took a frame
// the device could still write. (The device often finishes first; the count is printed.)
// Returns how many reads were still in flight after FrameFree.
uint32_t free_while_in_flight() {
    uint64_t target = take();
    constexpr uint32_t kReads = 32;
    for (uint32_t i = 0; i < kReads; ++i) {
        EXPECT(disk.queue({200 + i, uint64_t{i} * 8, target, abi::DiskOp::Read, 8, 0}));
    }
    EXPECT(disk.submit() == kReads);
    Error freed = exos::frame_free(target);
    uint32_t done_after_free = disk.completions_ready();
    Error donated = freed == Error::Ok ? Error::NotOwner : exos::page_table_donate(target);
    uint32_t done_after_donate = disk.completions_ready();
    if (done_after_free < kReads) EXPECT(freed == Error::FrameInUse);
    if (freed != Error::Ok && done_after_donate < kReads) EXPECT(donated == Error::FrameInUse);
    for (uint32_t seen = 0; seen < kReads;) {
        abi::DiskCompletion completion;
        if (!disk.next_completion(completion)) {
            disk.wait_for_completion();
            continue;
        }
        EXPECT(completion.tag >= 200 && completion.tag < 200 + kReads && completion.status == 0);
        ++seen;
    }
    // The device done, the frame is ours to free, unless a call above already took it (the
    // device had finished by then: a page table now, or free).
    if (freed != Error::Ok && donated != Error::Ok) EXPECT(exos::frame_free(target) == Error::Ok);
    EXPECT_AUDIT_CLEAN("a frame freed while its reads were in flight");
    return kReads - done_after_free;
}

// No kernel value (an address, a satp) and nothing else of the kernel's left in a register after
// a disk call: a submission that reaches the device, and the refusals.
int register_leaks_of(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    uint64_t before[32], after[32];
    attack::prepare(before, number, a0, a1, a2);
    for (int n = 0; n < 32; ++n) after[n] = before[n];
    attack::attack_ecall(after);
    return attack::leaks_after_syscall(before, after);
}

void register_checks(uint64_t bounce) {
    auto number = [](abi::Syscall call) { return static_cast<uint64_t>(call); };
    int leaks = register_leaks_of(number(abi::Syscall::DiskInfo), 0);
    leaks += register_leaks_of(number(abi::Syscall::DiskInfo), 2);
    leaks += register_leaks_of(number(abi::Syscall::DiskRings), 1, 2);
    leaks += register_leaks_of(number(abi::Syscall::DiskExtentGrant), 0x7777000009, 0, 8);
    leaks += register_leaks_of(number(abi::Syscall::DiskExtentRevoke), 0x7777000009, 0);
    EXPECT(disk.queue({99, 0, bounce, abi::DiskOp::Read, 8, 0}));
    leaks += register_leaks_of(number(abi::Syscall::DiskSubmit));
    for (abi::DiskCompletion done; !disk.next_completion(done);) disk.wait_for_completion();
    EXPECT(leaks == 0);
}

void check_host_files(fat::FileSystem& fs) {
    for (const disk_files::File& expected : disk_files::kFromHost) {
        fat::File file;
        FsError error = fs.open(expected.path, fat::kRead, file);
        if (error != FsError::Ok) {
            exos::printf("CHECK FAILED: open %s: %s\n", expected.path, exos::to_string(error));
            ++scenario::failures;
            continue;
        }
        EXPECT(file.size() == expected.size);
        uint64_t offset = 0, wrong = 0;
        for (;;) {
            uint32_t got = 0;
            if (fs.read(file, buffer, got) != FsError::Ok || got == 0) break;
            for (uint32_t i = 0; i < got; ++i)
                wrong += buffer[i] != disk_files::byte_at(expected.seed, offset + i);
            offset += got;
        }
        EXPECT(offset == expected.size);
        EXPECT(wrong == 0);
        EXPECT(fs.close(file) == FsError::Ok);
    }
    exos::printf("disk_fat: %zu host files read and checked\n", std::size(disk_files::kFromHost));
}

void write_file(fat::FileSystem& fs, const disk_files::File& spec, uint32_t chunk) {
    fat::File file;
    EXPECT(fs.open(spec.path, fat::kWrite | fat::kCreate | fat::kAppend, file) == FsError::Ok);
    for (uint32_t done = 0; done < spec.size;) {
        uint32_t length = spec.size - done < chunk ? spec.size - done : chunk;
        for (uint32_t i = 0; i < length; ++i) buffer[i] = disk_files::byte_at(spec.seed, done + i);
        uint32_t written = 0;
        EXPECT(fs.write(file, {buffer, length}, written) == FsError::Ok && written == length);
        done += length;
    }
    EXPECT(fs.fsync(file) == FsError::Ok);
    EXPECT(fs.close(file) == FsError::Ok);
}

void write_guest_files(fat::FileSystem& fs) {
    EXPECT(fs.make_directory("/written") == FsError::Ok);
    EXPECT(fs.make_directory("/written/empty directory") == FsError::Ok);
    write_file(fs, disk_files::kFromGuest[0], 3000);  // appends that straddle clusters
    write_file(fs, disk_files::kFromGuest[1], 4096);
    disk_files::File before_rename{"/written/to-rename.bin", disk_files::kFromGuest[2].size,
                                   disk_files::kFromGuest[2].seed};
    write_file(fs, before_rename, 1000);
    EXPECT(fs.rename("/written/to-rename.bin", disk_files::kFromGuest[2].path) == FsError::Ok);
    EXPECT(fs.remove(disk_files::kDeleted) == FsError::Ok);
    fat::Stat stat;
    EXPECT(fs.stat(disk_files::kDeleted, stat) == FsError::NotFound);
    EXPECT(fs.stat(disk_files::kFromGuest[2].path, stat) == FsError::Ok &&
           stat.size == disk_files::kFromGuest[2].size);
    EXPECT(fs.sync() == FsError::Ok);
    exos::printf("disk_fat: %zu files written, one renamed, one deleted, synced\n",
                 std::size(disk_files::kFromGuest));
}

// A child with extents of its own: held to them, revoked visibly, and leaving with a read in
// flight (disk_tenant.cpp). The extents are at the disk's end, which the file system left free.
// This environment's cache policy for its own blocks is write-back (its file system's cache
// too); the tenant child chooses write-through (disk_tenant.cpp). Shown, not assumed: a block
// written through a write-back cache is on the disk only after sync, read around the cache.
constexpr uint64_t kPolicyVa = 0x30003000;  // a frame for the cache's device, one for raw reads
constexpr uint64_t kRawVa = 0x30004000;
exos::BlockCacheStorage<4> policy_storage;

void write_back_policy(uint64_t sector) {
    constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
    uint64_t frame = take(), raw = take();
    EXPECT(exos::map(kPolicyVa, frame, 1, RW) == Error::Ok);
    EXPECT(exos::map(kRawVa, raw, 1, RW) == Error::Ok);
    const uint8_t* on_disk = reinterpret_cast<const uint8_t*>(kRawVa);
    EXPECT(run(300, abi::DiskOp::Read, sector, 1, raw) == Error::Ok);
    uint8_t before[512], block[512];
    for (int i = 0; i < 512; ++i) {
        before[i] = on_disk[i];
        block[i] = static_cast<uint8_t>(before[i] ^ (i * 7 + 1));  // differs in every byte
    }
    exos::DiskBlockDevice device(disk, frame, reinterpret_cast<void*>(kPolicyVa), sector, 8);
    exos::BlockCache cache(device, policy_storage, exos::CachePolicy::WriteBack);
    EXPECT(cache.write(0, 0, block, 512) == FsError::Ok);
    EXPECT(run(301, abi::DiskOp::Read, sector, 1, raw) == Error::Ok);
    bool unchanged = true, written = true;
    for (int i = 0; i < 512; ++i) unchanged = unchanged && on_disk[i] == before[i];
    EXPECT(unchanged);  // write-back: still only in the cache
    EXPECT(cache.sync() == FsError::Ok);
    EXPECT(run(302, abi::DiskOp::Read, sector, 1, raw) == Error::Ok);
    for (int i = 0; i < 512; ++i) written = written && on_disk[i] == block[i];
    EXPECT(written);  // and on the disk once synced
    exos::printf("disk_fat: write-back cache: the block on the disk only after sync (%s)\n",
                 unchanged && written ? "yes" : "NO");
}

void run_tenant(uint64_t own_frame) {
    exos::Child child = exos::spawn(pool, kTenantImage, 8);
    EXPECT(child.error == Error::Ok);
    EXPECT(driver::open_mailbox(child));
    uint64_t writable = disk.capacity() - 1024, read_only = disk.capacity() - 256;
    write_back_policy(writable + tenant::kPolicySector + 8);
    EXPECT(exos::syscall(abi::Syscall::DiskExtentGrant, child.id, writable,
                         tenant::kWritableSectors,
                         abi::disk_rights::kRead | abi::disk_rights::kWrite).error == Error::Ok);
    EXPECT(exos::syscall(abi::Syscall::DiskExtentGrant, child.id, read_only,
                         tenant::kReadOnlySectors, abi::disk_rights::kRead).error == Error::Ok);
    // Not a grant from what we do not own, nor to a stranger.
    EXPECT(exos::syscall(abi::Syscall::DiskExtentGrant, child.id, disk.capacity() - 4, 8,
                         abi::disk_rights::kRead).error == Error::OutOfRange);
    EXPECT(exos::syscall(abi::Syscall::DiskExtentGrant, exos::shared_info().environment_id, 0,
                         8, abi::disk_rights::kRead).error == Error::NoSuchEnvironment);
    mailbox::Mailbox& box = mailbox::at();
    box.words[tenant::kWritable] = writable;
    box.words[tenant::kReadOnly] = read_only;
    box.words[tenant::kForeign] = own_frame;
    box.value = 1;
    mailbox::wait_for_state(child.id, mailbox::kDone);
    EXPECT(box.words[tenant::kFailures] == 0);
    EXPECT(box.words[tenant::kWriteThrough] == 1);
    exos::printf("disk_fat: the tenant's write-through cache: the block on the disk at once (%s)\n",
                 box.words[tenant::kWriteThrough] == 1 ? "yes" : "NO");
    // Revoke while it keeps reading: Busy while a read of its is on the device, then done.
    uint64_t busy = 0;
    for (;;) {
        Error revoked =
            exos::syscall(abi::Syscall::DiskExtentRevoke, child.id, writable).error;
        if (revoked != Error::Busy) {
            EXPECT(revoked == Error::Ok);
            break;
        }
        ++busy;
        (void)exos::yield(child.id);
    }
    mailbox::wait_for_state(child.id, mailbox::kReported);
    EXPECT(box.words[tenant::kRevoked] == 1 && box.words[tenant::kAfter] == 0);
    box.value = 2;  // read: the child may leave (and its mailbox page with it)
    exos::wait_for(child.id);
    for (int i = 0; i < 50; ++i) (void)exos::yield();  // its last read completes meanwhile
    EXPECT_AUDIT_CLEAN("the tenant's end with a read in flight");
    exos::printf("disk_fat: tenant held to its extents, revoked visibly (%lu busy answers), "
                 "ended with a read in flight\n",
                 busy);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    for (int i = 0; i < 4; ++i) EXPECT(exos::page_table_donate(take()) == Error::Ok);
    Error opened = disk.open(pool, kRingsVa);
    if (opened == Error::NoDisk) {
        exos::printf("disk_fat: no disk attached\n");
        return 0;
    }
    EXPECT(opened == Error::Ok);
    if (opened != Error::Ok) return 1;
    uint64_t bounce = take();
    EXPECT(exos::map(kBounceVa, bounce, 1, abi::permission::kRead | abi::permission::kWrite) ==
           Error::Ok);
    exos::printf("disk_fat: %lu sectors\n", disk.capacity());
    refusals(bounce);
    uint32_t in_flight = free_while_in_flight();
    exos::printf("disk_fat: FrameFree after 32 reads into the frame: %u still in flight\n",
                 in_flight);
    register_checks(bounce);

    exos::DiskBlockDevice device(disk, bounce, reinterpret_cast<void*>(kBounceVa), 0,
                                 disk.capacity());
    exos::BlockCache cache(device, cache_storage, exos::CachePolicy::WriteBack);
    fat::FileSystem fs(cache);
    if (FsError error = fs.mount(); error != FsError::Ok) {
        exos::printf("disk_fat: mount refused: %s\n", exos::to_string(error));
        return 3;
    }
    exos::printf("disk_fat: mounted %s, %u clusters of %u bytes\n",
                 fat::to_string(fs.volume().type), fs.volume().cluster_count,
                 fs.volume().cluster_bytes);
    check_host_files(fs);
    write_guest_files(fs);
    EXPECT(fs.unmount() == FsError::Ok);
    EXPECT_AUDIT_CLEAN("the file system's work");
    run_tenant(bounce);
    exos::printf("disk_fat: %lu disk requests, %d failed checks\n", device.requests(),
                 scenario::failures);
    return scenario::failures;
}
