// The line editor (see line_editor.h). Echo is written as it is decided, in small pieces: the
// TerminalOutput is expected to buffer them.
#include <exos/line_editor.h>

namespace exos {

namespace {

constexpr uint8_t kControlA = 0x01;
constexpr uint8_t kControlC = 0x03;
constexpr uint8_t kControlD = 0x04;
constexpr uint8_t kControlE = 0x05;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kControlU = 0x15;
constexpr uint8_t kEscape = 0x1b;
constexpr uint8_t kDelete = 0x7f;

bool continuation(char byte) { return (static_cast<uint8_t>(byte) & 0xc0) == 0x80; }

size_t length_of(const char* text) {
    size_t length = 0;
    while (text[length] != '\0') ++length;
    return length;
}

void copy(char* to, const char* from) {
    size_t i = 0;
    for (; from[i] != '\0' && i < LineEditor::kMaxLine; ++i) to[i] = from[i];
    to[i] = '\0';
}

bool same(const char* a, const char* b) {
    size_t i = 0;
    for (; a[i] != '\0' && a[i] == b[i]; ++i) {
    }
    return a[i] == b[i];
}

}  // namespace

void LineEditor::begin(const char* prompt) {
    prompt_ = prompt;
    length_ = cursor_ = 0;
    line_[0] = '\0';
    browsing_ = 0;
    escape_ = Escape::None;
    print(prompt_);
}

const char* LineEditor::history(size_t back) const {
    if (back >= history_size()) return "";
    return history_[(history_count_ - 1 - back) % kHistory];
}

LineEditor::Result LineEditor::feed(uint8_t byte) {
    bool was_return = after_return_;
    after_return_ = false;
    if (escape_ != Escape::None) return escape(byte);
    if (byte == '\n' && was_return) return Result::Editing;
    return key(byte);
}

LineEditor::Result LineEditor::key(uint8_t byte) {
    switch (byte) {
    case '\r':
    case '\n':
        after_return_ = byte == '\r';
        print("\r\n");
        remember();
        return Result::Line;
    case kControlC:
        print("^C\r\n");
        length_ = cursor_ = 0;
        line_[0] = '\0';
        return Result::Interrupt;
    case kControlD:
        if (length_ == 0) return Result::EndOfInput;
        erase_at();
        return Result::Editing;
    case kBackspace:
    case kDelete: erase_before(); return Result::Editing;
    case kControlA: home(); return Result::Editing;
    case kControlE: end(); return Result::Editing;
    case kControlU: replace(""); return Result::Editing;
    case kEscape:
        escape_ = Escape::Started;
        return Result::Editing;
    default: break;
    }
    if (byte < 0x20) return Result::Editing;  // other control bytes: not ours to echo
    insert(byte);
    return Result::Editing;
}

// ESC [ <digits> <final> and ESC O <final> (VT100 application mode); anything else after ESC
// ends the sequence at its final byte (0x40..0x7e) without effect.
LineEditor::Result LineEditor::escape(uint8_t byte) {
    if (escape_ == Escape::Started) {
        if (byte == '[' || byte == 'O') {
            escape_ = Escape::Sequence;
            parameter_ = 0;
        } else {
            escape_ = Escape::None;  // ESC and one byte (Alt+key): swallowed
        }
        return Result::Editing;
    }
    if (byte >= '0' && byte <= '9') {
        if (parameter_ < 1000) parameter_ = parameter_ * 10 + (byte - '0');
        return Result::Editing;
    }
    if (byte < 0x40 || byte > 0x7e) {
        if (byte == ';' || byte == '?') return Result::Editing;  // parameters go on
        escape_ = Escape::None;  // not a sequence after all
        return Result::Editing;
    }
    escape_ = Escape::None;
    switch (byte) {
    case 'A': recall(+1); break;
    case 'B': recall(-1); break;
    case 'C': right(); break;
    case 'D': left(); break;
    case 'H': home(); break;
    case 'F': end(); break;
    case '~':
        if (parameter_ == 1 || parameter_ == 7) home();
        if (parameter_ == 4 || parameter_ == 8) end();
        if (parameter_ == 3) erase_at();
        break;
    default: break;
    }
    return Result::Editing;
}

void LineEditor::insert(uint8_t byte) {
    if (length_ == kMaxLine) {
        bell();
        return;
    }
    for (size_t i = length_; i > cursor_; --i) line_[i] = line_[i - 1];
    line_[cursor_++] = static_cast<char>(byte);
    line_[++length_] = '\0';
    print_range(cursor_ - 1, length_);
    // A continuation byte lands inside the character before it: no column of its own.
    move_left(columns(cursor_, length_));
}

void LineEditor::erase_before() {
    if (cursor_ == 0) return;
    size_t from = previous_start(cursor_);
    size_t removed = cursor_ - from;
    for (size_t i = from; i + removed <= length_; ++i) line_[i] = line_[i + removed];
    length_ -= removed;
    cursor_ = from;
    move_left(1);
    print_range(cursor_, length_);
    print("\x1b[K");  // what was the last column
    move_left(columns(cursor_, length_));
}

void LineEditor::erase_at() {
    if (cursor_ == length_) return;
    size_t removed = next_start(cursor_) - cursor_;
    for (size_t i = cursor_; i + removed <= length_; ++i) line_[i] = line_[i + removed];
    length_ -= removed;
    print_range(cursor_, length_);
    print("\x1b[K");
    move_left(columns(cursor_, length_));
}

void LineEditor::left() {
    if (cursor_ == 0) return;
    cursor_ = previous_start(cursor_);
    move_left(1);
}

void LineEditor::right() {
    if (cursor_ == length_) return;
    print_range(cursor_, next_start(cursor_));  // writing the character moves over it
    cursor_ = next_start(cursor_);
}

void LineEditor::home() {
    move_left(columns(0, cursor_));
    cursor_ = 0;
}

void LineEditor::end() {
    print_range(cursor_, length_);
    cursor_ = length_;
}

// +1: one entry older; -1: one newer (past the newest: the line being typed, as it was).
void LineEditor::recall(int direction) {
    size_t next = browsing_;
    if (direction > 0 && browsing_ < history_size()) ++next;
    if (direction < 0 && browsing_ > 0) --next;
    if (next == browsing_) {
        bell();
        return;
    }
    if (browsing_ == 0) copy(draft_, line_);
    browsing_ = next;
    replace(browsing_ == 0 ? draft_ : history(browsing_ - 1));
}

// The whole line becomes `text`, the cursor at its end.
void LineEditor::replace(const char* text) {
    char copied[kMaxLine + 1];
    copy(copied, text);
    copy(line_, copied);
    length_ = cursor_ = length_of(line_);
    print("\r");
    print(prompt_);
    print(line_);
    print("\x1b[K");  // erase what the longer old line left
}

void LineEditor::redraw() {
    print("\r");
    print(prompt_);
    print(line_);
    print("\x1b[K");
    move_left(columns(cursor_, length_));
}

void LineEditor::remember() {
    browsing_ = 0;
    if (length_ == 0) return;
    if (history_size() != 0 && same(history(0), line_)) return;
    copy(history_[history_count_ % kHistory], line_);
    ++history_count_;
}

void LineEditor::print(const char* text) { out_.write(text, length_of(text)); }

void LineEditor::print_range(size_t from, size_t to) {
    if (to > from) out_.write(line_ + from, to - from);
}

void LineEditor::move_left(size_t count) {
    if (count == 0) return;
    // ESC [ n D: at most three digits, as a line is shorter than 1000 columns.
    char sequence[8] = {'\x1b', '['};
    size_t at = 2;
    if (count >= 100) sequence[at++] = static_cast<char>('0' + count / 100 % 10);
    if (count >= 10) sequence[at++] = static_cast<char>('0' + count / 10 % 10);
    sequence[at++] = static_cast<char>('0' + count % 10);
    sequence[at++] = 'D';
    out_.write(sequence, at);
}

size_t LineEditor::columns(size_t from, size_t to) const {
    size_t count = 0;
    for (size_t i = from; i < to; ++i) count += !continuation(line_[i]);
    return count;
}

size_t LineEditor::previous_start(size_t at) const {
    while (at > 0 && continuation(line_[--at])) {
    }
    return at;
}

size_t LineEditor::next_start(size_t at) const {
    if (at < length_) ++at;
    while (at < length_ && continuation(line_[at])) ++at;
    return at;
}

}  // namespace exos
