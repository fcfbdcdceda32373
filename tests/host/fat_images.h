// Host helpers for the FAT suites: FAT images made by the real tools (mkfs.fat, mtools) in a
// temporary folder, block devices over an image file or over memory (with a write cut for the
// durability sweep), fsck.fat and mtype run on the result, and deterministic file contents.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <span>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <exos/block_cache.h>
#include <exos/block_device.h>
#include <exos/fat.h>

#include <CppUTest/SimpleString.h>

namespace exos {
// CppUTest prints an FsError by name in CHECK_EQUAL (found by argument-dependent lookup).
inline SimpleString StringFrom(FsError error) { return SimpleString(to_string(error)); }
}  // namespace exos

namespace fat_test {

struct CommandResult {
    int status = -1;  // the exit status, or -1 when the command did not exit normally
    std::string output;
};

// Runs `command` through the shell with stderr folded into stdout.
inline CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr)
        return result;
    char buffer[4096];
    size_t got = 0;
    while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        result.output.append(buffer, got);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// A temporary folder, removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/exos_fat_XXXXXX";
        path_ = mkdtemp(pattern) != nullptr ? pattern : "/tmp";
    }
    ~TempDir() {
        if (path_ != "/tmp")
            (void)run("rm -rf " + quote(path_));
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Deterministic contents: a byte stream from a small LCG seeded by `seed`.
inline std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
    std::vector<uint8_t> bytes(size);
    uint32_t state = seed * 2654435761u + 1;
    for (uint8_t& byte : bytes) {
        state = state * 1664525u + 1013904223u;
        byte = static_cast<uint8_t>(state >> 24);
    }
    return bytes;
}

inline bool write_host_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    FILE* file = fopen(path.c_str(), "wb");
    if (file == nullptr)
        return false;
    bool ok = bytes.empty() || fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    return fclose(file) == 0 && ok;
}

inline std::vector<uint8_t> read_host_file(const std::string& path) {
    std::vector<uint8_t> bytes;
    FILE* file = fopen(path.c_str(), "rb");
    if (file == nullptr)
        return bytes;
    char buffer[65536];
    size_t got = 0;
    while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0)
        bytes.insert(bytes.end(), buffer, buffer + got);
    fclose(file);
    return bytes;
}

// mkfs.fat -F <bits> -C <image> <size KiB>: FAT12 needs < 4085 clusters, FAT16 >= 4085 (16 MiB
// with mkfs.fat's 2 KiB clusters), FAT32 >= 65525 (33 MiB at its 512-byte clusters).
inline bool make_image(const std::string& image, int bits, int kib) {
    (void)run("rm -f " + quote(image));
    CommandResult made = run("mkfs.fat -F " + std::to_string(bits) + " -C " + quote(image) + " " +
                             std::to_string(kib));
    return made.status == 0;
}

inline bool mtools(const std::string& command) {
    return run("MTOOLS_SKIP_CHECK=1 " + command).status == 0;
}

inline bool copy_in(const std::string& image, const std::string& host_file,
                    const std::string& dos_path) {
    return mtools("mcopy -i " + quote(image) + " " + quote(host_file) + " " +
                  quote("::" + dos_path));
}

inline bool make_dos_directory(const std::string& image, const std::string& dos_path) {
    return mtools("mmd -i " + quote(image) + " " + quote("::" + dos_path));
}

// The file's bytes as mtype prints them; `ok` false when mtype fails (no such file).
inline std::vector<uint8_t> mtype(const std::string& image, const std::string& dos_path,
                                  bool& ok, const std::string& scratch) {
    ok = mtools("mtype -i " + quote(image) + " " + quote("::" + dos_path) + " > " +
                quote(scratch));
    return ok ? read_host_file(scratch) : std::vector<uint8_t>{};
}

inline CommandResult fsck(const std::string& image) {
    return run("fsck.fat -n " + quote(image));
}

// A BlockDevice over an image file (pread/pwrite).
class FileDevice final : public exos::BlockDevice {
public:
    explicit FileDevice(const std::string& path) {
        descriptor_ = open(path.c_str(), O_RDWR);
        struct stat status{};
        if (descriptor_ >= 0 && fstat(descriptor_, &status) == 0)
            blocks_ = static_cast<uint64_t>(status.st_size) / 512;
    }
    ~FileDevice() {
        if (descriptor_ >= 0)
            close(descriptor_);
    }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return blocks_; }
    abi::Error read(uint64_t block, uint32_t count, void* buffer) override {
        ssize_t want = static_cast<ssize_t>(count) * 512;
        if (block + count > blocks_ ||
            pread(descriptor_, buffer, want, static_cast<off_t>(block * 512)) != want)
            return abi::Error::OutOfRange;
        return abi::Error::Ok;
    }
    abi::Error write(uint64_t block, uint32_t count, const void* buffer) override {
        ssize_t want = static_cast<ssize_t>(count) * 512;
        ++writes;
        if (block + count > blocks_ ||
            pwrite(descriptor_, buffer, want, static_cast<off_t>(block * 512)) != want)
            return abi::Error::OutOfRange;
        return abi::Error::Ok;
    }
    abi::Error flush() override {
        return fsync(descriptor_) == 0 ? abi::Error::Ok : abi::Error::Busy;
    }
    uint64_t writes = 0;

private:
    int descriptor_ = -1;
    uint64_t blocks_ = 0;
};

// A BlockDevice in memory. With a write limit it accepts that many block writes and silently
// drops every later one (a power cut the file system cannot see); `touched` lists the blocks
// that were really written, so an image can be rebuilt from its base file cheaply.
class MemoryDevice final : public exos::BlockDevice {
public:
    explicit MemoryDevice(std::vector<uint8_t> image) : image_(std::move(image)) {}
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return image_.size() / 512; }
    abi::Error read(uint64_t block, uint32_t count, void* buffer) override {
        if (block + count > block_count())
            return abi::Error::OutOfRange;
        std::copy_n(image_.data() + block * 512, count * 512, static_cast<uint8_t*>(buffer));
        return abi::Error::Ok;
    }
    abi::Error write(uint64_t block, uint32_t count, const void* buffer) override {
        if (block + count > block_count() || fail_writes)
            return abi::Error::OutOfRange;
        for (uint32_t index = 0; index < count; ++index) {
            ++writes;
            if (writes > write_limit)
                continue;  // after the cut: dropped
            std::copy_n(static_cast<const uint8_t*>(buffer) + index * 512, 512,
                        image_.data() + (block + index) * 512);
            touched.push_back(block + index);
        }
        return abi::Error::Ok;
    }
    // A batch's runs may reach a real disk in any order: with reverse_batches they arrive last
    // first, so a sweep of cuts sees the other extreme of that freedom too.
    abi::Error write_batch(std::span<const exos::BlockWrite> runs) override {
        if (!reverse_batches)
            return BlockDevice::write_batch(runs);
        for (size_t index = runs.size(); index-- > 0;) {
            if (abi::Error error = write(runs[index].block, runs[index].count, runs[index].data);
                error != abi::Error::Ok)
                return error;
        }
        return abi::Error::Ok;
    }
    abi::Error flush() override { return abi::Error::Ok; }
    const std::vector<uint8_t>& image() const { return image_; }

    uint64_t writes = 0;
    uint64_t write_limit = ~uint64_t{0};
    bool fail_writes = false;
    bool reverse_batches = false;
    std::vector<uint64_t> touched;

private:
    std::vector<uint8_t> image_;
};

// A device, a cache and a mounted file system over it, on the heap (the cache storage is big).
template <typename Device>
struct Mounted {
    template <typename... Arguments>
    explicit Mounted(exos::CachePolicy policy, Arguments&&... arguments)
        : device(std::forward<Arguments>(arguments)...), cache(device, storage, policy),
          fs(cache) {}
    Device device;
    exos::BlockCacheStorage<64> storage;
    exos::BlockCache cache;
    exos::fat::FileSystem fs;
};

// Reads a whole file through the library; `error` is the first failure.
inline std::vector<uint8_t> read_all(exos::fat::FileSystem& fs, const std::string& path,
                                     exos::FsError& error) {
    std::vector<uint8_t> bytes;
    exos::fat::File file;
    error = fs.open(path, exos::fat::kRead, file);
    if (error != exos::FsError::Ok)
        return bytes;
    uint8_t buffer[3000];  // not a multiple of a sector or a cluster
    for (;;) {
        uint32_t got = 0;
        error = fs.read(file, buffer, got);
        if (error != exos::FsError::Ok || got == 0)
            break;
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    exos::FsError closed = fs.close(file);
    if (error == exos::FsError::Ok)
        error = closed;
    return bytes;
}

inline exos::FsError write_all(exos::fat::FileSystem& fs, const std::string& path,
                               const std::vector<uint8_t>& bytes, uint32_t flags) {
    exos::fat::File file;
    EXOS_TRY(fs.open(path, flags, file));
    size_t at = 0;
    while (at < bytes.size()) {
        // Uneven pieces, so writes start and end inside sectors and clusters.
        size_t piece = std::min<size_t>(bytes.size() - at, 1000 + at % 4096);
        uint32_t written = 0;
        exos::FsError error = fs.write(
            file, std::span<const uint8_t>(bytes.data() + at, piece), written);
        at += written;
        if (error != exos::FsError::Ok) {
            (void)fs.close(file);
            return error;
        }
    }
    return fs.close(file);
}

}  // namespace fat_test
