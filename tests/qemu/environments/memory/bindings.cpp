// Secure bindings under attack: every refused mapping, free and grant is checked for its exact
// error, the kernel's audit runs after each step, and destroying a child returns its frames.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../check.h"

namespace {

using abi::Error;
namespace permission = abi::permission;
constexpr uint64_t RW = permission::kRead | permission::kWrite;
constexpr uint64_t kSleeperImage = 1;
constexpr uint64_t kQuickExitImage = 2;
constexpr uint64_t kBase = 0x20000000;

exos::FramePool pool;

uint64_t take() {
    std::optional<uint64_t> frame = pool.take();
    EXPECT(frame.has_value());
    return frame.value_or(0);
}

uint64_t state_of(uint64_t pfn) {
    return static_cast<uint64_t>(abi::frame_info_state(exos::frame_query(pfn)));
}

void mapping_checks() {
    for (int i = 0; i < 4; ++i) EXPECT(exos::page_table_donate(take()) == Error::Ok);
    uint64_t own = take();
    uint64_t spare = take();
    EXPECT(exos::map(kBase, own, 1, RW) == Error::Ok);
    *reinterpret_cast<volatile uint64_t*>(kBase) = 0x5eed;
    EXPECT(*reinterpret_cast<volatile uint64_t*>(kBase) == 0x5eed);
    EXPECT(abi::frame_info_map_count(exos::frame_query(own)) == 1);

    // Frames that are not ours: the kernel image, OpenSBI, a device, past the end of RAM.
    EXPECT(exos::map(kBase + 0x1000, 0x80200, 1, permission::kRead) == Error::NotOwner);
    EXPECT(exos::map(kBase + 0x1000, 0x80000, 1, permission::kRead) == Error::NotOwner);
    EXPECT(exos::map(kBase + 0x1000, 0x10000, 1, RW) == Error::NotOwner);
    EXPECT(exos::map(kBase + 0x1000, 0x0c000, 1, RW) == Error::NotOwner);
    EXPECT(exos::map(kBase + 0x1000, 0x100000, 1, RW) == Error::NotOwner);
    // Addresses that are not the user half, or are the kernel's fixed pages.
    EXPECT(exos::map(0xffffffc080000000, spare, 1, RW) == Error::OutOfRange);
    EXPECT(exos::map(0xffffffff80200000, spare, 1, RW) == Error::OutOfRange);
    EXPECT(exos::map(abi::kUserTop, spare, 1, RW) == Error::OutOfRange);
    EXPECT(exos::map(abi::kUserTop - 0x1000, spare, 2, RW) == Error::OutOfRange);
    EXPECT(exos::map(0x8000, spare, 1, RW) == Error::OutOfRange);
    EXPECT(exos::map(abi::kSharedInfoAddress, spare, 1, RW) == Error::OutOfRange);
    EXPECT(exos::map(kBase + 0x1001, spare, 1, RW) == Error::Misaligned);
    // Permissions: write without read is reserved; unknown bits are refused.
    EXPECT(exos::map(kBase + 0x1000, spare, 1, permission::kWrite) == Error::BadPermission);
    EXPECT(exos::map(kBase + 0x1000, spare, 1, permission::kWrite | permission::kExecute) ==
           Error::BadPermission);
    EXPECT(exos::map(kBase + 0x1000, spare, 1, 8) == Error::BadPermission);
    EXPECT(exos::map(kBase + 0x1000, spare, 0, RW) == Error::InvalidArgument);
    EXPECT(exos::map(kBase + 0x1000, spare, abi::kMaxBatchPages + 1, RW) == Error::InvalidArgument);
    EXPECT(exos::map(kBase, spare, 1, RW) == Error::AlreadyMapped);
    // A batch whose second frame is not ours changes nothing, not even the first page.
    uint64_t my_slot = (exos::shared_info().environment_id & 0xffff) - 1;
    uint64_t edge = take();
    while (abi::frame_info_state(exos::frame_query(edge + 1)) == abi::FrameState::Owned &&
           abi::frame_info_owner_slot(exos::frame_query(edge + 1)) == my_slot) {
        edge = take();
    }
    EXPECT(exos::map(kBase + 0x1000, edge, 2, RW) == Error::NotOwner);
    EXPECT(exos::pte_read(kBase + 0x1000) == 0);
    EXPECT(abi::frame_info_map_count(exos::frame_query(edge)) == 0);
    EXPECT_AUDIT_CLEAN("refused mappings");

    // Frees: while mapped, then properly, then twice; kernel frames never.
    EXPECT(exos::frame_free(own) == Error::FrameInUse);
    EXPECT(exos::unmap(kBase) == Error::Ok);
    EXPECT(exos::unmap(kBase) == Error::NotMapped);
    EXPECT(exos::frame_free(own) == Error::Ok);
    EXPECT(exos::frame_free(own) == Error::NotOwner);
    EXPECT(exos::frame_free(0x80200) == Error::NotOwner);
    EXPECT(exos::frame_free(0x80000) == Error::NotOwner);
    EXPECT(exos::frame_alloc(0x80200).error == Error::FrameNotFree);
    EXPECT(exos::frame_alloc(0x80000).error == Error::FrameNotFree);
    EXPECT(exos::frame_alloc(0x10000).error == Error::OutOfRange);
    EXPECT(state_of(0x80200) == static_cast<uint64_t>(abi::FrameState::Kernel));
    EXPECT(state_of(0x80000) == static_cast<uint64_t>(abi::FrameState::Reserved));

    // Page-table frames: a mapping in a new gigabyte takes donated frames as tables.
    uint64_t table = take();
    EXPECT(exos::page_table_donate(table) == Error::Ok);
    EXPECT(exos::frame_free(table) == Error::FrameInUse);
    EXPECT(exos::map(0x1000000000, spare, 1, RW) == Error::Ok);
    EXPECT(exos::map(kBase + 0x2000, table, 1, RW) == Error::FrameInUse);
    EXPECT(exos::unmap(0x1000000000) == Error::Ok);
    EXPECT_AUDIT_CLEAN("frees and page tables");
}

void child_checks() {
    // Create a child by hand to know which frame became its root page table.
    exos::SyscallReturn probe = exos::environment_create(kSleeperImage, nullptr, 0);
    EXPECT(probe.error == Error::NoMemory);
    uint64_t count = probe.value + 4;
    uint64_t frames[64];
    for (uint64_t i = 0; i < count; ++i) frames[i] = take();
    // Hostile creates: a frame listed twice, a frame that is not ours, an unknown image.
    uint64_t saved = frames[1];
    frames[1] = frames[0];
    EXPECT(exos::environment_create(kSleeperImage, frames, count).error == Error::InvalidArgument);
    frames[1] = 0x80200;
    EXPECT(exos::environment_create(kSleeperImage, frames, count).error == Error::NotOwner);
    frames[1] = saved;
    EXPECT(exos::environment_create(99, frames, count).error == Error::InvalidArgument);
    EXPECT(exos::environment_create(kSleeperImage, reinterpret_cast<uint64_t*>(0xffffffc080000000),
                                    count)
               .error == Error::BadAddress);
    EXPECT_AUDIT_CLEAN("refused creates");

    exos::SyscallReturn created = exos::environment_create(kSleeperImage, frames, count);
    EXPECT(created.error == Error::Ok);
    uint64_t child = created.value;
    EXPECT(exos::map(kBase + 0x3000, frames[0], 1, permission::kRead) == Error::NotOwner);
    EXPECT(exos::frame_free(frames[0]) == Error::NotOwner);
    EXPECT(abi::frame_info_page_table(exos::frame_query(frames[0])));
    // It checks it cannot destroy us, then marks its first spare frame essential and sleeps.
    while (!abi::frame_info_essential(exos::frame_query(frames[probe.value]))) {
        EXPECT(exos::yield(child) == Error::Ok);
    }

    // Grants: to the child, duplicates, bad permissions, forged and own ids.
    uint64_t shared = take();
    EXPECT(exos::grant(shared, child, permission::kRead) == Error::Ok);
    EXPECT(exos::grant(shared, child, permission::kRead) == Error::AlreadyExists);
    uint64_t other = take();
    EXPECT(exos::grant(other, child, permission::kWrite) == Error::BadPermission);
    EXPECT(exos::grant(other, 0x7777000005, permission::kRead) == Error::NoSuchEnvironment);
    EXPECT(exos::grant(other, 0, permission::kRead) == Error::NoSuchEnvironment);
    EXPECT(exos::grant(other, exos::shared_info().environment_id, permission::kRead) ==
           Error::InvalidArgument);
    EXPECT(exos::grant(0x80200, child, permission::kRead) == Error::NotOwner);
    EXPECT(exos::grant_revoke(other, child).error == Error::NotOwner);
    EXPECT(exos::grant_revoke(shared, child).error == Error::Ok);
    EXPECT(exos::grant(shared, child, permission::kRead) == Error::Ok);  // left for destroy
    EXPECT_AUDIT_CLEAN("grants");

    // Stale ids: a child that has exited no longer answers to its id.
    exos::Child quick = exos::spawn(pool, kQuickExitImage, 2);
    EXPECT(quick.error == Error::Ok);
    exos::wait_for(quick.id);
    EXPECT(exos::grant(other, quick.id, permission::kRead) == Error::NoSuchEnvironment);
    EXPECT(exos::environment_destroy(quick.id) == Error::NoSuchEnvironment);
    EXPECT(exos::yield(quick.id) == Error::NoSuchEnvironment);
    EXPECT(exos::grant_revoke(shared, quick.id).error == Error::NoSuchEnvironment);
    EXPECT_AUDIT_CLEAN("stale ids");

    // Destroying the child returns every frame it had, and ends the grant.
    EXPECT(exos::environment_destroy(child) == Error::Ok);
    EXPECT(exos::environment_destroy(child) == Error::NoSuchEnvironment);
    uint64_t returned = 0;
    for (uint64_t i = 0; i < count; ++i)
        returned += state_of(frames[i]) == static_cast<uint64_t>(abi::FrameState::Free);
    EXPECT(returned == count);
    EXPECT(exos::grant_revoke(shared, child).error == Error::NoSuchEnvironment);
    EXPECT(exos::frame_free(shared) == Error::Ok);
    EXPECT(exos::frame_free(other) == Error::Ok);
    exos::printf("bindings: child returned %lu of %lu frames\n", returned, count);
    EXPECT_AUDIT_CLEAN("destroy");
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    mapping_checks();
    child_checks();
    exos::printf("bindings: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
