// The shell's main loop: the console's input (ConsoleRead between sleeps in EventWait), the line
// editor, the command table.
#include <exos/console.h>
#include <exos/line_editor.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "shell.h"

namespace shell {

namespace {

exos::FramePool frame_pool;

// The editor's echo, gathered and written with one ConsoleWrite per batch of keys.
class ConsoleOutput final : public exos::TerminalOutput {
public:
    void write(const char* text, size_t count) override {
        for (size_t i = 0; i < count; ++i) {
            if (used_ == sizeof(buffer_)) flush();
            buffer_[used_++] = text[i];
        }
    }
    void flush() {
        if (used_ != 0) (void)exos::console_write(buffer_, used_);
        used_ = 0;
    }

private:
    char buffer_[256];
    size_t used_ = 0;
};

ConsoleOutput output;
exos::LineEditor editor{output};
constexpr const char* kPrompt = "exo> ";
bool at_prompt = false;
bool leaving = false;

// Typed bytes not yet given to the editor, oldest first.
uint8_t pending[1024];
size_t pending_head = 0;
size_t pending_count = 0;

size_t refill() {
    uint8_t bytes[128];
    size_t room = sizeof(pending) - pending_count;
    size_t want = room < sizeof(bytes) ? room : sizeof(bytes);
    if (want == 0) return 0;
    exos::SyscallReturn got = exos::console_read(bytes, want);
    if (got.error != abi::Error::Ok) return 0;
    keep_typed(bytes, got.value);
    return got.value;
}

bool next_byte(uint8_t& byte) {
    if (pending_count == 0 && refill() == 0) return false;
    byte = pending[pending_head];
    pending_head = (pending_head + 1) % sizeof(pending);
    --pending_count;
    return true;
}

int command_help(int argc, char** argv);
int command_exit(int, char**) {
    leaving = true;
    return 0;
}

const Command kCommands[] = {
    {"help", "help [command]", "list the commands, or say what one does", command_help},
    {"ps", "ps", "environments: id, name, parent, library OS, slots, frames, state", command_ps},
    {"slots", "slots", "the slice vector, drawn as a bar of its owners", command_slots},
    {"frames", "frames", "the frame table: free, kernel, reserved, each owner's", command_frames},
    {"irqs", "irqs", "interrupt lines: the kernel's own and the exported devices'", command_irqs},
    {"ls", "ls [path]", "list a directory (or show a file) on the disk", command_ls},
    {"cat", "cat <file>", "print a file", command_cat},
    {"cp", "cp <from> <to>", "copy a file", command_cp},
    {"rm", "rm <path>", "remove a file or an empty directory", command_rm},
    {"mkdir", "mkdir <path>", "make a directory", command_mkdir},
    {"write", "write <file> <text...>", "put the text and a newline in a file (replacing it)",
     command_write},
    {"run", "run <program> [args...] [&]",
     "start /bin/<program> (or a built-in one), wait for its end; & runs it beside us",
     command_run},
    {"jobs", "jobs", "the programs started with &", command_jobs},
    {"kill", "kill <id|name>", "end a program this shell started", command_kill},
    {"bench", "bench", "measure kernel operations in retired instructions", command_bench},
    {"exit", "exit", "end the shell, and with it the machine's run", command_exit},
};

const Command* find_command(const char* name) {
    for (const Command& command : kCommands) {
        if (equal(command.name, name)) return &command;
    }
    return nullptr;
}

int command_help(int argc, char** argv) {
    if (argc > 1) {
        const Command* command = find_command(argv[1]);
        if (command == nullptr) {
            char clipped[33];
            exos::printf("help: no command '%s'\n", clip(argv[1], clipped, 32));
            return 1;
        }
        exos::printf("%s: %s\n", command->usage, command->help);
        return 0;
    }
    exos::printf("commands (Up/Down: history, Ctrl-C: stop the program or the line):\n");
    for (const Command& command : kCommands)
        exos::printf("  %-28s %s\n", command.usage, command.help);
    return 0;
}

// Splits `line` in place: blanks separate words, double quotes group them. The count, or -1
// with `error` set.
int split(char* line, char** argv, const char*& error) {
    int argc = 0;
    char* in = line;
    while (*in != '\0') {
        while (*in == ' ' || *in == '\t') ++in;
        if (*in == '\0') break;
        if (argc == kMaxArguments) {
            error = "too many words (16 at most)";
            return -1;
        }
        char* word = in;
        char* out = in;
        bool quoted = false;
        for (; *in != '\0' && (quoted || (*in != ' ' && *in != '\t')); ++in) {
            if (*in == '"') {
                quoted = !quoted;
                continue;
            }
            *out++ = *in;
        }
        if (quoted) {
            error = "a quote is not closed";
            return -1;
        }
        if (*in != '\0') ++in;
        *out = '\0';
        argv[argc++] = word;
    }
    return argc;
}

void run_line(const char* typed) {
    char line[exos::LineEditor::kMaxLine + 1];
    size_t i = 0;
    for (; typed[i] != '\0' && i < exos::LineEditor::kMaxLine; ++i) line[i] = typed[i];
    line[i] = '\0';
    char* argv[kMaxArguments + 1] = {};
    const char* error = "";
    int argc = split(line, argv, error);
    if (argc < 0) {
        exos::printf("shell: %s\n", error);
        return;
    }
    if (argc == 0) return;
    const Command* command = find_command(argv[0]);
    if (command == nullptr) {
        char clipped[33];
        exos::printf("shell: no command '%s' (type help)\n", clip(argv[0], clipped, 32));
        return;
    }
    (void)command->run(argc, argv);
}

bool console_input_is_ours() {
    abi::ConsoleInfo console{};
    return exos::kernel_info(abi::InfoTopic::Console, 0, console) == abi::Error::Ok &&
           console.line != 0 && console.holder == exos::shared_info().environment_id;
}

void prompt() {
    editor.begin(kPrompt);
    output.flush();
    at_prompt = true;
}

}  // namespace

exos::FramePool& pool() { return frame_pool; }

void keep_typed(const uint8_t* bytes, size_t count) {
    for (size_t i = 0; i < count && pending_count < sizeof(pending); ++i)
        pending[(pending_head + pending_count++) % sizeof(pending)] = bytes[i];
}

void prompt_interrupted() {
    if (!at_prompt) return;
    editor.redraw();
    output.flush();
}

// Ctrl-C waits among the typed bytes: it and everything typed before it are dropped.
bool take_interrupt() {
    refill();
    for (size_t i = 0; i < pending_count; ++i) {
        if (pending[(pending_head + i) % sizeof(pending)] != 0x03) continue;
        pending_head = (pending_head + i + 1) % sizeof(pending);
        pending_count -= i + 1;
        return true;
    }
    return false;
}

bool map_pages(uint64_t va, uint64_t first_pfn, uint64_t count) {
    constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;
    for (int tables = 0; tables < 8; ++tables) {
        abi::Error error = exos::map(va, first_pfn, count, RW);
        if (error != abi::Error::NoMemory) return error == abi::Error::Ok;
        std::optional<uint64_t> frame = frame_pool.take();  // a page-table node it needs
        if (!frame || exos::page_table_donate(*frame) != abi::Error::Ok) return false;
    }
    return false;
}

}  // namespace shell

int main() {
    using namespace shell;
    frame_pool.adopt_initial_frames();
    if (!console_input_is_ours()) {
        exos::printf("shell: the console's input is not this environment's: nothing to read\n");
        return 2;
    }
    exos::printf("\nexos shell on the exokernel (environment 0x%lx). Type help for the commands.\n",
                 exos::shared_info().environment_id);
    // Page-table nodes for the disk's rings and the program-loading window (map_pages donates
    // more when a mapping needs them).
    for (int i = 0; i < 4; ++i) {
        std::optional<uint64_t> frame = frame_pool.take();
        if (frame) (void)exos::page_table_donate(*frame);
    }
    disk_start();
    prompt();
    while (!leaving) {
        uint8_t byte = 0;
        if (!next_byte(byte)) {
            uint64_t posted =
                exos::event_wait(abi::event::kConsoleInput | abi::event::kChildEnded).value;
            if (posted & abi::event::kChildEnded) report_ended_jobs(true);
            continue;
        }
        switch (editor.feed(byte)) {
        case exos::LineEditor::Result::Line:
            output.flush();
            at_prompt = false;
            run_line(editor.line());
            report_ended_jobs(false);
            if (!leaving) prompt();
            break;
        case exos::LineEditor::Result::Interrupt: prompt(); break;
        case exos::LineEditor::Result::EndOfInput:
            output.write("\r\n", 2);
            output.flush();
            exos::printf("shell: type exit to end the shell\n");
            prompt();
            break;
        case exos::LineEditor::Result::Editing: break;
        }
        if (pending_count == 0) output.flush();
    }
    output.flush();
    disk_stop();
    exos::printf("shell: goodbye\n");
    return 0;
}
