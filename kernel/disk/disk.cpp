// The disk layer (disk.h).
#include "disk/disk.h"
#include "register_hygiene.h"

#include <abi/shared_info.h>

#include "cpu/events.h"
#include "kernel_state.h"

namespace exo {

namespace {

constexpr uint64_t kPage = 4096;

abi::DiskRingHeader& header(KernelState& state, uint64_t pfn) {
    return *reinterpret_cast<abi::DiskRingHeader*>(state.physical->frame(pfn));
}

// A ring frame: the caller's own RAM, not a frame the kernel holds for it (a page table, its
// shared info or trap page), which the kernel's writes could otherwise reach; the same rule as
// the requests' frames (FrameTable::pin_owned_run).
bool own_plain_frame(const KernelState& state, uint64_t pfn, EnvironmentSlot slot) {
    const FrameEntry* frame = state.frames.find(pfn);
    return frame != nullptr && frame_word::owned_plain(frame_word::load(*frame), slot);
}

}  // namespace

void Disk::attach(BlockQueue* queue, EnvironmentSlot first) {
    queue_ = queue;
    extents_.reset(queue ? queue->capacity() : 0, first);
    rings_ = {};
    in_flight_ = {};
    in_flight_count_ = {};
    for (uint32_t id = 0; id < kMaxInFlight; ++id) {
        free_ids_[id] = static_cast<uint8_t>(kMaxInFlight - 1 - id);
    }
    free_id_count_ = kMaxInFlight;
    writes_completed_ = 0;
}

SyscallResult Disk::info(uint64_t field) const {
    if (!present()) return abi::Error::NoDisk;
    switch (static_cast<abi::DiskInfoField>(field)) {
    case abi::DiskInfoField::Capacity: return SyscallResult::ok(queue_->capacity());
    case abi::DiskInfoField::QueueDepth: return SyscallResult::ok(queue_->depth());
    case abi::DiskInfoField::Features: return SyscallResult::ok(queue_->features());
    }
    return abi::Error::InvalidArgument;
}

void Disk::release_rings(KernelState& state, Rings& rings) {
    if (rings.submission_pfn != 0) {
        (void)state.frames.unpin(rings.submission_pfn);
        (void)state.frames.unpin(rings.completion_pfn);
    }
    rings = {};
}

abi::Error Disk::set_rings(KernelState& state, Environment& caller, uint64_t submission_pfn,
                           uint64_t completion_pfn) {
    if (!present()) return abi::Error::NoDisk;
    EnvironmentSlot slot = EnvironmentTable::slot_of(caller.id);
    if (in_flight(slot) != 0) return abi::Error::Busy;
    if (submission_pfn == 0 && completion_pfn == 0) {
        release_rings(state, rings_[slot]);
        return abi::Error::Ok;
    }
    if (submission_pfn == completion_pfn) return abi::Error::InvalidArgument;
    if (!own_plain_frame(state, submission_pfn, slot) ||
        !own_plain_frame(state, completion_pfn, slot)) {
        return abi::Error::NotOwner;
    }
    release_rings(state, rings_[slot]);
    (void)state.frames.pin(submission_pfn);
    (void)state.frames.pin(completion_pfn);
    // The rings start empty, whatever the frames held.
    header(state, submission_pfn) = {};
    header(state, completion_pfn) = {};
    rings_[slot] = {submission_pfn, completion_pfn, 0, 0, &header(state, submission_pfn),
                    &header(state, completion_pfn)};
    return abi::Error::Ok;
}

bool Disk::busy_on(EnvironmentSlot slot, uint64_t start, uint64_t count) const {
    for (const InFlight& request : in_flight_) {
        if (request.used && request.slot == slot && request.sectors != 0 &&
            request.sector < start + count && start < request.sector + request.sectors) {
            return true;
        }
    }
    return false;
}

EXO_KEEPS_USED_REGISTERS
uint32_t Disk::completion_room(EnvironmentSlot slot) const {
    const Rings& rings = rings_[slot];
    // The environment's head is only believed as far as it can hurt the environment itself.
    uint32_t unread = rings.completion_tail - rings.completion->head;
    uint32_t reserved = unread + in_flight(slot);
    return reserved >= abi::kCompletionRingEntries ? 0 : abi::kCompletionRingEntries - reserved;
}

EXO_KEEPS_USED_REGISTERS
void Disk::post(KernelState& state, EnvironmentSlot slot, uint64_t tag, abi::Error status) {
    Rings& rings = rings_[slot];
    Environment* owner = state.environments.at_slot(slot);
    if (owner == nullptr || rings.completion_pfn == 0) return;
    abi::DiskCompletion& entry = reinterpret_cast<abi::DiskCompletion*>(
        rings.completion + 1)[rings.completion_tail % abi::kCompletionRingEntries];
    entry.tag = tag;
    entry.status = static_cast<uint64_t>(status);
    ++rings.completion_tail;
    rings.completion->tail = rings.completion_tail;
    post_event(*owner, abi::event::kDiskCompletion);  // wakes it if it waits for that
    owner->event_upcall_pending = owner->entries[static_cast<size_t>(abi::Entry::Event)].pc != 0;
}

// The frames a Read or Write touches: from `offset` in `frame`, sectors * 512 bytes on.
EXO_KEEPS_USED_REGISTERS
uint64_t Disk::frames_of(const abi::DiskRequest& request) {
    return (request.offset + uint64_t{request.sectors} * abi::kSectorSize + kPage - 1) / kPage;
}

EXO_KEEPS_USED_REGISTERS
abi::Error Disk::check(EnvironmentSlot slot, const abi::DiskRequest& request) const {
    uint8_t rights = abi::disk_rights::kRead;
    switch (request.op) {
    case abi::DiskOp::Flush:
        return (queue_->features() & abi::disk_feature::kFlush) ? abi::Error::Ok
                                                                 : abi::Error::InvalidArgument;
    case abi::DiskOp::Discard:
        if (!(queue_->features() & abi::disk_feature::kDiscard)) return abi::Error::InvalidArgument;
        return extents_.check(slot, request.sector, request.sectors, abi::disk_rights::kWrite);
    case abi::DiskOp::Write:
        rights = abi::disk_rights::kWrite;
        break;
    case abi::DiskOp::Read:
        break;
    default:
        return abi::Error::InvalidArgument;
    }
    if (request.sectors > abi::kMaxRequestSectors) return abi::Error::TooLarge;
    if (request.sectors == 0) return abi::Error::InvalidArgument;
    if (request.offset % abi::kSectorSize != 0 || request.offset >= kPage) {
        return abi::Error::InvalidArgument;
    }
    return extents_.check(slot, request.sector, request.sectors, rights);
}

EXO_KEEPS_USED_REGISTERS
SyscallResult Disk::submit(KernelState& state, Environment& caller) {
    if (!present()) return abi::Error::NoDisk;
    EnvironmentSlot slot = EnvironmentTable::slot_of(caller.id);
    Rings& rings = rings_[slot];
    if (rings.submission_pfn == 0) return abi::Error::InvalidArgument;
    abi::DiskRingHeader& submission = *rings.submission;
    const abi::DiskRequest* ring = reinterpret_cast<const abi::DiskRequest*>(rings.submission + 1);
    uint32_t queued = submission.tail - rings.submission_head;
    if (queued > abi::kSubmissionRingEntries) queued = abi::kSubmissionRingEntries;
    // Each request taken, refused or not, will write one completion: take no more than fit.
    uint32_t room = completion_room(slot);
    if (queued > room) queued = room;
    uint32_t taken = 0;
    for (; taken < queued; ++taken) {
        // One copy: what the kernel checks is what it uses, whatever the ring says later.
        abi::DiskRequest request = ring[rings.submission_head % abi::kSubmissionRingEntries];
        abi::Error error = check(slot, request);
        if (error == abi::Error::Ok) {
            if (free_id_count_ == 0) break;
            error = start(state, slot, request);
            if (error == abi::Error::Busy) break;  // the device is full: the rest wait
        }
        if (error != abi::Error::Ok) post(state, slot, request.tag, error);
        ++rings.submission_head;
    }
    if (taken != 0) queue_->publish();
    submission.head = rings.submission_head;
    return SyscallResult::ok(taken);
}

EXO_KEEPS_USED_REGISTERS
abi::Error Disk::start(KernelState& state, EnvironmentSlot slot, const abi::DiskRequest& request) {
    const bool data = request.op == abi::DiskOp::Read || request.op == abi::DiskOp::Write;
    const uint64_t frames = data ? frames_of(request) : 0;
    if (data) {
        if (abi::Error error = state.frames.pin_owned_run(request.frame, frames, slot);
            error != abi::Error::Ok) {
            return error;
        }
    }
    const uint32_t id = free_ids_[free_id_count_ - 1];
    const bool flush = request.op == abi::DiskOp::Flush;
    abi::Error queued = queue_->submit({request.op, request.sector, request.sectors,
                                        data ? (request.frame << 12) + request.offset : 0, id});
    if (queued != abi::Error::Ok) {
        if (data) state.frames.unpin_run(request.frame, frames);
        return queued;
    }
    // Field by field: an aggregate assignment here was compiled into byte stores.
    InFlight& record = in_flight_[id];
    record.used = true;
    record.slot = slot;
    record.frames = static_cast<uint8_t>(frames);
    record.write = request.op == abi::DiskOp::Write;
    record.tag = request.tag;
    record.pfn = data ? request.frame : 0;
    record.sector = flush ? 0 : request.sector;
    record.sectors = flush ? 0u : request.sectors;
    --free_id_count_;
    ++in_flight_count_[slot];
    return abi::Error::Ok;
}

EXO_KEEPS_USED_REGISTERS
void Disk::complete(KernelState& state) {
    if (queue_ == nullptr) return;
    completing_ = &state;
    queue_->harvest(*this);
    completing_ = nullptr;
}

EXO_KEEPS_USED_REGISTERS
void Disk::complete(uint32_t id, abi::Error status) {
    if (id >= kMaxInFlight || !in_flight_[id].used) return;  // the queue checked; so do we
    KernelState& state = *completing_;
    InFlight& request = in_flight_[id];
    request.used = false;
    free_ids_[free_id_count_++] = static_cast<uint8_t>(id);
    const EnvironmentSlot slot = request.slot;
    --in_flight_count_[slot == kNoEnvironment ? kMaxEnvironments : slot];
    if (request.write && status == abi::Error::Ok) ++writes_completed_;
    if (slot != kNoEnvironment) {
        state.frames.unpin_run(request.pfn, request.frames);
    } else {
        // Its environment ended meanwhile (forget): its frames are nobody's, and the last
        // completion that pins one frees it.
        for (uint64_t i = 0; i < request.frames; ++i) {
            const uint64_t pfn = request.pfn + i;
            (void)state.frames.unpin(pfn);
            const FrameEntry& frame = state.frames.at(pfn);
            if (frame.owner == kNoEnvironment && frame.pin_count == 0) state.frames.release(pfn);
        }
    }
    if (slot != kNoEnvironment) post(state, slot, request.tag, status);
}

void Disk::forget(KernelState& state, Environment& environment) {
    EnvironmentSlot slot = EnvironmentTable::slot_of(environment.id);
    for (InFlight& request : in_flight_) {
        if (request.used && request.slot == slot) request.slot = kNoEnvironment;
    }
    in_flight_count_[kMaxEnvironments] += in_flight_count_[slot];
    in_flight_count_[slot] = 0;
    release_rings(state, rings_[slot]);
    extents_.forget(slot);
}

}  // namespace exo
