// The disk and its FAT volume, through the library OS's disk client and file system: ls, cat,
// cp, rm, mkdir, write, and loading a program's ELF into consecutive frames for EnvCreateElf.
#include <exos/console.h>
#include <exos/disk.h>
#include <exos/fat.h>
#include <exos/syscall.h>
#include <optional>

#include "shell.h"

namespace shell {

namespace {

namespace fat = exos::fat;
using exos::FsError;

constexpr uint64_t kRingsVa = 0x30000000;   // the disk's two rings
constexpr uint64_t kBounceVa = 0x30002000;  // the disk's bounce frame
constexpr uint64_t kLoadVa = 0x40000000;    // a program being read: kMaxElfFrames pages at most
constexpr size_t kPathBytes = 256;

exos::Disk disk;
exos::BlockCacheStorage<64> cache_storage;
std::optional<exos::DiskBlockDevice> device;
std::optional<exos::BlockCache> cache;
std::optional<fat::FileSystem> volume;
bool mounted = false;
alignas(8) uint8_t buffer[4096];
fat::DirectoryEntry entry;  // large (a long name): not on the stack

bool need_disk(const char* who) {
    if (mounted) return true;
    exos::printf("%s: no disk: this machine has none, or no FAT volume on it\n", who);
    return false;
}

bool fail(const char* who, const char* path, FsError error) {
    exos::printf("%s: %s: %s\n", who, path, exos::to_string(error));
    return false;
}

// `path` as an absolute path in `out`, or a message.
bool path_of(const char* who, const char* path, char (&out)[kPathBytes]) {
    if (absolute_path(path, out, sizeof(out))) return true;
    exos::printf("%s: the path is too long\n", who);
    return false;
}

bool stat_of(const char* path, fat::Stat& stat) {
    if (equal(path, "/")) {
        stat = {};
        stat.attributes = fat::attribute::kDirectory;
        return true;
    }
    return volume->stat(path, stat) == FsError::Ok;
}

FsError copy_file(const char* from, const char* to) {
    fat::File source, target;
    EXOS_TRY(volume->open(from, fat::kRead, source));
    FsError error = volume->open(to, fat::kWrite | fat::kCreate | fat::kTruncate, target);
    for (uint32_t got = 1; error == FsError::Ok && got != 0;) {
        error = volume->read(source, buffer, got);
        uint32_t written = 0;
        if (error == FsError::Ok && got != 0) error = volume->write(target, {buffer, got}, written);
    }
    FsError closed = target.is_open() ? volume->close(target) : FsError::Ok;
    (void)volume->close(source);
    return error != FsError::Ok ? error : closed;
}

}  // namespace

void disk_start() {
    abi::Error opened = disk.open(pool(), kRingsVa);
    if (opened == abi::Error::NoDisk) {
        exos::printf("disk: none attached (ls, cat, cp, rm, mkdir and write need one; run "
                     "starts the programs this image holds)\n");
        return;
    }
    std::optional<uint64_t> bounce = pool().take();
    if (opened != abi::Error::Ok || !bounce || !map_pages(kBounceVa, *bounce, 1)) {
        exos::printf("disk: cannot use it: %s\n", abi::to_string(opened));
        return;
    }
    device.emplace(disk, *bounce, reinterpret_cast<void*>(kBounceVa), 0, disk.capacity());
    cache.emplace(*device, cache_storage, exos::CachePolicy::WriteBack);
    volume.emplace(*cache);
    if (FsError error = volume->mount(); error != FsError::Ok) {
        exos::printf("disk: %lu sectors, no FAT volume this shell can mount: %s\n",
                     disk.capacity(), exos::to_string(error));
        return;
    }
    mounted = true;
    uint64_t free_bytes = 0;
    (void)volume->free_space(free_bytes);
    exos::printf("disk: %s volume, %lu MiB, %lu KiB free\n", fat::to_string(volume->volume().type),
                 disk.capacity() / 2048, free_bytes / 1024);
}

bool disk_mounted() { return mounted; }

void disk_stop() {
    if (mounted && volume->unmount() != FsError::Ok) exos::printf("disk: unmount failed\n");
    mounted = false;
}

int command_ls(int argc, char** argv) {
    char path[kPathBytes];
    if (!need_disk("ls") || !path_of("ls", argc > 1 ? argv[1] : "/", path)) return 1;
    fat::Stat stat;
    if (!stat_of(path, stat)) return fail("ls", path, volume->stat(path, stat)), 1;
    if (!stat.is_directory()) {
        exos::printf("%10u  %s\n", stat.size, path);
        return 0;
    }
    fat::DirectoryIterator iterator;
    if (FsError error = volume->open_directory(path, iterator); error != FsError::Ok)
        return fail("ls", path, error), 1;
    FsError error = FsError::Ok;
    while ((error = volume->read_directory(iterator, entry)) == FsError::Ok) {
        if (entry.stat.is_directory()) {
            exos::printf("%10s  %s/\n", "<dir>", entry.name);
        } else {
            exos::printf("%10u  %s\n", entry.stat.size, entry.name);
        }
    }
    return error == FsError::EndOfDirectory ? 0 : (fail("ls", path, error), 1);
}

int command_cat(int argc, char** argv) {
    char path[kPathBytes];
    if (argc != 2) return exos::printf("cat: usage: cat <file>\n"), 1;
    if (!need_disk("cat") || !path_of("cat", argv[1], path)) return 1;
    fat::File file;
    if (FsError error = volume->open(path, fat::kRead, file); error != FsError::Ok)
        return fail("cat", path, error), 1;
    FsError error = FsError::Ok;
    uint8_t last = '\n';
    for (uint32_t got = 1; got != 0 && error == FsError::Ok;) {
        error = volume->read(file, buffer, got);
        if (error == FsError::Ok && got != 0) {
            (void)exos::console_write(buffer, got);
            last = buffer[got - 1];
        }
    }
    (void)volume->close(file);
    if (last != '\n') exos::printf("\n");  // the prompt on a line of its own
    return error == FsError::Ok ? 0 : (fail("cat", path, error), 1);
}

int command_cp(int argc, char** argv) {
    char from[kPathBytes], to[kPathBytes];
    if (argc != 3) return exos::printf("cp: usage: cp <from> <to>\n"), 1;
    if (!need_disk("cp") || !path_of("cp", argv[1], from) || !path_of("cp", argv[2], to))
        return 1;
    // Opening the target truncates it: it must not be the source under another spelling.
    fat::Stat source, target;
    if (stat_of(from, source) && stat_of(to, target) && source.first_cluster != 0 &&
        source.first_cluster == target.first_cluster) {
        exos::printf("cp: %s and %s are the same file\n", from, to);
        return 1;
    }
    if (FsError error = copy_file(from, to); error != FsError::Ok)
        return fail("cp", from, error), 1;
    return 0;
}

int command_rm(int argc, char** argv) {
    char path[kPathBytes];
    if (argc != 2) return exos::printf("rm: usage: rm <path>\n"), 1;
    if (!need_disk("rm") || !path_of("rm", argv[1], path)) return 1;
    fat::Stat stat;
    if (!stat_of(path, stat)) return fail("rm", path, volume->stat(path, stat)), 1;
    FsError error = stat.is_directory() ? volume->remove_directory(path) : volume->remove(path);
    return error == FsError::Ok ? 0 : (fail("rm", path, error), 1);
}

int command_mkdir(int argc, char** argv) {
    char path[kPathBytes];
    if (argc != 2) return exos::printf("mkdir: usage: mkdir <path>\n"), 1;
    if (!need_disk("mkdir") || !path_of("mkdir", argv[1], path)) return 1;
    FsError error = volume->make_directory(path);
    return error == FsError::Ok ? 0 : (fail("mkdir", path, error), 1);
}

int command_write(int argc, char** argv) {
    char path[kPathBytes];
    if (argc < 3) return exos::printf("write: usage: write <file> <text...>\n"), 1;
    if (!need_disk("write") || !path_of("write", argv[1], path)) return 1;
    size_t used = 0;
    for (int i = 2; i < argc; ++i) {
        for (size_t j = 0; argv[i][j] != '\0' && used < sizeof(buffer) - 2; ++j)
            buffer[used++] = static_cast<uint8_t>(argv[i][j]);
        buffer[used++] = i + 1 < argc ? ' ' : '\n';
    }
    fat::File file;
    FsError error = volume->open(path, fat::kWrite | fat::kCreate | fat::kTruncate, file);
    uint32_t written = 0;
    if (error == FsError::Ok) error = volume->write(file, {buffer, used}, written);
    if (file.is_open()) {
        FsError closed = volume->close(file);  // fsync: on the disk when this returns
        if (error == FsError::Ok) error = closed;
    }
    return error == FsError::Ok ? 0 : (fail("write", path, error), 1);
}

Load load_program(const char* who, const char* path, LoadedFile& file, bool quiet_missing) {
    if (!mounted) return quiet_missing || !need_disk(who) ? Load::Missing : Load::Failed;
    fat::Stat stat;
    if (!stat_of(path, stat)) {
        FsError error = volume->stat(path, stat);
        if (error == FsError::NotFound && quiet_missing) return Load::Missing;
        fail(who, path, error);
        return Load::Failed;
    }
    if (stat.is_directory()) return fail(who, path, FsError::IsDirectory), Load::Failed;
    if (stat.size < 64) {
        exos::printf("%s: %s: not a program (too short)\n", who, path);
        return Load::Failed;
    }
    uint64_t pages = (uint64_t{stat.size} + 4095) / 4096;
    if (pages > abi::kMaxElfFrames) {
        exos::printf("%s: %s: too large (%lu KiB at most)\n", who, path,
                     abi::kMaxElfFrames * 4);
        return Load::Failed;
    }
    uint64_t first = exos::allocate_frame_run(pages);
    if (first == 0 || !map_pages(kLoadVa, first, pages)) {
        if (first != 0) exos::free_frame_run(first, pages);
        exos::printf("%s: %s: no %lu consecutive free frames for it\n", who, path, pages);
        return Load::Failed;
    }
    fat::File opened;
    FsError error = volume->open(path, fat::kRead, opened);
    uint32_t got = 0;
    if (error == FsError::Ok)
        error = volume->read(opened, {reinterpret_cast<uint8_t*>(kLoadVa), stat.size}, got);
    if (opened.is_open()) (void)volume->close(opened);
    const auto* bytes = reinterpret_cast<const uint8_t*>(kLoadVa);
    bool elf = got >= 64 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
               bytes[3] == 'F';
    // ELFCLASS64, little-endian, EM_RISCV (243): what the kernel's loader takes at all.
    bool ours = elf && bytes[4] == 2 && bytes[5] == 1 && bytes[18] == 243 && bytes[19] == 0;
    (void)exos::unmap(kLoadVa, pages);
    if (error != FsError::Ok || got != stat.size || !ours) {
        exos::free_frame_run(first, pages);
        if (error != FsError::Ok) {
            fail(who, path, error);
        } else {
            exos::printf("%s: %s: %s\n", who, path,
                         !elf ? "not a program (no ELF header)" : "not a RISC-V 64-bit program");
        }
        return Load::Failed;
    }
    file = {first, pages, stat.size};
    return Load::Loaded;
}

void unload_program(const LoadedFile& file) { exos::free_frame_run(file.first_pfn, file.pages); }

}  // namespace shell
