// The kernel's FilterCode: the compiled classifier in the generated-code window
// (arch/riscv64/memory_layout.h), in pages that are never writable and executable at once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/filter/filter_code.h"

namespace exo {

class ExecutableFilterCode final : public FilterCode {
public:
    // Writes the code into the half of the window not in use, through the direct map while
    // that half is not executable; fence.i; makes it executable; switches to it; makes the old
    // half non-executable. A frame classified meanwhile runs whole code, old or new.
    bool load(const uint32_t* words, size_t count) override;
    Classification run(const uint8_t* packet, uint64_t length) const override;
    // The code's entry (nullptr before the first load).
    ClassifierEntry entry() const override { return entry_; }
    // How many pages are executable now (the test of W^X counts them).
    static uint64_t executable_pages();
    // Whether a window page is writable by its mapping (never).
    static bool any_page_writable();

private:
    int active_ = -1;  // the half holding the loaded code, -1 before the first load
    ClassifierEntry entry_ = nullptr;
};

// The one instance over the window (one PacketFilters uses it at a time).
ExecutableFilterCode& kernel_filter_code();

}  // namespace exo
