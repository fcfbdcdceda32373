// The exos shell: an interactive prompt on the serial console, as the first environment of a
// board's default image (docs/shell.md). It is an ordinary library OS application: it reads
// the console's input with ConsoleRead, sleeps in EventWait between keys, keeps the FAT file
// system of the disk (when the machine has one) in its own memory, starts programs from the
// disk or from the image with arguments and waits for their end records, and reads what it
// shows about the machine from the kernel's public records (KernelInfo, SliceRead,
// FrameQuery). Every command reports a failure in one line and the shell goes on.
#pragma once

#include <abi/info.h>
#include <cstddef>
#include <cstdint>

#include <exos/frame_pool.h>

namespace shell {

inline constexpr int kMaxArguments = 16;

struct Command {
    const char* name;
    const char* usage;
    const char* help;
    int (*run)(int argc, char** argv);
};

// main.cpp: the frame pool, the console's input between commands, the prompt.
exos::FramePool& pool();
// Bytes typed while a program ran in the foreground, for the prompt to take first.
void keep_typed(const uint8_t* bytes, size_t count);
// Whether Ctrl-C was typed (it and what was typed before it are dropped).
bool take_interrupt();
// Another line of output appeared while the prompt was shown: show the prompt again below it.
void prompt_interrupted();
// Maps `count` frames from `first_pfn` at `va` (R+W), donating page-table frames as needed.
bool map_pages(uint64_t va, uint64_t first_pfn, uint64_t count);

// text.cpp: small string helpers (no C library here).
size_t length(const char* text);
bool equal(const char* a, const char* b);
bool starts_with(const char* text, const char* prefix);
// A number in decimal or 0x-hexadecimal; false for anything else (or an overflow).
bool parse_number(const char* text, uint64_t& value);
// `text` cut to `width` bytes with "..." when longer, into `out` (width + 1 bytes at least).
const char* clip(const char* text, char* out, size_t width);
// An absolute path for the file system: "/" prefixed to a relative one; false when too long.
bool absolute_path(const char* path, char* out, size_t capacity);
const char* base_name(const char* path);

// files.cpp: the disk and its FAT volume.
void disk_start();
bool disk_mounted();
void disk_stop();
int command_ls(int argc, char** argv);
int command_cat(int argc, char** argv);
int command_cp(int argc, char** argv);
int command_rm(int argc, char** argv);
int command_mkdir(int argc, char** argv);
int command_write(int argc, char** argv);
// Reads the program at `path` into consecutive frames of ours: its first frame and length;
// Missing (said only unless quiet_missing) or Failed after saying why in one line.
struct LoadedFile {
    uint64_t first_pfn;
    uint64_t pages;
    uint64_t bytes;
};
enum class Load { Loaded, Missing, Failed };
Load load_program(const char* who, const char* path, LoadedFile& file, bool quiet_missing);
void unload_program(const LoadedFile& file);

// system.cpp: what the kernel's public records say.
int command_ps(int argc, char** argv);
int command_slots(int argc, char** argv);
int command_frames(int argc, char** argv);
int command_irqs(int argc, char** argv);
// The library OS pieces an environment of this board links, by its name ("?" if unknown).
const char* library_os_of(const char* name);
// The environment in `slot` (KernelInfo); false when the slot is empty.
bool environment_at(uint64_t slot, abi::EnvironmentInfo& info);

// jobs.cpp: programs started from the shell.
int command_run(int argc, char** argv);
int command_kill(int argc, char** argv);
int command_jobs(int argc, char** argv);
// Says which background jobs ended since the last look (at the prompt: redrawing it).
void report_ended_jobs(bool at_prompt);
bool has_jobs();

// bench.cpp
int command_bench(int argc, char** argv);

}  // namespace shell
