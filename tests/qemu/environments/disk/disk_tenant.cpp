// The disk scenario's second environment: a child with two extents of the driver's disk, one
// read-write and one read-only. It checks that the kernel holds it to them (its own blocks and
// frames only, the read-only one not written), keeps reading until the driver revokes the
// read-write extent (which it must see: the event, and refusals after it), and then exits with
// a read still in flight, so the kernel must keep that frame out of use until the device is done.
#include <exos/block_cache.h>
#include <exos/disk.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../memory/mailbox.h"
#include "tenant_protocol.h"

namespace {

using abi::Error;
constexpr uint64_t kRingsVa = 0x30000000;
constexpr uint64_t kDataVa = 0x30002000;
constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;

exos::FramePool pool;
exos::Disk disk;
uint64_t next_tag = 1;
uint64_t failures = 0;

void expect(bool condition) { failures += !condition; }

Error run(abi::DiskOp op, uint64_t sector, uint16_t sectors, uint64_t frame) {
    return disk.run({next_tag++, sector, frame, op, sectors, 0});
}

uint64_t fresh_frame() {
    exos::SyscallReturn frame = exos::frame_alloc();
    expect(frame.error == Error::Ok);
    return frame.value;
}

// Its own cache policy, write-through (the driver caches write-back): a block written through
// the cache is on the disk when the write returns, read back around the cache. 1 if so.
exos::BlockCacheStorage<4> cache_storage;
uint64_t write_through_policy(uint64_t sector) {
    constexpr uint64_t kCacheVa = 0x30003000;
    uint64_t frame = fresh_frame();
    expect(exos::map(kCacheVa, frame, 1, RW) == Error::Ok);
    uint8_t block[512];
    for (int i = 0; i < 512; ++i) block[i] = static_cast<uint8_t>(i * 13 + 5);
    exos::DiskBlockDevice device(disk, frame, reinterpret_cast<void*>(kCacheVa), sector, 8);
    exos::BlockCache cache(device, cache_storage, exos::CachePolicy::WriteThrough);
    expect(cache.write(0, 0, block, 512) == exos::FsError::Ok);
    uint64_t raw = fresh_frame();
    expect(run(abi::DiskOp::Read, sector, 1, raw) == Error::Ok);
    constexpr uint64_t kRawVa = 0x30004000;
    expect(exos::map(kRawVa, raw, 1, RW) == Error::Ok);
    const uint8_t* on_disk = reinterpret_cast<const uint8_t*>(kRawVa);
    for (int i = 0; i < 512; ++i) {
        if (on_disk[i] != block[i]) return 0;
    }
    return 1;
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    mailbox::Mailbox& box = mailbox::at();
    while (box.value == 0) (void)exos::yield();  // the driver fills the words, then says go
    for (int i = 0; i < 4; ++i) pool.add(fresh_frame());
    for (int i = 0; i < 2; ++i) expect(exos::page_table_donate(fresh_frame()) == Error::Ok);
    expect(disk.open(pool, kRingsVa) == Error::Ok);
    uint64_t data = fresh_frame();
    expect(exos::map(kDataVa, data, 1, RW) == Error::Ok);
    uint64_t writable = box.words[tenant::kWritable], read_only = box.words[tenant::kReadOnly];

    // Its own blocks, with the rights it was given; nothing else.
    expect(run(abi::DiskOp::Write, writable, 8, data) == Error::Ok);
    expect(run(abi::DiskOp::Read, writable + tenant::kWritableSectors - 8, 8, data) == Error::Ok);
    expect(run(abi::DiskOp::Read, read_only, 8, data) == Error::Ok);
    expect(run(abi::DiskOp::Write, read_only, 8, data) == Error::NotOwner);
    expect(run(abi::DiskOp::Read, writable - 8, 8, data) == Error::NotOwner);
    expect(run(abi::DiskOp::Read, writable + tenant::kWritableSectors - 4, 8, data) ==
           Error::NotOwner);
    expect(run(abi::DiskOp::Read, 0, 8, data) == Error::NotOwner);  // the file system's blocks
    expect(run(abi::DiskOp::Read, writable, 8, box.words[tenant::kForeign]) == Error::NotOwner);
    box.words[tenant::kWriteThrough] = write_through_policy(writable + tenant::kPolicySector);
    box.words[tenant::kFailures] = failures;
    box.state = mailbox::kDone;

    // Reads until the extent is revoked: the event, and a refusal from then on.
    const volatile abi::SharedInfo& info = exos::shared_info();
    while (!(info.events & abi::event::kDiskExtentRevoked)) {
        (void)run(abi::DiskOp::Read, writable, 8, data);
    }
    failures = 0;
    expect(run(abi::DiskOp::Read, writable, 8, data) == Error::NotOwner);
    expect(run(abi::DiskOp::Read, read_only, 8, data) == Error::Ok);  // the other one stays
    box.words[tenant::kAfter] = failures;
    box.words[tenant::kRevoked] = 1;
    box.state = mailbox::kReported;
    while (box.value != 2) (void)exos::yield();  // the driver has read it: the mailbox may go

    // Leaves with a read in flight into a frame of its own.
    expect(disk.queue({next_tag++, read_only, data, abi::DiskOp::Read, 8, 0}));
    (void)disk.submit();
    exos::exit(0);
}
