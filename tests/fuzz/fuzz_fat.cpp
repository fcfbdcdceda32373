// libFuzzer target: the FAT file system (libos/include/exos/fat.h) on an arbitrary disk. The
// input is sparse, so a FAT32 volume (65525 clusters or more) fits in a few kilobytes:
//   u32 block count (clamped to 1 .. kMaxBlocks), then records of u32 block number (modulo the
//   count) and up to 512 bytes of that block; every other block reads as zeros.
// make_fat_seeds.py encodes images made by mkfs.fat and mtools this way. The harness mounts,
// walks every directory reading every file, then creates, writes, renames and removes, and walks
// again: any crash, sanitizer report or hang (-timeout) is a bug; errors are expected.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <exos/block_cache.h>
#include <exos/fat.h>

namespace {

using exos::FsError;

constexpr uint32_t kMaxBlocks = 70000;  // a minimal FAT32 volume (512-byte clusters) fits

class SparseDisk final : public exos::BlockDevice {
public:
    SparseDisk() : data_(size_t{kMaxBlocks} * 512) {}
    void reset(uint32_t blocks) {
        for (uint64_t block : touched_)
            std::memset(&data_[block * 512], 0, 512);
        touched_.clear();
        blocks_ = blocks;
    }
    void put(uint64_t block, const uint8_t* bytes, size_t size) {
        std::memcpy(&data_[block * 512], bytes, size);
        touched_.push_back(block);
    }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return blocks_; }
    abi::Error read(uint64_t block, uint32_t count, void* buffer) override {
        if (block + count > blocks_)
            return abi::Error::OutOfRange;
        std::memcpy(buffer, &data_[block * 512], size_t{count} * 512);
        return abi::Error::Ok;
    }
    abi::Error write(uint64_t block, uint32_t count, const void* buffer) override {
        if (block + count > blocks_)
            return abi::Error::OutOfRange;
        std::memcpy(&data_[block * 512], buffer, size_t{count} * 512);
        for (uint32_t index = 0; index < count; ++index)
            touched_.push_back(block + index);
        return abi::Error::Ok;
    }
    abi::Error flush() override { return abi::Error::Ok; }

private:
    std::vector<uint8_t> data_;
    std::vector<uint64_t> touched_;
    uint64_t blocks_ = 0;
};

uint32_t le32(const uint8_t* at) {
    return uint32_t{at[0]} | uint32_t{at[1]} << 8 | uint32_t{at[2]} << 16 | uint32_t{at[3]} << 24;
}

void check(bool condition, const char* what) {
    if (!condition) {
        fprintf(stderr, "fuzz check failed: %s\n", what);
        __builtin_trap();
    }
}

// FUZZ_FAT_VERBOSE=1 prints what each input reaches (to check that seeds mount and walk).
const bool kVerbose = getenv("FUZZ_FAT_VERBOSE") != nullptr;

void read_file(exos::fat::FileSystem& fs, const std::string& path) {
    exos::fat::File file;
    FsError opened = fs.open(path, exos::fat::kRead, file);
    if (kVerbose)
        fprintf(stderr, "  file %s: %s, %u bytes\n", path.c_str(), exos::to_string(opened),
                file.size());
    if (opened != FsError::Ok)
        return;
    uint8_t buffer[1500];
    uint64_t total = 0;
    for (;;) {
        uint32_t got = 0;
        if (fs.read(file, buffer, got) != FsError::Ok || got == 0)
            break;
        total += got;
        check(total <= file.size(), "read past the size");
    }
    (void)fs.close(file);
}

void walk(exos::fat::FileSystem& fs, const std::string& path, int depth) {
    exos::fat::DirectoryIterator iterator;
    if (depth > 6 || fs.open_directory(path.empty() ? "/" : path, iterator) != FsError::Ok)
        return;
    exos::fat::DirectoryEntry entry;
    for (int count = 0; count < 64 && fs.read_directory(iterator, entry) == FsError::Ok; ++count) {
        check(std::memchr(entry.name, 0, sizeof(entry.name)) != nullptr, "name not terminated");
        std::string child = path + "/" + entry.name;
        if (entry.stat.is_directory())
            walk(fs, child, depth + 1);
        else
            read_file(fs, child);
    }
}

void change(exos::fat::FileSystem& fs) {
    using namespace exos::fat;
    File file;
    if (fs.open("/fuzz created file.txt", kWrite | kCreate, file) == FsError::Ok) {
        static uint8_t data[3000];
        uint32_t written = 0;
        (void)fs.write(file, data, written);
        (void)fs.seek(file, 100);
        (void)fs.truncate(file, 1000);
        (void)fs.close(file);
    }
    (void)fs.make_directory("/Fuzz Directory");
    (void)fs.rename("/fuzz created file.txt", "/Fuzz Directory/moved.txt");
    (void)fs.remove("/Fuzz Directory/moved.txt");
    (void)fs.remove_directory("/Fuzz Directory");
    uint64_t free_bytes = 0;
    (void)fs.free_space(free_bytes);
    (void)fs.sync();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static SparseDisk disk;
    if (size < 4)
        return 0;
    uint32_t blocks = le32(data);
    blocks = blocks == 0 ? 1 : blocks > kMaxBlocks ? kMaxBlocks : blocks;
    disk.reset(blocks);
    for (size_t at = 4; at + 4 < size;) {
        uint64_t block = le32(data + at) % blocks;
        size_t length = size - at - 4 < 512 ? size - at - 4 : 512;
        disk.put(block, data + at + 4, length);
        at += 4 + length;
    }
    static exos::BlockCacheStorage<16> storage;
    exos::BlockCache cache(disk, storage, exos::CachePolicy::WriteBack);
    exos::fat::FileSystem fs(cache);
    FsError mounted = fs.mount();
    if (kVerbose)
        fprintf(stderr, "mount: %s (%s)\n", exos::to_string(mounted),
                exos::fat::to_string(fs.volume().type));
    if (mounted != FsError::Ok)
        return 0;
    walk(fs, "", 0);
    change(fs);
    walk(fs, "", 0);
    (void)fs.unmount();
    return 0;
}
