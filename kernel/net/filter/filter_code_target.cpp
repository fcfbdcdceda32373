// The compiled classifier's pages (filter_code_target.h). W^X: the window's mappings are
// read-only or read-and-execute, never writable; the code is written through the direct map
// (writable, never executable) into a half that is not executable at that moment.
#include "net/filter/filter_code_target.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/memory_layout.h"
#include "boot/panic.h"
#include "memory/kernel_memory.h"
#include "memory/page_table.h"
#include "net/filter/filter_compiler.h"

namespace exo {
namespace {

constexpr uint64_t kHalfPages = layout::kGeneratedCodePages / 2;
constexpr uint64_t kHalfBytes = kHalfPages * sv39::kPageSize;
constexpr uint64_t kWordsPerPage = sv39::kPageSize / sizeof(uint32_t);
static_assert(FilterCompiler::kMaxWords * sizeof(uint32_t) <= kHalfBytes,
              "a half of the window holds the largest compiled tree");

ExecutableFilterCode the_code;

uint64_t page_address(int half, uint64_t page) {
    return layout::kGeneratedCodeBase + static_cast<uint64_t>(half) * kHalfBytes +
           page * sv39::kPageSize;
}

sv39::Entry& window_entry(uint64_t virtual_address) {
    DirectMapTables tables;
    PageTable kernel(tables, kernel_root_pfn());
    sv39::Entry* entry = kernel.lookup(virtual_address);
    if (entry == nullptr) panic("generated code page %lx is not mapped", virtual_address);
    return *entry;
}

// Read-only or read-and-execute; the window's leaves are the kernel's own (global, accessed,
// dirty: no hardware update of either bit ever needs to write them).
void set_executable(int half, bool executable) {
    using namespace sv39::pte;
    uint64_t flags = kValid | kGlobal | kAccessed | kDirty | kRead | (executable ? kExecute : 0);
    for (uint64_t page = 0; page < kHalfPages; ++page) {
        uint64_t address = page_address(half, page);
        sv39::Entry& entry = window_entry(address);
        entry = sv39::Entry::leaf(entry.pfn(), flags);
        riscv::flush_tlb_kernel_page(address);
    }
}

}  // namespace

ExecutableFilterCode& kernel_filter_code() { return the_code; }

bool ExecutableFilterCode::load(const uint32_t* words, size_t count) {
    if (count == 0 || count * sizeof(uint32_t) > kHalfBytes) return false;
    int half = active_ == 0 ? 1 : 0;
    set_executable(half, false);  // already so, unless an earlier load stopped half-way
    for (uint64_t page = 0; page * kWordsPerPage < count; ++page) {
        auto* target = physical_to_virtual<uint32_t>(window_entry(page_address(half, page)).pfn()
                                                     << sv39::kPageShift);
        for (uint64_t i = 0; i < kWordsPerPage && page * kWordsPerPage + i < count; ++i)
            target[i] = words[page * kWordsPerPage + i];
    }
    riscv::fence_instructions();  // this hart fetches what was just stored
    set_executable(half, true);
    int old = active_;
    // Code address as a function pointer: the window's first word of this half is the entry.
    entry_ = reinterpret_cast<ClassifierEntry>(page_address(half, 0));
    active_ = half;
    if (old >= 0) set_executable(old, false);
    return true;
}

Classification ExecutableFilterCode::run(const uint8_t* packet, uint64_t length) const {
    if (entry_ == nullptr) return {};
    Classification result = entry_(packet, length);
    asm volatile("" : "+r"(result.exclusive), "+r"(result.shared_owners));  // see classify()
    return result;
}

uint64_t ExecutableFilterCode::executable_pages() {
    uint64_t pages = 0;
    for (uint64_t page = 0; page < layout::kGeneratedCodePages; ++page) {
        pages += (window_entry(layout::kGeneratedCodeBase + page * sv39::kPageSize).flags() &
                  sv39::pte::kExecute) != 0;
    }
    return pages;
}

bool ExecutableFilterCode::any_page_writable() {
    for (uint64_t page = 0; page < layout::kGeneratedCodePages; ++page) {
        if ((window_entry(layout::kGeneratedCodeBase + page * sv39::kPageSize).flags() &
             sv39::pte::kWrite) != 0)
            return true;
    }
    return false;
}

}  // namespace exo
