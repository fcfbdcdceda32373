// Secure bindings of frames into an environment's user half (see address_space.h).
#include "memory/address_space.h"

#include <abi/shared_info.h>

#include <array>

#include "cpu/interrupt_table.h"
#include "memory/address_space_fast.h"
#include "memory/page_table.h"

namespace exo::address_space {

using abi::Error;
using sv39::Entry;
namespace pte = sv39::pte;

namespace {

// Page-table memory for one address space: new nodes come from its donated reserve.
class ReserveTables final : public PageTableMemory {
public:
    ReserveTables(MemorySystem& memory, AddressSpace& space) : memory_(memory), space_(space) {}

    Entry* table(uint64_t pfn) override {
        return reinterpret_cast<Entry*>(memory_.physical.frame(pfn));
    }
    std::optional<uint64_t> allocate_table() override {
        if (space_.table_reserve_count == 0) return std::nullopt;
        uint64_t pfn = space_.table_reserve[--space_.table_reserve_count];
        Entry* entries = table(pfn);
        for (uint64_t i = 0; i < sv39::kEntriesPerTable; ++i) entries[i] = {};
        FrameEntry* frame = memory_.frames.find(pfn);
        frame->flags = static_cast<uint8_t>((frame->flags & ~frame_flag::kTableReserve) |
                                            frame_flag::kPageTable);
        return pfn;
    }

private:
    MemorySystem& memory_;
    AddressSpace& space_;
};

constexpr uint64_t kPage = sv39::kPageSize;

Entry* table_at(MemorySystem& memory, uint64_t pfn) {
    return reinterpret_cast<Entry*>(memory.physical.frame(pfn));
}

// The level-0 table covering virtual_address (user half), or nullptr when it does not exist.
[[gnu::always_inline]] inline Entry* leaf_table(MemorySystem& memory, const AddressSpace& space,
                                                uint64_t virtual_address) {
    const Entry& top = table_at(memory, space.root_pfn)[sv39::index_at(virtual_address, 2)];
    if (!top.is_table()) return nullptr;
    const Entry& middle = table_at(memory, top.pfn())[sv39::index_at(virtual_address, 1)];
    if (!middle.is_table()) return nullptr;
    return table_at(memory, middle.pfn());
}


// leaf_table through the cache (the caller has checked the range).
[[gnu::always_inline]] inline Entry* cached_leaf_table(MemorySystem& memory,
                                                       const AddressSpace& space,
                                                       uint64_t virtual_address) {
    uint64_t megapage = virtual_address >> 21;
    if (megapage == space.cached_megapage) {
        return reinterpret_cast<Entry*>(space.cached_bias + (megapage << 12));
    }
    Entry* table = leaf_table(memory, space, virtual_address);
    if (table != nullptr && fast::cacheable_megapage(megapage)) {
        space.cached_megapage = megapage;
        space.cached_bias = reinterpret_cast<uintptr_t>(table) - (megapage << 12);
    }
    return table;
}


Entry* existing_slot(MemorySystem& memory, const AddressSpace& space, uint64_t virtual_address) {
    Entry* table = cached_leaf_table(memory, space, virtual_address);
    return table ? &table[sv39::index_at(virtual_address, 0)] : nullptr;
}


// Remembers the last level-0 table found, so a check pass and the pass that acts on the same
// pages walk the upper levels once per 2 MiB between them.
struct TableCursor {
    uint64_t megapage = ~uint64_t{0};
    Entry* table = nullptr;

    Entry* slot(MemorySystem& memory, const AddressSpace& space, uint64_t va) {
        if ((va >> 21) != megapage) {
            megapage = va >> 21;
            table = cached_leaf_table(memory, space, va);
        }
        return table ? &table[sv39::index_at(va, 0)] : nullptr;
    }
};

// Visits the level-0 slot of each of `count` pages from virtual_address. Stops early
// (returning false) when visit returns false.
template <typename Visit>
bool for_each_slot(MemorySystem& memory, const AddressSpace& space, TableCursor& cursor,
                   uint64_t virtual_address, uint64_t count, Visit&& visit) {
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t va = virtual_address + i * kPage;
        if (!visit(va, cursor.slot(memory, space, va))) return false;
    }
    return true;
}

bool is_bound(const Entry* slot) {
    return slot != nullptr && (slot->raw & (pte::kValid | kPteNoAccess));
}

// Page-table nodes a map of [virtual_address, +count pages) would have to create.
uint64_t tables_needed(MemorySystem& memory, const AddressSpace& space, uint64_t virtual_address,
                       uint64_t count) {
    auto* root = reinterpret_cast<Entry*>(memory.physical.frame(space.root_pfn));
    uint64_t end = virtual_address + count * kPage;
    uint64_t needed = 0;
    uint64_t last_missing_gigabyte = ~0ull;
    for (uint64_t chunk = virtual_address & ~(sv39::kMegaPageSize - 1); chunk < end;
         chunk += sv39::kMegaPageSize) {
        const Entry& top = root[sv39::index_at(chunk, 2)];
        if (!top.valid()) {
            if (sv39::index_at(chunk, 2) != last_missing_gigabyte) {
                last_missing_gigabyte = sv39::index_at(chunk, 2);
                ++needed;
            }
            ++needed;
            continue;
        }
        auto* middle = reinterpret_cast<Entry*>(memory.physical.frame(top.pfn()));
        if (!middle[sv39::index_at(chunk, 1)].valid()) ++needed;
    }
    return needed;
}

// Checks a frame for a user mapping with `permissions`: the caller's own frame, or one granted
// to it with at least those permissions.
Error check_frame(MemorySystem& memory, EnvironmentSlot slot, uint64_t pfn, uint64_t permissions) {
    if (!memory.frames.contains(pfn)) {
        // Outside RAM: only the registers of a device this environment claimed, never X.
        bool device = memory.devices && memory.devices->owns_device_frame(pfn, slot);
        if (!device) return Error::NotOwner;
        return (permissions & abi::permission::kExecute) ? Error::BadPermission : Error::Ok;
    }
    Error error = memory.frames.check_mappable_by_owner(pfn, slot);
    if (error != Error::NotOwner) return error;
    const Grant* grant = memory.grants.find(pfn, slot);
    if (grant == nullptr) return Error::NotOwner;
    // A grant speaks only for a frame its owner still holds as an ordinary frame: never for one
    // that has since become a page table, a donated table frame or someone else's.
    const FrameEntry* frame = memory.frames.find(pfn);
    if (frame->state != abi::FrameState::Owned || frame->owner != grant->owner)
        return Error::NotOwner;
    if (frame->flags & frame_flag::kKernelBound) return Error::FrameInUse;
    if ((permissions & ~uint64_t{grant->permissions}) != 0) return Error::BadPermission;
    if (frame->map_count == FrameTable::kMaxCount) return Error::TooMany;
    return Error::Ok;
}

inline Error check_range(uint64_t virtual_address, uint64_t count) {
    if (virtual_address & (kPage - 1)) return Error::Misaligned;
    if (count == 0 || count > abi::kMaxBatchPages) return Error::InvalidArgument;
    if (!in_user_range(virtual_address, count)) return Error::OutOfRange;
    return Error::Ok;
}

inline void flush(MemorySystem& memory, const AddressSpace& space, uint64_t virtual_address,
           uint64_t count) {
    if (count > kFlushPagesLimit) {
        memory.tlb.flush_address_space(space.asid);
        return;
    }
    for (uint64_t i = 0; i < count; ++i)
        memory.tlb.flush_page(virtual_address + i * kPage, space.asid);
}

}  // namespace

bool valid_permissions(uint64_t permissions) {
    return (permissions & ~abi::permission::kAll) == 0 &&
           sv39::is_valid_leaf_permission(user_pte_flags(permissions));
}

uint64_t user_pte_flags(uint64_t permissions) {
    return pte::kUser | ((permissions & abi::permission::kRead) ? pte::kRead : 0) |
           ((permissions & abi::permission::kWrite) ? pte::kWrite : 0) |
           ((permissions & abi::permission::kExecute) ? pte::kExecute : 0);
}

bool in_user_range(uint64_t virtual_address, uint64_t count) {
    if (virtual_address < abi::kUserMinimum || virtual_address >= abi::kUserTop) return false;
    if (count > (abi::kUserTop - virtual_address) >> sv39::kPageShift) return false;
    // The shared info page belongs to the kernel's bindings: never remapped by the environment.
    uint64_t end = virtual_address + count * kPage;
    return !(virtual_address <= abi::kSharedInfoAddress && abi::kSharedInfoAddress < end);
}

void create(MemorySystem& memory, AddressSpace& space, uint64_t root_pfn, EnvironmentSlot slot,
            uint16_t asid, const Entry* kernel_root) {
    space = AddressSpace{};
    space.root_pfn = root_pfn;
    space.slot = slot;
    space.asid = asid;
    auto* root = reinterpret_cast<Entry*>(memory.physical.frame(root_pfn));
    for (unsigned i = 0; i < sv39::kEntriesPerTable / 2; ++i) root[i] = {};
    for (unsigned i = sv39::kEntriesPerTable / 2; i < sv39::kEntriesPerTable; ++i) {
        root[i] = kernel_root ? kernel_root[i] : Entry{};
    }
    memory.frames.find(root_pfn)->flags |= frame_flag::kPageTable;
}

Error donate_table_frame(MemorySystem& memory, AddressSpace& space, uint64_t pfn) {
    if (Error error = memory.frames.check_freeable(pfn, space.slot); error != Error::Ok) {
        return error;
    }
    if (memory.frames.find(pfn)->flags & frame_flag::kEssential) return Error::FrameInUse;
    // A granted frame cannot become a page table: the grantee could map the table.
    if (memory.grants.any_for(pfn)) return Error::FrameInUse;
    if (space.table_reserve_count == kTableReserveCapacity) return Error::TooMany;
    memory.frames.find(pfn)->flags |= frame_flag::kTableReserve;
    space.table_reserve[space.table_reserve_count++] = pfn;
    return Error::Ok;
}

namespace {


// Out of line, so the fast paths' callers need no stack frame: the general paths below.
[[gnu::noinline]] Error map_general(MemorySystem& memory, AddressSpace& space,
                                    uint64_t virtual_address, uint64_t first_pfn, uint64_t count,
                                    uint64_t permissions) {
    // Decode: every check before any change.
    if (Error error = check_range(virtual_address, count); error != Error::Ok) return error;
    if (!valid_permissions(permissions)) return Error::BadPermission;
    if (first_pfn + count < first_pfn) return Error::InvalidArgument;
    Error refused = Error::Ok;
    TableCursor cursor;
    for_each_slot(
        memory, space, cursor, virtual_address, count, [&](uint64_t va, const Entry* slot) {
            refused = check_frame(memory, space.slot, first_pfn + (va - virtual_address) / kPage,
                                  permissions);
            if (refused == Error::Ok && is_bound(slot)) refused = Error::AlreadyMapped;
            return refused == Error::Ok;
        });
    if (refused != Error::Ok) return refused;
    if (tables_needed(memory, space, virtual_address, count) > space.table_reserve_count) {
        return Error::NoMemory;
    }
    // Perform: nothing below can fail.
    ReserveTables tables(memory, space);
    PageTable table(tables, space.root_pfn);
    for (uint64_t i = 0; i < count; ++i) {
        Error error;
        Entry* slot = table.walk(virtual_address + i * kPage, 0, true, error);
        FrameEntry* frame = memory.frames.find(first_pfn + i);
        // check_frame passed: a frame Owned by the caller is its own, anything else a grant or
        // a device page.
        bool own = frame != nullptr && frame->state == abi::FrameState::Owned &&
                   frame->owner == space.slot;
        *slot = Entry::leaf(first_pfn + i, user_pte_flags(permissions));
        if (own) slot->raw |= kPteOwnFrame;
        if (frame) ++frame->map_count;
    }
    flush(memory, space, virtual_address, count);
    return Error::Ok;
}

}  // namespace

Error map(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address, uint64_t first_pfn,
          uint64_t count, uint64_t permissions) {
    if (fast::map(memory.frames, memory.tlb, space, virtual_address, first_pfn, count,
                  permissions)) {
        return Error::Ok;
    }
    return map_general(memory, space, virtual_address, first_pfn, count, permissions);
}

Error map_for_kernel(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                     uint64_t pfn, uint64_t pte_flags) {
    ReserveTables tables(memory, space);
    PageTable table(tables, space.root_pfn);
    Error error = table.map(virtual_address, pfn, pte_flags);
    if (error == Error::Ok) ++memory.frames.find(pfn)->map_count;
    return error;
}

namespace {

[[gnu::noinline]] Error unmap_general(MemorySystem& memory, AddressSpace& space,
                                      uint64_t virtual_address, uint64_t count) {
    if (Error error = check_range(virtual_address, count); error != Error::Ok) return error;
    TableCursor cursor;
    if (!for_each_slot(memory, space, cursor, virtual_address, count,
                       [](uint64_t, const Entry* slot) { return is_bound(slot); })) {
        return Error::NotMapped;
    }
    for_each_slot(memory, space, cursor, virtual_address, count, [&](uint64_t, Entry* slot) {
        if (FrameEntry* frame = memory.frames.find(slot->pfn())) --frame->map_count;
        *slot = {};
        return true;
    });
    flush(memory, space, virtual_address, count);
    return Error::Ok;
}

}  // namespace

Error unmap(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address, uint64_t count) {
    if (fast::unmap(memory.frames, memory.tlb, space, virtual_address, count)) return Error::Ok;
    return unmap_general(memory, space, virtual_address, count);
}

namespace {


[[gnu::noinline]] Error protect_general(MemorySystem& memory, AddressSpace& space,
                                        uint64_t virtual_address, uint64_t count,
                                        uint64_t permissions) {
    if (Error error = check_range(virtual_address, count); error != Error::Ok) return error;
    if (permissions != 0 && !valid_permissions(permissions)) return Error::BadPermission;
    uint64_t flags = fast::flags_for(permissions);
    Error refused = Error::Ok;
    TableCursor cursor;
    for_each_slot(memory, space, cursor, virtual_address, count, [&](uint64_t, const Entry* slot) {
        if (!is_bound(slot)) {
            refused = Error::NotMapped;
            return false;
        }
        if (slot->raw & kPteOwnFrame) return true;
        // A granted frame keeps within its grant; an owned one may take any permission; a
        // device page never becomes executable.
        const FrameEntry* frame = memory.frames.find(slot->pfn());
        if (frame == nullptr) {
            if (permissions & abi::permission::kExecute) {
                refused = Error::BadPermission;
                return false;
            }
        } else if (frame->owner != space.slot) {
            const Grant* grant = memory.grants.find(slot->pfn(), space.slot);
            if (grant == nullptr || (permissions & ~uint64_t{grant->permissions})) {
                refused = Error::BadPermission;
                return false;
            }
        }
        return true;
    });
    if (refused != Error::Ok) return refused;
    for_each_slot(memory, space, cursor, virtual_address, count, [&](uint64_t, Entry* slot) {
        slot->raw = (slot->raw & fast::kKeptOnProtect) | flags;
        return true;
    });
    flush(memory, space, virtual_address, count);
    return Error::Ok;
}

}  // namespace

Error protect(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address, uint64_t count,
              uint64_t permissions) {
    if (fast::protect(memory.tlb, space, virtual_address, count, permissions)) return Error::Ok;
    return protect_general(memory, space, virtual_address, count, permissions);
}

namespace {

[[gnu::noinline]] uint64_t read_entry_general(MemorySystem& memory, const AddressSpace& space,
                                              uint64_t virtual_address) {
    if (virtual_address >= abi::kUserTop) return 0;
    const Entry* slot = existing_slot(memory, space, virtual_address);
    return slot ? slot->raw : 0;
}

}  // namespace

uint64_t read_entry(MemorySystem& memory, const AddressSpace& space, uint64_t virtual_address) {
    if (const Entry* slot = fast::cached_slot(space, virtual_address)) return slot->raw;
    return read_entry_general(memory, space, virtual_address);
}

bool settle_access(MemorySystem& memory, AddressSpace& space, uint64_t virtual_address,
                   Access access) {
    if (virtual_address >= abi::kUserTop) return false;
    Entry* slot = existing_slot(memory, space, virtual_address & ~(kPage - 1));
    if (slot == nullptr || !slot->is_leaf() || !(slot->raw & pte::kUser)) return false;
    uint64_t needed = access == Access::Fetch ? pte::kExecute
                      : access == Access::Load ? pte::kRead
                                               : pte::kWrite;
    if (!(slot->raw & needed)) return false;
    slot->raw |= pte::kAccessed | (access == Access::Store ? pte::kDirty : 0);
    memory.tlb.flush_page(virtual_address & ~(kPage - 1), space.asid);
    return true;
}

uint64_t unmap_frame(MemorySystem& memory, AddressSpace& space, uint64_t pfn) {
    uint64_t removed = 0;
    auto* root = reinterpret_cast<Entry*>(memory.physical.frame(space.root_pfn));
    for (unsigned i2 = 0; i2 < sv39::kEntriesPerTable / 2; ++i2) {
        if (!root[i2].is_table()) continue;
        auto* middle = reinterpret_cast<Entry*>(memory.physical.frame(root[i2].pfn()));
        for (unsigned i1 = 0; i1 < sv39::kEntriesPerTable; ++i1) {
            if (!middle[i1].is_table()) continue;
            auto* last = reinterpret_cast<Entry*>(memory.physical.frame(middle[i1].pfn()));
            for (unsigned i0 = 0; i0 < sv39::kEntriesPerTable; ++i0) {
                if (!is_bound(&last[i0]) || last[i0].pfn() != pfn) continue;
                last[i0] = {};
                if (FrameEntry* frame = memory.frames.find(pfn)) --frame->map_count;
                ++removed;
                uint64_t va = (uint64_t{i2} << 30) | (uint64_t{i1} << 21) | (uint64_t{i0} << 12);
                memory.tlb.flush_page(va, space.asid);
            }
        }
    }
    return removed;
}

void tear_down(MemorySystem& memory, AddressSpace& space) {
    visit(
        memory, space,
        [&](uint64_t pfn) {
            if (FrameEntry* frame = memory.frames.find(pfn)) --frame->map_count;
        },
        [](uint64_t) {});
    memory.tlb.flush_address_space(space.asid);
}

}  // namespace exo::address_space
