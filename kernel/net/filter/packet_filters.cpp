// The installed packet filters (packet_filters.h). Every change decides first (verify, limits,
// overlap, compile) and only then changes the table, so a refused install leaves everything as
// it was.
#include "net/filter/packet_filters.h"

#include "net/filter/filter_interpreter.h"

namespace exo {
namespace {

constexpr uint32_t kIndexBits = 16;
constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr uint16_t kGenerationMask = 0x7fff;  // FilterId stays below 2^31

constexpr FilterId make_id(uint32_t index, uint16_t generation) {
    return uint32_t{generation} << kIndexBits | (index + 1);
}

}  // namespace

bool PacketFilters::attach_code(FilterCode* code) {
    code_ = code;
    set_compiled(false);
    return code_ != nullptr && load_code();
}

void PacketFilters::set_compiled(bool compiled) {
    compiled_ = compiled;
    entry_ = compiled ? code_->entry() : nullptr;
}

abi::Error PacketFilters::install(EnvironmentSlot owner, const abi::PacketFilter& filter,
                                  FilterId& id) {
    last_fault_ = FilterFault::None;
    if (owner >= kMaxOwners) return abi::Error::InvalidArgument;
    Filter canonical;
    last_fault_ = verify_filter(filter, canonical);
    if (last_fault_ != FilterFault::None) return abi::Error::InvalidArgument;
    if (count_ >= kMaxFilters || count(owner) >= kMaxFiltersPerOwner) return abi::Error::TooMany;
    if (abi::Error error = check_overlap(owner, canonical); error != abi::Error::Ok) return error;

    uint16_t index = 0;
    while (filters_[index].owner != kNoEnvironment) ++index;  // count_ < kMaxFilters: one is free
    InstalledFilter& entry = filters_[index];
    entry.filter = canonical;
    entry.owner = owner;
    insert_in_order(index);
    if (code_ != nullptr && !load_code()) {
        // The code in place still classifies for the table as it was: put the table back.
        remove_from_order(index);
        entry.owner = kNoEnvironment;
        return abi::Error::TooLarge;
    }
    entry.generation = static_cast<uint16_t>((entry.generation + 1) & kGenerationMask);
    id = make_id(index, entry.generation);
    add_claim(index);
    return abi::Error::Ok;
}

void PacketFilters::add_claim(uint16_t index) {
    const InstalledFilter& entry = filters_[index];
    std::optional<uint32_t> key = entry.filter.shared ? std::nullopt : claimed_port(entry.filter);
    claim_key_[index] = key ? *key : 0;
    if (!key) return;
    uint16_t& head = claim_head_[*key % kClaimBuckets];
    claim_next_[index] = head;
    head = static_cast<uint16_t>(index + 1);
}

void PacketFilters::drop_claim(uint16_t index) {
    if (claim_key_[index] == 0) return;
    for (uint16_t* link = &claim_head_[claim_key_[index] % kClaimBuckets]; *link != 0;
         link = &claim_next_[*link - 1]) {
        if (*link == index + 1) {
            *link = claim_next_[index];
            break;
        }
    }
    claim_key_[index] = 0;
    claim_next_[index] = 0;
}

abi::Error PacketFilters::remove(EnvironmentSlot owner, FilterId id) {
    if (find(owner, id) == nullptr) return abi::Error::NotOwner;
    auto index = static_cast<uint16_t>((id & kIndexMask) - 1);
    drop_claim(index);
    remove_from_order(index);
    filters_[index].owner = kNoEnvironment;
    // A smaller tree compiles to less code; were it ever not to fit, the tree walked in C++
    // classifies until code fits again.
    if (code_ != nullptr && !load_code()) set_compiled(false);
    return abi::Error::Ok;
}

void PacketFilters::remove_all(EnvironmentSlot owner) {
    if (owner == kNoEnvironment || count(owner) == 0) return;
    for (uint16_t index = 0; index < kMaxFilters; ++index) {
        if (filters_[index].owner != owner) continue;
        drop_claim(index);
        remove_from_order(index);
        filters_[index].owner = kNoEnvironment;
    }
    if (code_ != nullptr && !load_code()) set_compiled(false);
}

Classification PacketFilters::classify(const uint8_t* packet, uint64_t length) const {
    if (entry_ != nullptr) {
        Classification result = entry_(packet, length);
        // Not a tail call: GCC clears the registers a function used at its return, never before
        // a sibling call, which would leave this object's address in a3..a7.
        asm volatile("" : "+r"(result.exclusive), "+r"(result.shared_owners));
        return result;
    }
    if (compiled_) return code_->run(packet, length);
    return walk(packet, length);
}

Classification PacketFilters::interpret(const uint8_t* packet, uint64_t length) const {
    Classification result;
    for (uint32_t position = 0; position < count_; ++position) {
        uint32_t index = order_[position];
        const InstalledFilter& entry = filters_[index];
        if (!filter_accepts(entry.filter, packet, length)) continue;
        if (entry.filter.shared) {
            result.shared_owners |= uint64_t{1} << entry.owner;
        } else {
            result.exclusive = index + 1;
        }
    }
    return result;
}

Classification PacketFilters::walk(const uint8_t* packet, uint64_t length) const {
    return walk_tree(tree(), packet, length);
}

EnvironmentSlot PacketFilters::exclusive_owner(const Classification& result) const {
    if (result.exclusive == 0 || result.exclusive > kMaxFilters) return kNoEnvironment;
    return filters_[result.exclusive - 1].owner;
}

FilterId PacketFilters::exclusive_filter(const Classification& result) const {
    if (exclusive_owner(result) == kNoEnvironment) return 0;
    auto index = static_cast<uint32_t>(result.exclusive - 1);
    return make_id(index, filters_[index].generation);
}

bool PacketFilters::claims(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const {
    if (owner == kNoEnvironment) return false;
    const uint32_t key = port_claim_key(protocol, port);
    for (uint16_t link = claim_head_[key % kClaimBuckets]; link != 0;
         link = claim_next_[link - 1]) {
        if (claim_key_[link - 1] == key && filters_[link - 1].owner == owner) return true;
    }
    return false;
}

bool PacketFilters::claims_walked(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const {
    if (owner == kNoEnvironment) return false;
    for (const InstalledFilter& entry : filters_) {
        if (entry.owner == owner && !entry.filter.shared &&
            requires_port(entry.filter, protocol, port))
            return true;
    }
    return false;
}

uint32_t PacketFilters::count(EnvironmentSlot owner) const {
    uint32_t owned = 0;
    for (const InstalledFilter& entry : filters_) owned += entry.owner == owner ? 1 : 0;
    return owner == kNoEnvironment ? 0 : owned;
}

const InstalledFilter* PacketFilters::find(EnvironmentSlot owner, FilterId id) const {
    uint32_t number = id & kIndexMask;
    if (owner == kNoEnvironment || number == 0 || number > kMaxFilters) return nullptr;
    const InstalledFilter& entry = filters_[number - 1];
    if (entry.owner != owner || entry.generation != id >> kIndexBits) return nullptr;
    return &entry;
}

abi::Error PacketFilters::check_overlap(EnvironmentSlot owner, const Filter& filter) const {
    bool group_only = accepts_only_group_frames(filter);
    for (uint32_t position = 0; position < count_; ++position) {
        const InstalledFilter& other = filters_[order_[position]];
        if (filters_disjoint(filter, other.filter)) continue;
        if (!filter.shared && !other.filter.shared)
            return other.owner == owner ? abi::Error::AlreadyExists : abi::Error::Overlaps;
        if (other.owner == owner) continue;  // an environment may copy its own traffic
        // A shared filter copies frames; it may not copy another environment's unicast
        // traffic, whichever of the two came first.
        if (filter.shared && !other.filter.shared && !group_only) return abi::Error::Overlaps;
        if (!filter.shared && other.filter.shared && !accepts_only_group_frames(other.filter))
            return abi::Error::Overlaps;
    }
    return abi::Error::Ok;
}

void PacketFilters::insert_in_order(uint16_t index) {
    const Filter& filter = filters_[index].filter;
    uint32_t low = 0, high = count_;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (compare_filters(filters_[order_[middle]].filter, filter) <= 0) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    for (uint32_t position = count_; position > low; --position)
        order_[position] = order_[position - 1];
    order_[low] = index;
    ++count_;
}

void PacketFilters::remove_from_order(uint16_t index) {
    uint32_t position = 0;
    while (position < count_ && order_[position] != index) ++position;
    for (; position + 1 < count_; ++position) order_[position] = order_[position + 1];
    --count_;
}

bool PacketFilters::load_code() {
    size_t words = compiler_.compile(tree(), words_);
    if (words == 0 || !code_->load(words_, words)) return false;
    set_compiled(true);
    code_words_ = words;
    return true;
}

}  // namespace exo
