// The block cache (libos/include/exos/block_cache.h): hits and misses, least-recently-used
// eviction, write-back versus write-through, sync's ascending order and its flush, and a
// device that fails.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <exos/block_cache.h>

#include <CppUTest/TestHarness.h>

namespace exos {
inline SimpleString StringFrom(FsError error) { return SimpleString(to_string(error)); }
}  // namespace exos

namespace {

using exos::BlockCache;
using exos::CachePolicy;
using exos::FsError;

// 64 blocks in memory that log every write and flush, in order.
class LoggingDevice final : public exos::BlockDevice {
public:
    LoggingDevice() : blocks_(64 * 512) {
        for (size_t index = 0; index < blocks_.size(); ++index)
            blocks_[index] = static_cast<uint8_t>(index / 512);  // each block holds its number
    }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return 64; }
    abi::Error read(uint64_t block, uint32_t count, void* buffer) override {
        ++reads;
        if (fail)
            return abi::Error::Busy;
        std::copy_n(&blocks_[block * 512], count * 512, static_cast<uint8_t*>(buffer));
        return abi::Error::Ok;
    }
    abi::Error write(uint64_t block, uint32_t count, const void* buffer) override {
        if (fail)
            return abi::Error::Busy;
        log.push_back(static_cast<int>(block));
        std::copy_n(static_cast<const uint8_t*>(buffer), count * 512, &blocks_[block * 512]);
        return abi::Error::Ok;
    }
    abi::Error write_batch(std::span<const exos::BlockWrite> runs) override {
        ++batches;
        return BlockDevice::write_batch(runs);
    }
    abi::Error flush() override {
        log.push_back(-1);  // -1 marks a flush in the log
        return fail ? abi::Error::Busy : abi::Error::Ok;
    }
    uint8_t at(uint64_t block, uint32_t offset) const { return blocks_[block * 512 + offset]; }

    std::vector<int> log;
    int reads = 0;
    int batches = 0;
    bool fail = false;

private:
    std::vector<uint8_t> blocks_;
};

TEST_GROUP(BlockCache) {
    LoggingDevice device;
    exos::BlockCacheStorage<4> storage;
};

TEST(BlockCache, SecondReadIsAHit) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t byte = 0;
    CHECK_EQUAL(FsError::Ok, cache.read(7, 100, &byte, 1));
    CHECK_EQUAL(7, byte);
    CHECK_EQUAL(FsError::Ok, cache.read(7, 0, &byte, 1));
    CHECK_EQUAL(1, device.reads);
    CHECK_EQUAL(1u, cache.statistics().hits);
    CHECK_EQUAL(1u, cache.statistics().misses);
}

TEST(BlockCache, WriteBackWritesOnlyOnSyncInAscendingOrderThenFlushes) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t value = 0xaa;
    for (uint64_t block : {9, 3, 12})
        CHECK_EQUAL(FsError::Ok, cache.write(block, 5, &value, 1));
    CHECK(device.log.empty());
    CHECK_EQUAL(3u, cache.dirty_count());
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK((device.log == std::vector<int>{3, 9, 12, -1}));
    CHECK_EQUAL(0xaa, device.at(9, 5));
    CHECK_EQUAL(9, device.at(9, 6));  // the rest of the block was read, not invented
    CHECK_EQUAL(0u, cache.dirty_count());
}

TEST(BlockCache, SyncHandsTheDirtyBlocksOverAsOneBatch) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t value = 0xbb;
    for (uint64_t block : {40, 2, 17})
        CHECK_EQUAL(FsError::Ok, cache.write(block, 0, &value, 1));
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK_EQUAL(1, device.batches);
    CHECK((device.log == std::vector<int>{2, 17, 40, -1}));
}

TEST(BlockCache, SyncFlushesOnlyAfterAWrite) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK(device.log.empty());  // nothing written: nothing to make durable
    uint8_t block[512] = {};
    CHECK_EQUAL(FsError::Ok, cache.write_blocks(50, 1, block));  // around the slots
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK((device.log == std::vector<int>{50, -1}));
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK((device.log == std::vector<int>{50, -1}));
}

TEST(BlockCache, BlocksThatShareABucketAreKeptApart) {
    // Four slots, so blocks 0, 4, 8, 12 and 16 all hash to bucket 0.
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    for (uint8_t block : {0, 4, 8, 12}) {
        uint8_t value = static_cast<uint8_t>(0x80 + block);
        CHECK_EQUAL(FsError::Ok, cache.write(block, 1, &value, 1));
    }
    uint8_t byte = 0;
    CHECK_EQUAL(FsError::Ok, cache.read(8, 1, &byte, 1));  // 0 is now the least recent
    CHECK_EQUAL(0x88, byte);
    CHECK_EQUAL(FsError::Ok, cache.read(16, 0, &byte, 1));  // evicts 0, written first
    CHECK_EQUAL(16, byte);
    CHECK((device.log == std::vector<int>{0}));
    CHECK_EQUAL(0x80, device.at(0, 1));
    int reads = device.reads;
    for (uint8_t block : {4, 8, 12}) {
        CHECK_EQUAL(FsError::Ok, cache.read(block, 1, &byte, 1));
        CHECK_EQUAL(0x80 + block, byte);
    }
    CHECK_EQUAL(reads, device.reads);  // all three still cached
    CHECK_EQUAL(FsError::Ok, cache.read(0, 1, &byte, 1));
    CHECK_EQUAL(0x80, byte);
    CHECK_EQUAL(reads + 1, device.reads);
}

TEST(BlockCache, WriteThroughWritesBeforeReturning) {
    BlockCache cache(device, storage, CachePolicy::WriteThrough);
    uint8_t value = 0x55;
    CHECK_EQUAL(FsError::Ok, cache.write(20, 0, &value, 1));
    CHECK((device.log == std::vector<int>{20}));
    CHECK_EQUAL(0x55, device.at(20, 0));
    CHECK_EQUAL(0u, cache.dirty_count());
}

TEST(BlockCache, EvictsTheLeastRecentlyUsedAndWritesItIfDirty) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t byte = 0x11;
    CHECK_EQUAL(FsError::Ok, cache.write(1, 0, &byte, 1));  // dirty, then least recent
    for (uint64_t block : {2, 3, 4})
        CHECK_EQUAL(FsError::Ok, cache.read(block, 0, &byte, 1));
    CHECK(device.log.empty());
    CHECK_EQUAL(FsError::Ok, cache.read(5, 0, &byte, 1));  // evicts block 1
    CHECK((device.log == std::vector<int>{1}));
    CHECK_EQUAL(0x11, device.at(1, 0));
    int reads = device.reads;
    CHECK_EQUAL(FsError::Ok, cache.read(3, 0, &byte, 1));  // 2 is now least recent, 3 stays
    CHECK_EQUAL(reads, device.reads);
}

TEST(BlockCache, WholeBlockWriteDoesNotReadTheDevice) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t block[512] = {};
    CHECK_EQUAL(FsError::Ok, cache.write_block(30, block));
    CHECK_EQUAL(FsError::Ok, cache.zero_block(31));
    CHECK_EQUAL(0, device.reads);
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK_EQUAL(0, device.at(31, 100));
}

TEST(BlockCache, DeviceFailuresAndBadRangesAreErrors) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t byte = 0;
    CHECK_EQUAL(FsError::IoError, cache.read(64, 0, &byte, 1));  // past the device
    CHECK_EQUAL(FsError::InvalidArgument, cache.read(1, 511, &byte, 2));
    CHECK_EQUAL(FsError::Ok, cache.write(2, 0, &byte, 1));
    device.fail = true;
    CHECK_EQUAL(FsError::IoError, cache.read(3, 0, &byte, 1));
    CHECK_EQUAL(FsError::IoError, cache.sync());
    CHECK_EQUAL(1u, cache.dirty_count());  // still dirty: nothing claims it was written
    device.fail = false;
    CHECK_EQUAL(FsError::Ok, cache.sync());
    CHECK_EQUAL(0u, cache.dirty_count());
}

TEST(BlockCache, InvalidateForgetsEverything) {
    BlockCache cache(device, storage, CachePolicy::WriteBack);
    uint8_t byte = 0x77;
    CHECK_EQUAL(FsError::Ok, cache.write(4, 0, &byte, 1));
    cache.invalidate();
    CHECK_EQUAL(0u, cache.dirty_count());
    CHECK_EQUAL(FsError::Ok, cache.read(4, 0, &byte, 1));
    CHECK_EQUAL(4, byte);
}

}  // namespace
