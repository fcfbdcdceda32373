// The library OS's line editor, against a small terminal emulator: what the screen shows and
// where the cursor is after each sequence of keys, the lines that come out, the history, and
// hostile input (a line longer than the buffer, stray control bytes, broken escape sequences).
#include <cstdint>
#include <string>
#include <vector>

#include <exos/line_editor.h>

#include <CppUTest/TestHarness.h>

namespace {

// Enough of a VT100 for what the editor writes: printable bytes (a UTF-8 character is one
// cell), CR, LF, BEL, ESC [ n D (left), ESC [ K (erase to the end of the row).
class Screen final : public exos::TerminalOutput {
public:
    void write(const char* text, size_t length) override {
        for (size_t i = 0; i < length; ++i) put(static_cast<unsigned char>(text[i]));
    }
    std::string row() const {
        std::string text;
        for (const std::string& cell : rows_.back()) text += cell;
        return text;
    }
    size_t column() const { return column_; }
    size_t rows() const { return rows_.size(); }
    int bells = 0;
    std::string raw;

private:
    void put(unsigned char byte) {
        raw.push_back(static_cast<char>(byte));
        if (escape_ != 0) return sequence(byte);
        std::vector<std::string>& row = rows_.back();
        switch (byte) {
        case '\r': column_ = 0; return;
        case '\n': rows_.emplace_back(); column_ = 0; return;
        case '\a': ++bells; return;
        case 0x1b: escape_ = 1; return;
        default: break;
        }
        CHECK_TEXT(byte >= 0x20, "a control byte reached the screen");
        if ((byte & 0xc0) == 0x80 && column_ > 0) {  // continues the character before
            row[column_ - 1].push_back(static_cast<char>(byte));
            return;
        }
        if (column_ == row.size()) row.emplace_back();
        row[column_++] = std::string(1, static_cast<char>(byte));
    }
    void sequence(unsigned char byte) {
        if (escape_ == 1) {
            CHECK_EQUAL('[', byte);
            escape_ = 2;
            number_ = 0;
            return;
        }
        if (byte >= '0' && byte <= '9') {
            number_ = number_ * 10 + (byte - '0');
            return;
        }
        escape_ = 0;
        if (byte == 'D') {
            CHECK(number_ <= column_);
            column_ -= number_;
        } else if (byte == 'K') {
            rows_.back().resize(column_);
        } else {
            FAIL("an escape sequence the editor should not write");
        }
    }
    std::vector<std::vector<std::string>> rows_ = std::vector<std::vector<std::string>>(1);
    size_t column_ = 0;
    int escape_ = 0;
    size_t number_ = 0;
};

const std::string kUp = "\x1b[A", kDown = "\x1b[B", kRight = "\x1b[C", kLeft = "\x1b[D";

}  // namespace

TEST_GROUP(LineEditor) {
    Screen screen;
    exos::LineEditor editor{screen};
    std::vector<std::string> lines;
    int interrupts = 0;
    int ends = 0;
    void setup() override { editor.begin("> "); }
    void type(const std::string& keys) {
        for (unsigned char byte : keys) {
            switch (editor.feed(byte)) {
            case exos::LineEditor::Result::Line:
                lines.emplace_back(editor.line());
                editor.begin("> ");
                break;
            case exos::LineEditor::Result::Interrupt:
                ++interrupts;
                editor.begin("> ");
                break;
            case exos::LineEditor::Result::EndOfInput: ++ends; break;
            case exos::LineEditor::Result::Editing: break;
            }
        }
    }
    // The row being edited shows the prompt and the line, the cursor where the editor says.
    void check_screen(const std::string& shown, size_t cursor_column) {
        STRCMP_EQUAL(("> " + shown).c_str(), screen.row().c_str());
        UNSIGNED_LONGS_EQUAL(2 + cursor_column, screen.column());
    }
};

TEST(LineEditor, TypedTextIsEchoedAndEnterEndsTheLine) {
    type("ls /bin");
    check_screen("ls /bin", 7);
    type("\r");
    CHECK(lines == std::vector<std::string>{"ls /bin"});
    UNSIGNED_LONGS_EQUAL(2, screen.rows());
    check_screen("", 0);
    // A terminal that sends CR LF gives one line, not an extra empty one.
    type("ps\r\n");
    CHECK(lines == (std::vector<std::string>{"ls /bin", "ps"}));
    type("\n");
    CHECK(lines.back().empty());
}

TEST(LineEditor, BackspaceDeleteAndTheArrowsEditInTheMiddle) {
    type("cst\x7f\x7f" "at");
    check_screen("cat", 3);
    type(kLeft + kLeft + "x");
    check_screen("cxat", 2);
    type("\x08");
    check_screen("cat", 1);
    type("\x1b[3~");  // Delete: the character under the cursor
    check_screen("ct", 1);
    type(kRight + kRight + kRight + "s");  // Right stops at the end
    check_screen("cts", 3);
    type("\x01" "a");  // Ctrl-A: home
    check_screen("acts", 1);
    type("\x05" "!");  // Ctrl-E: end
    check_screen("acts!", 5);
    type("\x1b[H" "\x1b[4~" "?");  // Home, then End (the ~ form)
    check_screen("acts!?", 6);
    type("\r");
    STRCMP_EQUAL("acts!?", lines.back().c_str());
}

TEST(LineEditor, TheHistoryGoesBackAndForthAndKeepsTheDraft) {
    type("one\rtwo\rtwo\rdr");
    UNSIGNED_LONGS_EQUAL(2, editor.history_size());  // the repeated line is kept once
    type(kUp);
    check_screen("two", 3);
    type(kUp);
    check_screen("one", 3);
    type(kUp);
    UNSIGNED_LONGS_EQUAL(1, screen.bells);  // nothing older
    type(kDown);
    check_screen("two", 3);
    type(kDown);
    check_screen("dr", 2);  // the draft, as it was
    type(kUp + kUp + " more\r");
    STRCMP_EQUAL("one more", lines.back().c_str());
    STRCMP_EQUAL("one more", editor.history(0));
}

TEST(LineEditor, TheHistoryKeepsTheNewestSixteen) {
    for (int i = 0; i < 20; ++i) type("line " + std::to_string(i) + "\r");
    UNSIGNED_LONGS_EQUAL(exos::LineEditor::kHistory, editor.history_size());
    STRCMP_EQUAL("line 19", editor.history(0));
    STRCMP_EQUAL("line 4", editor.history(15));
    STRCMP_EQUAL("", editor.history(16));
}

TEST(LineEditor, ControlCAbandonsTheLineAndControlDEndsOnlyAnEmptyOne) {
    type("rm /important");
    type("\x03");
    UNSIGNED_LONGS_EQUAL(1, interrupts);
    CHECK(lines.empty());
    check_screen("", 0);
    type("ab" + kLeft + "\x04");  // Ctrl-D inside a line deletes
    check_screen("a", 1);
    UNSIGNED_LONGS_EQUAL(0, ends);
    type("\x15\x04");  // Ctrl-U clears, then Ctrl-D on the empty line
    UNSIGNED_LONGS_EQUAL(1, ends);
    check_screen("", 0);
}

TEST(LineEditor, ALineLongerThanTheBufferIsCutWithABell) {
    type(std::string(300, 'x'));
    UNSIGNED_LONGS_EQUAL(exos::LineEditor::kMaxLine, editor.length());
    UNSIGNED_LONGS_EQUAL(300 - exos::LineEditor::kMaxLine, screen.bells);
    type("\r");
    CHECK(lines.back() == std::string(exos::LineEditor::kMaxLine, 'x'));
}

TEST(LineEditor, StrayControlBytesAndBrokenSequencesNeverReachTheScreen) {
    type("a\x02\x07\x0e\x10\x1f" "b");
    check_screen("ab", 2);
    type("\x1b[200~" "\x1b[1;5C" "\x1bx" "\x1b[?25h" "\x1bO" "P" "c");
    check_screen("abc", 3);
    type("\x1b[\x01" "d");  // a sequence cut by a control byte ends there
    check_screen("abcd", 4);
    type("\r");
    STRCMP_EQUAL("abcd", lines.back().c_str());
}

TEST(LineEditor, Utf8CharactersAreEditedWhole) {
    type("Gr\xc3\xbc\xc3\x9f" "e");
    check_screen("Gr\xc3\xbc\xc3\x9f" "e", 5);
    type(kLeft + "\x7f");  // the whole two-byte character before the cursor
    check_screen("Gr\xc3\xbc" "e", 3);
    type("\r");
    STRCMP_EQUAL("Gr\xc3\xbc" "e", lines.back().c_str());
}

TEST(LineEditor, RedrawShowsTheLineAgainWithTheCursorInPlace) {
    type("kill 42" + kLeft + kLeft);
    screen.write("\r\n[spin] exited\r\n", 17);
    editor.redraw();
    check_screen("kill 42", 5);
}
