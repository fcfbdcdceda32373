// Environment address spaces and the checked copies between user and kernel memory.
#include "environment.h"

#include "arch/riscv64/csr.h"
#include "elf_loader.h"
#include "kernel_memory.h"
#include "page_table.h"

namespace exo {
namespace {

using namespace sv39::pte;

class BootEnvironmentTables final : public DirectMapTables {
public:
    explicit BootEnvironmentTables(BootMemory& memory) : memory_(memory) {}
    std::optional<uint64_t> allocate_table() override {
        std::optional<uint64_t> frame = memory_.allocate_frame();
        if (!frame) return std::nullopt;
        auto* entries = physical_to_virtual<sv39::Entry>(*frame);
        for (uint64_t i = 0; i < sv39::kEntriesPerTable; ++i) entries[i] = {};
        return *frame >> sv39::kPageShift;
    }

private:
    BootMemory& memory_;
};

void copy_bytes(std::byte* to, const std::byte* from, size_t size) {
    for (size_t i = 0; i < size; ++i) to[i] = from[i];
}

}  // namespace

uint64_t environment_satp(const Environment& environment) {
    return sv39::make_satp(environment.root_pfn, environment.asid);
}

abi::Error load_environment(Environment& environment, const char* name,
                            std::span<const std::byte> image, BootMemory& memory) {
    ElfImage elf;
    if (ElfError error = parse_elf(image, kUserStackTop - kUserStackPages * sv39::kPageSize, elf);
        error != ElfError::None) {
        return abi::Error::InvalidArgument;
    }
    BootEnvironmentTables tables(memory);
    std::optional<uint64_t> root = tables.allocate_table();
    if (!root) return abi::Error::NoMemory;
    // The upper half is the kernel's, identical in every address space.
    sv39::Entry* root_entries = tables.table(*root);
    const sv39::Entry* kernel_entries = tables.table(kernel_root_pfn());
    for (unsigned i = 256; i < sv39::kEntriesPerTable; ++i) root_entries[i] = kernel_entries[i];
    PageTable table(tables, *root);

    for (uint32_t s = 0; s < elf.segment_count; ++s) {
        const ElfSegment& segment = elf.segments[s];
        uint64_t flags = kUser | kAccessed | kDirty | (segment.readable ? kRead : 0) |
                         (segment.writable ? kWrite : 0) | (segment.executable ? kExecute : 0);
        uint64_t first = segment.virtual_address & ~(sv39::kPageSize - 1);
        uint64_t end = segment.virtual_address + segment.memory_size;
        for (uint64_t page = first; page < end; page += sv39::kPageSize) {
            std::optional<uint64_t> frame = memory.allocate_frame();
            if (!frame) return abi::Error::NoMemory;
            auto* bytes = physical_to_virtual<std::byte>(*frame);
            for (uint64_t i = 0; i < sv39::kPageSize; ++i) bytes[i] = std::byte{0};
            // The part of this page that the file supplies.
            uint64_t file_end = segment.virtual_address + segment.file_size;
            uint64_t copy_start = page < segment.virtual_address ? segment.virtual_address : page;
            uint64_t copy_end = page + sv39::kPageSize < file_end ? page + sv39::kPageSize : file_end;
            if (copy_start < copy_end) {
                copy_bytes(bytes + (copy_start - page),
                           image.data() + segment.file_offset +
                               (copy_start - segment.virtual_address),
                           copy_end - copy_start);
            }
            abi::Error error = table.map(page, *frame >> sv39::kPageShift, flags);
            if (error != abi::Error::Ok) return error;
        }
    }
    for (uint64_t page = kUserStackTop - kUserStackPages * sv39::kPageSize; page < kUserStackTop;
         page += sv39::kPageSize) {
        std::optional<uint64_t> frame = memory.allocate_frame();
        if (!frame) return abi::Error::NoMemory;
        auto* bytes = physical_to_virtual<std::byte>(*frame);
        for (uint64_t i = 0; i < sv39::kPageSize; ++i) bytes[i] = std::byte{0};
        abi::Error error = table.map(page, *frame >> sv39::kPageShift,
                                     kUser | kRead | kWrite | kAccessed | kDirty);
        if (error != abi::Error::Ok) return error;
    }

    environment = Environment{};
    environment.root_pfn = *root;
    environment.asid = 1;
    for (size_t i = 0; name[i] && i + 1 < sizeof(environment.name); ++i) environment.name[i] = name[i];
    environment.frame.pc() = elf.entry;
    environment.frame.x[riscv::reg::sp] = kUserStackTop;
    // sret drops to U-mode (SPP = 0) with interrupts on (SPIE = 1) and the FPU usable.
    environment.frame.sstatus = riscv::sstatus::kSpie | riscv::sstatus::kFsInitial;
    return abi::Error::Ok;
}

abi::Error copy_from_user(const Environment& environment, uint64_t user_address, void* destination,
                          size_t size) {
    if (user_address >= sv39::kUserTop || size > sv39::kUserTop - user_address) {
        return abi::Error::BadAddress;
    }
    DirectMapTables tables;
    PageTable table(tables, environment.root_pfn);
    auto* out = static_cast<std::byte*>(destination);
    while (size > 0) {
        int level = 0;
        const sv39::Entry* entry = table.lookup(user_address, &level);
        if (entry == nullptr || (entry->flags() & (kUser | kRead)) != (kUser | kRead)) {
            return abi::Error::BadAddress;
        }
        uint64_t page_size = sv39::page_size_at(level);
        uint64_t offset = user_address & (page_size - 1);
        uint64_t chunk = page_size - offset < size ? page_size - offset : size;
        copy_bytes(out, physical_to_virtual<std::byte>((entry->pfn() << sv39::kPageShift) + offset),
                   chunk);
        out += chunk;
        user_address += chunk;
        size -= chunk;
    }
    return abi::Error::Ok;
}

}  // namespace exo
