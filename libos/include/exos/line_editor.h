// Line editing for a terminal on the console, in the library OS: the kernel passes typed bytes
// through untouched (ConsoleRead), so echo, editing and history are policy, here. Printable
// text (UTF-8 included) goes in at the cursor; Backspace and Delete, Left and Right, Home and
// End (also Ctrl-A, Ctrl-E), Ctrl-U (clear), Up and Down through the history, Enter ends the
// line, Ctrl-C abandons it, Ctrl-D on an empty line ends the input. VT100/xterm escape
// sequences (ESC [ ..., ESC O ...) are parsed, unknown ones swallowed whole; other control bytes
// are ignored, never echoed. A line longer than kMaxLine is refused past its end with a bell.
// Columns are counted one per code point, on one terminal row.
#pragma once

#include <cstddef>
#include <cstdint>

namespace exos {

class TerminalOutput {
public:
    virtual void write(const char* text, size_t length) = 0;

protected:
    ~TerminalOutput() = default;
};

class LineEditor {
public:
    static constexpr size_t kMaxLine = 255;  // bytes
    static constexpr size_t kHistory = 16;

    enum class Result : uint8_t { Editing, Line, Interrupt, EndOfInput };

    explicit LineEditor(TerminalOutput& out) : out_(out) {}

    // Prints `prompt` (kept for redraws) and starts an empty line.
    void begin(const char* prompt);
    // One typed byte: what it completed, if anything. After Line, line() is the text (also put
    // in the history unless empty or the same as the newest entry).
    Result feed(uint8_t byte);
    const char* line() const { return line_; }
    size_t length() const { return length_; }
    size_t cursor() const { return cursor_; }
    // The prompt and the line again, the cursor where it was: after other output interrupted.
    void redraw();

    size_t history_size() const { return history_count_ < kHistory ? history_count_ : kHistory; }
    // 0 is the newest entry.
    const char* history(size_t back) const;

private:
    enum class Escape : uint8_t { None, Started, Sequence };

    Result key(uint8_t byte);
    Result escape(uint8_t byte);
    void insert(uint8_t byte);
    void erase_before();
    void erase_at();
    void left();
    void right();
    void home();
    void end();
    void recall(int direction);
    void replace(const char* text);
    void remember();
    void bell() { print("\a"); }
    void print(const char* text);
    void print_range(size_t from, size_t to);
    void move_left(size_t columns);
    size_t columns(size_t from, size_t to) const;
    size_t previous_start(size_t at) const;
    size_t next_start(size_t at) const;

    TerminalOutput& out_;
    const char* prompt_ = "";
    char line_[kMaxLine + 1] = {};
    size_t length_ = 0;
    size_t cursor_ = 0;
    Escape escape_ = Escape::None;
    uint32_t parameter_ = 0;
    bool after_return_ = false;  // a '\n' right after '\r' is the same Enter
    char history_[kHistory][kMaxLine + 1] = {};
    size_t history_count_ = 0;  // entries ever added
    size_t browsing_ = 0;       // 0: the line being typed; n: the n-th newest entry shown
    char draft_[kMaxLine + 1] = {};  // the line being typed, while the history is shown
};

}  // namespace exos
