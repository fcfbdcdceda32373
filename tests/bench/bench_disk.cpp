// The disk rows of the benchmark table: raw requests through the kernel's rings, and reads and
// appends through the library OS's FAT. run_bench.sh attaches a FAT16 image (4 KiB clusters, a
// 1 MiB /read.bin) on qemu-virt; a board without a disk reports each row as "none".
//
// How they count (docs/benchmarks.md): end to end, submission to the completion seen by the
// environment, minus the wait. The device completes in QEMU's own time, during which rdinstret
// keeps counting, so the environment waits in a loop of exactly three instructions an iteration
// (exos::Disk::set_spinning) whose count is subtracted: what is left is the instructions the
// hart executed for the request (the ring entries, the syscall, the kernel's checks and
// descriptors, the interrupt, the completion entries, the library's code). Slot ends that fall
// in the window are not the request's work either: the bench owns every slot, so each one starts
// a new slice of its own (SharedInfo::slices_started counts them), and each costs what
// tick_cost() measured, also exactly, in the same state. A slow or loaded host makes the device
// take longer in QEMU's virtual time, so more of them fall in a window; subtracted, the rows stay
// the same on any host.
#include <exos/disk.h>
#include <exos/fat.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "measure.h"

namespace bench {

namespace {

using abi::Error;
namespace fat = exos::fat;
constexpr uint64_t kRingsVa = 0x28000000;   // two pages
constexpr uint64_t kBounceVa = 0x28002000;  // the block device's frame
constexpr uint64_t kDataVa = 0x28003000;    // raw requests' frame
constexpr uint64_t kFileBufferVa = 0x28004000;  // the FAT rows' buffer, registered with the device
constexpr uint64_t kCacheVa = 0x28010000;       // the FAT rows' block cache, registered too
constexpr uint32_t kCacheBlocks = 64;
constexpr uint32_t kCachePages = kCacheBlocks * exos::kBlockSize / 4096;
constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
constexpr int kMibRuns = 11;

exos::Disk disk;
exos::CacheSlot cache_slots[kCacheBlocks];
uint8_t unregistered[4096];  // a buffer the block device does not know
uint64_t next_tag = 1;

uint64_t cost_of_tick = 0;  // tick_cost(), measured once the disk is open
uint64_t slices_started() { return exos::shared_info().slices_started; }

// What one slot end costs a spinning environment that owns the next slot too: spin in the disk's
// loop shape (three instructions an iteration) until a slice starts, subtract the spin.
uint64_t tick_cost() {
    static uint64_t cost_of_measuring = overhead();
    uint64_t samples[kRuns];
    for (int i = 0; i < kRuns; ++i) {
        const volatile uint64_t* counter = &exos::shared_info().slices_started;
        uint64_t seen = *counter, iterations = 0;
        uint64_t start = instret();
        asm volatile(R"(
        1:  addi    %[count], %[count], 1
            ld      t0, 0(%[counter])
            beq     t0, %[seen], 1b
        )"
                     : [count] "+r"(iterations)
                     : [counter] "r"(counter), [seen] "r"(seen)
                     : "t0", "memory");
        uint64_t end = instret();
        samples[i] = end - start - cost_of_measuring - iterations * exos::Disk::kSpinInstructions;
    }
    return median(samples, kRuns);
}

// body()'s instructions: the wait, the slot ends in it and the measurement subtracted.
template <typename Body>
uint64_t work(Body&& body) {
    static uint64_t cost_of_measuring = overhead();
    uint64_t spun = disk.spin_instructions();
    uint64_t ticks = slices_started();
    uint64_t start = instret();
    body();
    uint64_t end = instret();
    ticks = slices_started() - ticks;
    return end - start - cost_of_measuring - (disk.spin_instructions() - spun) -
           ticks * cost_of_tick;
}

template <typename Body>
uint64_t median_work(int runs, Body&& body) {
    uint64_t samples[kRuns];
    for (int i = 0; i < runs; ++i) samples[i] = work([&] { body(i); });
    return median(samples, runs);
}

Error run(abi::DiskOp op, uint64_t sector, uint16_t sectors, uint64_t frame) {
    return disk.run({next_tag++, sector, frame, op, sectors, 0});
}

// `count` reads of `sectors` each from `sector` on, all submitted before the first is waited
// for, into the frames from `frame` on (a run of consecutive frames when a read is larger than
// a page).
void read_batch(uint64_t sector, uint32_t count, uint64_t frame, uint16_t sectors = 8) {
    uint64_t first_tag = next_tag;
    for (uint32_t i = 0; i < count; ++i) {
        check(disk.queue({next_tag++, sector + i * sectors, frame, abi::DiskOp::Read, sectors, 0}),
              "queue");
    }
    check(disk.submit() == count, "the batch taken at once");
    for (uint32_t done = 0; done < count;) {
        abi::DiskCompletion completion;
        if (!disk.next_completion(completion)) {
            disk.wait_for_completion();
            continue;
        }
        check(completion.tag >= first_tag && completion.status == 0, "batch completion");
        ++done;
    }
}

// `count` physically consecutive frames of ours, for requests larger than a page: the frame
// the kernel hands out, then its neighbours above and below asked for by number (FrameAlloc
// takes the frame it should give); another start when the run cannot grow to `count`.
std::optional<uint64_t> take_run(uint32_t count) {
    for (int tries = 0; tries < 32; ++tries) {
        exos::SyscallReturn first = exos::frame_alloc();
        if (first.error != Error::Ok) return std::nullopt;
        uint64_t low = first.value, high = first.value;  // the run is [low, high]
        while (high - low + 1 < count && exos::frame_alloc(high + 1).error == Error::Ok) ++high;
        while (high - low + 1 < count && exos::frame_alloc(low - 1).error == Error::Ok) --low;
        if (high - low + 1 == count) return low;
        for (uint64_t pfn = low; pfn <= high; ++pfn) {
            if (pfn != first.value) (void)exos::frame_free(pfn);
        }
    }
    return std::nullopt;
}

void raw_rows(uint64_t frame) {
    uint64_t sectors = disk.capacity();
    report("blk_read4k", median_work(kRuns, [&](int i) {
        check(run(abi::DiskOp::Read, (uint64_t(i) * 8) % sectors, 8, frame) == Error::Ok, "read");
    }));
    report("blk_read4k_batch32", median_work(kRuns, [&](int i) {
        read_batch((uint64_t(i) * 256) % (sectors - 256), 32, frame);
    }) / 32);
    // Writes go past the file system's first MiB's worth of clusters: the end of the disk.
    report("blk_write4k_flush", median_work(kRuns, [&](int i) {
        check(run(abi::DiskOp::Write, sectors - 8 - (uint64_t(i) % 64) * 8, 8, frame) ==
                  Error::Ok, "write");
        check(run(abi::DiskOp::Flush, 0, 0, 0) == Error::Ok, "flush");
    }));
    // A MiB as a sequential reader asks for it: eight requests of 128 KiB (the most one request
    // moves), submitted together, into 32 consecutive frames.
    std::optional<uint64_t> run_of_frames = take_run(abi::kMaxRequestSectors * 512 / 4096);
    check(run_of_frames.has_value(), "32 consecutive frames");
    if (!run_of_frames) return;
    report("blk_seq_read_mib", median_work(kMibRuns, [&](int i) {
        uint64_t start = (uint64_t(i) * 2048) % (sectors - 2048);
        read_batch(start, 8, *run_of_frames, abi::kMaxRequestSectors);
    }));
}

// Maps `pages` frames from the pool at `va`, in ascending frame order (the pool's frames are
// often contiguous, and the device then knows the range as one), and registers them.
bool map_registered(exos::FramePool& pool, exos::DiskBlockDevice& device, uint64_t va,
                    uint32_t pages) {
    uint64_t frames[kCachePages];
    for (uint32_t i = 0; i < pages; ++i) {
        std::optional<uint64_t> frame = pool.take();
        if (!frame) return false;
        uint32_t at = i;
        for (; at > 0 && frames[at - 1] > *frame; --at) frames[at] = frames[at - 1];
        frames[at] = *frame;
    }
    for (uint32_t i = 0; i < pages; ++i) {
        void* page = reinterpret_cast<void*>(va + i * 4096);
        if (exos::map(va + i * 4096, frames[i], 1, RW) != Error::Ok ||
            device.register_buffer(page, frames[i], 4096) != Error::Ok)
            return false;
    }
    return true;
}

// The FAT rows read into and append from a page whose frame the block device knows, and the
// cache's blocks live in such pages too (registered buffers, as O_DIRECT and io_uring's fixed
// buffers work): whole blocks go straight between them and the disk, with no copy through the
// bounce frame (docs/benchmarks.md says what unregistered buffers cost).
void fat_rows(exos::FramePool& pool, uint64_t bounce) {
    exos::DiskBlockDevice device(disk, bounce, reinterpret_cast<void*>(kBounceVa), 0,
                                 disk.capacity());
    bool mapped = map_registered(pool, device, kFileBufferVa, 1) &&
                  map_registered(pool, device, kCacheVa, kCachePages);
    check(mapped, "map and register the file buffer and the cache");
    if (!mapped) return;
    std::span<uint8_t> data(reinterpret_cast<uint8_t*>(kFileBufferVa), 4096);
    std::span<uint8_t> cache_data(reinterpret_cast<uint8_t*>(kCacheVa), kCachePages * 4096);
    exos::BlockCache cache(device, cache_slots, cache_data, exos::CachePolicy::WriteBack);
    fat::FileSystem fs(cache);
    check(fs.mount() == exos::FsError::Ok, "mount");
    fat::File file;
    check(fs.open("/read.bin", fat::kRead, file) == exos::FsError::Ok, "open /read.bin");
    // Each run reads 4 KiB no earlier run read: its data blocks are not in the cache.
    report("fat_read4k", median_work(kRuns, [&](int i) {
        uint32_t got = 0;
        check(fs.seek(file, uint32_t(i) * 4096) == exos::FsError::Ok, "seek");
        check(fs.read(file, data, got) == exos::FsError::Ok && got == 4096, "read 4 KiB");
    }));
    check(fs.close(file) == exos::FsError::Ok, "close");
    check(fs.open("/append.bin", fat::kWrite | fat::kCreate | fat::kAppend, file) ==
              exos::FsError::Ok,
          "open /append.bin");
    for (uint32_t i = 0; i < 4096; ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
    uint64_t requests = device.requests();
    report("fat_append4k_fsync", median_work(kRuns, [&](int) {
        uint32_t written = 0;
        check(fs.write(file, data, written) == exos::FsError::Ok && written == 4096, "append");
        check(fs.fsync(file) == exos::FsError::Ok, "fsync");
    }));
    exos::printf("bench: fat_append4k_fsync makes %lu disk requests a run\n",
                 (device.requests() - requests) / kRuns);
    check(fs.close(file) == exos::FsError::Ok, "close");
    // What the appends wrote straight from the registered page, read back straight into it and
    // through the bounce frame into a buffer the device does not know.
    check(fs.open("/append.bin", fat::kRead, file) == exos::FsError::Ok, "reopen /append.bin");
    for (int i = 0; i < kRuns / 2; ++i) {
        uint32_t got = 0;
        check(fs.read(file, data, got) == exos::FsError::Ok && got == 4096, "read back");
        check(fs.read(file, unregistered, got) == exos::FsError::Ok && got == 4096, "and again");
        bool same = true;
        for (uint32_t at = 0; at < 4096; ++at) {
            uint8_t expected = static_cast<uint8_t>(at * 7 + 1);
            same = same && data[at] == expected && unregistered[at] == expected;
        }
        check(same, "appended bytes read back");
    }
    check(fs.close(file) == exos::FsError::Ok, "close");
    check(fs.unmount() == exos::FsError::Ok, "unmount");
}

}  // namespace

void disk_rows(exos::FramePool& pool) {
    for (int i = 0; i < 2; ++i) (void)exos::page_table_donate(pool.take().value_or(0));
    Error opened = disk.open(pool, kRingsVa);
    if (opened == Error::NoDisk) {
        for (const char* row : {"blk_read4k", "blk_read4k_batch32", "blk_write4k_flush",
                                "blk_seq_read_mib", "fat_read4k", "fat_append4k_fsync"}) {
            exos::printf("BENCH %s none\n", row);
        }
        return;
    }
    check(opened == Error::Ok, "disk rings");
    if (opened != Error::Ok) return;
    // The completions are polled here: no Event entry (irq_to_user's would run at each one).
    check(exos::set_entry(abi::Entry::Event, 0, 0) == Error::Ok, "no event entry");
    disk.set_spinning(true);
    cost_of_tick = tick_cost();
    exos::printf("bench: a slot end while spinning costs %lu instructions\n", cost_of_tick);
    std::optional<uint64_t> frame = pool.take(), bounce = pool.take();
    check(frame && bounce, "frames");
    if (!frame || !bounce) return;
    check(exos::map(kDataVa, *frame, 1, RW) == Error::Ok, "map the data frame");
    check(exos::map(kBounceVa, *bounce, 1, RW) == Error::Ok, "map the bounce frame");
    raw_rows(*frame);
    fat_rows(pool, *bounce);
}

}  // namespace bench
