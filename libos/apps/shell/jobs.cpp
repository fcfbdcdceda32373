// Programs started from the shell: run (from /bin on the disk or from the image, with
// arguments), waiting for the end record while Ctrl-C may stop it, jobs beside the shell (&),
// kill. The policy is the shell's: a program in the foreground is the kernel's background
// environment, so it runs in every slot the sleeping shell lets go; a job started with & gets
// four slots of the shell's own, which its runtime reserves (exos/arguments.h) and which come
// back to the shell when it ends.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>
#include <exos/upcalls.h>

#include "freestanding/format.h"
#include "shell.h"

namespace shell {

namespace {

constexpr int kMaxJobs = 8;
constexpr uint64_t kJobSlots = 4;
// Frames a child gets beyond its image's needs: its arguments' frame and a few to start with.
constexpr uint64_t kExtraFrames = 8;

struct Job {
    uint64_t id;
    char name[16];
    uint64_t slots;  // the shell's slots it was given (a mask)
    bool active;
    bool background;
    int number;
};

Job jobs[kMaxJobs];
int next_number = 1;

uint64_t self() { return exos::shared_info().environment_id; }

// Up to four slots of the shell's, from the last one down, released for a job; 0 if the shell
// would keep fewer than half of the slots.
uint64_t release_slots_for_job() {
    uint64_t count = exos::slice_read(~uint64_t{0}).value;
    uint64_t mine = 0, mask = 0, taken = 0;
    for (uint64_t slot = 0; slot < count && slot < 64; ++slot)
        mine += exos::slice_read(slot).value == self();
    if (mine < count / 2 + kJobSlots) return 0;
    for (uint64_t slot = count; slot-- > 0 && taken < kJobSlots;) {
        if (exos::slice_read(slot).value != self()) continue;
        if (exos::slice_release(slot) == abi::Error::Ok) {
            mask |= uint64_t{1} << slot;
            ++taken;
        }
    }
    return mask;
}

// Whether the job reserved every slot we released for it.
bool holds(const Job& job) {
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if ((job.slots & (uint64_t{1} << slot)) && exos::slice_read(slot).value != job.id)
            return false;
    }
    return true;
}

void take_back(uint64_t slots) {
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (slots & (uint64_t{1} << slot)) (void)exos::slice_reserve(slot);
    }
}

// "[spin]" for the program in the foreground, "[1] spin" for a job beside the shell.
void describe_end(const Job& job, const abi::ChildEnd& end, bool interrupted) {
    char label[32];
    if (job.background) {
        exo::format_buffer(label, sizeof(label), "[%d] %s", job.number, job.name);
    } else {
        exo::format_buffer(label, sizeof(label), "[%s]", job.name);
    }
    switch (end.reason) {
    case abi::EndReason::Exited:
        exos::printf("%s exited with status %ld\n", label, end.status);
        break;
    case abi::EndReason::Faulted:
        exos::printf("%s killed by the kernel: %s (status %ld)\n", label,
                     exos::exception_name(end.cause), end.status);
        break;
    case abi::EndReason::Destroyed:
        exos::printf("%s %s\n", label,
                     interrupted ? "stopped by Ctrl-C" : end.status < 0 ? "ended" : "killed");
        break;
    }
}

void finish(Job& job) {
    take_back(job.slots);
    job.active = false;
}

// Sleeps until the foreground program's end record arrives; Ctrl-C destroys it.
abi::ChildEnd wait_foreground(Job& job, bool& interrupted) {
    interrupted = false;
    for (;;) {
        abi::ChildEnd end{};
        if (exos::child_end(job.id, end)) return end;
        abi::EnvironmentInfo info{};
        if (!environment_at((job.id & 0xffff) - 1, info) || info.id != job.id)
            return exos::wait_for_end(job.id);  // gone: its record, or "ended"
        if (take_interrupt()) {
            if (!interrupted) {
                exos::printf("^C\n");
                (void)exos::environment_destroy(job.id);
                interrupted = true;
            }
            continue;
        }
        report_ended_jobs(false);  // jobs beside it may end meanwhile
        (void)exos::event_wait(abi::event::kConsoleInput | abi::event::kChildEnded);
    }
}

bool find_image(const char* name, uint64_t& index) {
    // Image 0 is this shell: its second copy could not read the console.
    for (uint64_t image = 1;; ++image) {
        abi::ImageInfo info{};
        if (exos::kernel_info(abi::InfoTopic::Image, image, info) != abi::Error::Ok) return false;
        if (equal(info.name, name)) {
            index = image;
            return true;
        }
    }
}

// Starts `program` from /bin on the disk (or from `program` itself when it is a path), else
// from the image; says why not in one line. Its name (the file's) goes into `name`.
exos::Child start(const char* program, const exos::Launch& launch, char (&name)[16]) {
    char path[256];
    bool is_path = false;
    for (const char* p = program; *p != '\0'; ++p) is_path = is_path || *p == '/';
    if (length(program) > 200 || !absolute_path(program, path, sizeof(path))) {
        exos::printf("run: the name is too long\n");
        return {abi::Error::InvalidArgument, 0, 0, 0};
    }
    if (!is_path) {  // "/<program>" becomes "/bin/<program>"
        char named[256] = "/bin";
        size_t at = 4;
        for (size_t i = 0; path[i] != '\0'; ++i) named[at++] = path[i];
        named[at] = '\0';
        for (size_t i = 0; i <= at; ++i) path[i] = named[i];
    }
    const char* base = base_name(path);
    size_t i = 0;
    for (; base[i] != '\0' && i + 1 < sizeof(name); ++i) name[i] = base[i];
    name[i] = '\0';
    LoadedFile file{};
    switch (load_program("run", path, file, !is_path)) {
    case Load::Loaded: {
        exos::Child child = exos::spawn_elf(pool(), file.first_pfn, file.bytes, name,
                                            kExtraFrames, launch);
        unload_program(file);  // the kernel copied what the child needs
        return child;
    }
    case Load::Failed: return {abi::Error::NoSuchEnvironment, 0, 0, 0};  // (it said why)
    case Load::Missing: break;
    }
    uint64_t image = 0;
    if (!is_path && find_image(program, image))
        return exos::spawn(pool(), image, kExtraFrames, launch);
    char clipped[33];
    exos::printf("run: no program '%s' (not in /bin on a disk, not in this image)\n",
                 clip(program, clipped, 32));
    return {abi::Error::NoSuchEnvironment, 0, 0, 0};
}

Job* free_job() {
    for (Job& job : jobs) {
        if (!job.active) return &job;
    }
    return nullptr;
}

}  // namespace

int command_run(int argc, char** argv) {
    bool background = argc > 1 && equal(argv[argc - 1], "&");
    if (background) --argc;
    if (argc < 2) return exos::printf("run: usage: run <program> [args...] [&]\n"), 1;
    Job* job = free_job();
    if (job == nullptr) return exos::printf("run: %d jobs already: kill one first\n", kMaxJobs), 1;
    exos::Launch launch{argc - 1, argv + 1, 0};
    if (background && (launch.slots = release_slots_for_job()) == 0) {
        exos::printf("run: no slots left to give a job beside the shell\n");
        return 1;
    }
    char name[16];
    exos::Child child = start(argv[1], launch, name);
    if (child.error != abi::Error::Ok) {
        take_back(launch.slots);
        if (child.error == abi::Error::InvalidArgument && child.detail != 0) {
            exos::printf("run: %s: the kernel's loader refused it (ELF check %lu failed)\n", name,
                         child.detail);
        } else if (child.error != abi::Error::NoSuchEnvironment) {
            exos::printf("run: %s: %s\n", name, abi::to_string(child.error));
        }
        return 1;
    }
    *job = {child.id, {}, launch.slots, true, background, background ? next_number++ : 0};
    for (size_t i = 0; i < sizeof(name); ++i) job->name[i] = name[i];
    if (background) {
        // It has no slot to run in until its runtime reserves the ones we released: give it
        // the rest of ours until it has (a slot may end first), or until it is gone.
        for (int turns = 0; turns < 100 && !holds(*job); ++turns) {
            abi::ChildEnd end{};
            if (exos::child_end(job->id, end) || exos::yield(child.id) != abi::Error::Ok) break;
        }
        exos::printf("[%d] %s (0x%lx) runs beside the shell\n", job->number, job->name, job->id);
        return 0;
    }
    (void)exos::slice_set_background(child.id);  // every slot the sleeping shell lets go
    bool interrupted = false;
    abi::ChildEnd end = wait_foreground(*job, interrupted);
    describe_end(*job, end, interrupted);
    finish(*job);
    return end.reason == abi::EndReason::Exited && end.status == 0 ? 0 : 1;
}

int command_kill(int argc, char** argv) {
    if (argc != 2) return exos::printf("kill: usage: kill <id|name>\n"), 1;
    uint64_t id = 0;
    if (!parse_number(argv[1], id)) {
        for (const Job& job : jobs) {
            if (job.active && equal(job.name, argv[1])) id = job.id;
        }
    }
    char clipped[33];
    if (id == 0) return exos::printf("kill: no job '%s'\n", clip(argv[1], clipped, 32)), 1;
    if (id == self()) return exos::printf("kill: that is this shell (type exit)\n"), 1;
    abi::Error error = exos::environment_destroy(id);
    if (error == abi::Error::NotPermitted) {
        exos::printf("kill: 0x%lx is not a program this shell started\n", id);
        return 1;
    }
    if (error != abi::Error::Ok) {
        exos::printf("kill: 0x%lx: %s\n", id, abi::to_string(error));
        return 1;
    }
    return 0;  // its end record says "killed" (report_ended_jobs, after the command)
}

int command_jobs(int, char**) {
    bool any = false;
    for (const Job& job : jobs) {
        if (!job.active) continue;
        any = true;
        exos::printf("[%d] %s (0x%lx), slots mask 0x%lx\n", job.number, job.name, job.id,
                     job.slots);
    }
    if (!any) exos::printf("jobs: none\n");
    return 0;
}

void report_ended_jobs(bool at_prompt) {
    bool cleared = false;
    for (Job& job : jobs) {
        if (!job.active || !job.background) continue;
        abi::ChildEnd end{};
        if (!exos::child_end(job.id, end)) {
            abi::EnvironmentInfo info{};
            if (environment_at((job.id & 0xffff) - 1, info) && info.id == job.id) continue;
            end = {job.id, -1, abi::EndReason::Destroyed, 0, 0};  // its record scrolled away
        }
        if (at_prompt && !cleared) exos::printf("\r\x1b[K");
        cleared = true;
        describe_end(job, end, false);
        finish(job);
    }
    if (cleared && at_prompt) prompt_interrupted();
}

bool has_jobs() {
    for (const Job& job : jobs) {
        if (job.active) return true;
    }
    return false;
}

}  // namespace shell
