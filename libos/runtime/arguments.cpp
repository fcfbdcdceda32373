// Arguments from the parent (see arguments.h), and the call into main that passes them.
#include <exos/arguments.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace exos {

namespace {

char* vector[kMaxArguments + 1] = {};
int count = 0;
uint64_t frame = 0;

}  // namespace

bool write_arguments(ArgumentPage& page, int argc, const char* const* argv, uint64_t slots) {
    if (argc < 0 || static_cast<uint32_t>(argc) > kMaxArguments) return false;
    uint32_t used = 0;
    for (int i = 0; i < argc; ++i) {
        for (size_t j = 0;; ++j) {
            if (used == sizeof(page.text)) return false;
            page.text[used++] = argv[i][j];
            if (argv[i][j] == '\0') break;
        }
    }
    page.magic = kArgumentMagic;
    page.count = static_cast<uint32_t>(argc);
    page.bytes = used;
    page.slots = slots;
    return true;
}

bool arguments_valid(const ArgumentPage& page) {
    if (page.magic != kArgumentMagic || page.count > kMaxArguments ||
        page.bytes > sizeof(page.text)) {
        return false;
    }
    uint32_t strings = 0;
    for (uint32_t i = 0; i < page.bytes; ++i) strings += page.text[i] == '\0';
    return strings == page.count && (page.bytes == 0 || page.text[page.bytes - 1] == '\0');
}

int argument_count() { return count; }
char* const* argument_vector() { return vector; }
uint64_t argument_frame() { return frame; }

}  // namespace exos

namespace {

struct MainArguments {
    long argc;
    char* const* argv;
};

}  // namespace

// Called by _start (start.S) after the constructors: its two words come back in a0 and a1,
// where main(argc, argv) takes them.
extern "C" MainArguments exos_prepare_main() {
    using namespace exos;
    const volatile abi::SharedInfo& info = shared_info();
    if (info.initial_frame_count == 0) return {0, vector};
    uint64_t pfn = info.initial_frames[0];
    if (map(kArgumentsAddress, pfn, 1, abi::permission::kRead) != abi::Error::Ok)
        return {0, vector};
    const auto& page = *reinterpret_cast<const ArgumentPage*>(kArgumentsAddress);
    if (!arguments_valid(page)) {
        (void)unmap(kArgumentsAddress);
        return {0, vector};
    }
    frame = pfn;
    // read-only: the strings live in the mapped page, which main may not write.
    char* text = const_cast<char*>(page.text);
    for (uint32_t i = 0, at = 0; i < page.count; ++i) {
        vector[i] = text + at;
        while (text[at] != '\0') ++at;
        ++at;
    }
    count = static_cast<int>(page.count);
    for (uint64_t slot = 0; slot < 64; ++slot) {
        if (page.slots & (uint64_t{1} << slot)) (void)slice_reserve(slot);
    }
    return {count, vector};
}
