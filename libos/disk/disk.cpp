// The disk client and its BlockDevice (exos/disk.h).
#include <exos/disk.h>
#include <exos/syscall.h>

#include <cstring>

namespace exos {

namespace {

constexpr uint64_t kPage = 4096;

template <typename Entry>
Entry* entries_of(abi::DiskRingHeader* ring) {
    return reinterpret_cast<Entry*>(ring + 1);
}

// The kernel writes the completion ring while we wait: read it as memory that changes.
uint32_t volatile_read(const uint32_t& word) {
    return *static_cast<const volatile uint32_t*>(&word);
}

}  // namespace

abi::Error Disk::open(FramePool& pool, uint64_t rings_va) {
    SyscallReturn capacity = syscall(abi::Syscall::DiskInfo,
                                     static_cast<uint64_t>(abi::DiskInfoField::Capacity));
    if (capacity.error != abi::Error::Ok) return capacity.error;
    std::optional<uint64_t> submission = pool.take(), completion = pool.take();
    if (!submission || !completion) return abi::Error::NoMemory;
    constexpr uint64_t kReadWrite = abi::permission::kRead | abi::permission::kWrite;
    if (abi::Error error = map(rings_va, *submission, 1, kReadWrite); error != abi::Error::Ok) {
        return error;
    }
    if (abi::Error error = map(rings_va + kPage, *completion, 1, kReadWrite);
        error != abi::Error::Ok) {
        return error;
    }
    abi::Error error = syscall(abi::Syscall::DiskRings, *submission, *completion).error;
    if (error != abi::Error::Ok) return error;
    submission_ = reinterpret_cast<abi::DiskRingHeader*>(rings_va);
    completion_ = reinterpret_cast<abi::DiskRingHeader*>(rings_va + kPage);
    capacity_ = capacity.value;
    features_ = syscall(abi::Syscall::DiskInfo,
                        static_cast<uint64_t>(abi::DiskInfoField::Features)).value;
    return abi::Error::Ok;
}

bool Disk::queue(const abi::DiskRequest& request) {
    uint32_t tail = submission_->tail;
    if (tail - volatile_read(submission_->head) >= abi::kSubmissionRingEntries) return false;
    entries_of<abi::DiskRequest>(submission_)[tail % abi::kSubmissionRingEntries] = request;
    submission_->tail = tail + 1;
    return true;
}

uint64_t Disk::submit() { return syscall(abi::Syscall::DiskSubmit).value; }

bool Disk::next_completion(abi::DiskCompletion& completion) {
    uint32_t head = completion_->head;
    if (head == volatile_read(completion_->tail)) return false;
    completion = entries_of<abi::DiskCompletion>(completion_)[head % abi::kCompletionRingEntries];
    completion_->head = head + 1;
    return true;
}

abi::Error Disk::run(const abi::DiskRequest& request) {
    while (!queue(request)) (void)submit();
    while (submit() == 0 && volatile_read(submission_->head) != submission_->tail) {
        (void)yield();  // the device is full: completions free it
    }
    for (;;) {
        abi::DiskCompletion done;
        while (next_completion(done)) {
            if (done.tag == request.tag) return static_cast<abi::Error>(done.status);
        }
        wait_for_completion();
    }
}

void Disk::wait_for_completion() {
    uint32_t seen = completion_->head;
    if (volatile_read(completion_->tail) != seen) return;
    if (!spinning_) {
        (void)yield();  // the interrupt writes the completion; our next slot sees it
        return;
    }
    // Three instructions an iteration, whatever interrupts it (kSpinInstructions).
    uint64_t iterations = spin_iterations_;
    asm volatile(R"(
    1:  addi    %[count], %[count], 1
        lw      t0, 0(%[tail])
        beq     t0, %[seen], 1b
    )"
                 : [count] "+r"(iterations)
                 : [tail] "r"(&completion_->tail), [seen] "r"(seen)
                 : "t0", "memory");
    spin_iterations_ = iterations;
}

// Requests queued one by one, submitted together and waited for together: one DiskSubmit and
// one wait for a whole batch when the rings have room. Tags are consecutive from `first_tag`,
// so a completion is ours when its tag is in [first_tag, first_tag + queued); others are
// dropped, as Disk::run drops them (one client keeps requests in flight on this disk).
class DiskBlockDevice::Batch {
public:
    Batch(Disk& disk, uint64_t first_tag) : disk_(disk), first_tag_(first_tag) {}

    void add(const abi::DiskRequest& request) {
        while (!disk_.queue(request)) progress();  // the ring is full: the kernel takes some
        ++queued_;
    }
    // Waits for every request added so far; the first error among them. More may be added
    // after it (the bounce frame reused once its batch completed).
    abi::Error finish() {
        while (done_ < queued_) progress();
        return error_;
    }

private:
    void progress() {
        if (taken_ < queued_) taken_ += disk_.submit();
        bool any = false;
        abi::DiskCompletion completion;
        while (disk_.next_completion(completion)) {
            if (completion.tag - first_tag_ >= queued_) continue;
            any = true;
            ++done_;
            if (completion.status != 0 && error_ == abi::Error::Ok)
                error_ = static_cast<abi::Error>(completion.status);
        }
        if (any) return;
        if (done_ == taken_) {
            (void)yield();  // none of ours in flight: the device is full of others' requests
            return;
        }
        disk_.wait_for_completion();
    }

    Disk& disk_;
    uint64_t first_tag_;
    uint64_t queued_ = 0;
    uint64_t taken_ = 0;
    uint64_t done_ = 0;
    abi::Error error_ = abi::Error::Ok;
};

namespace {

// Whether one request may run on from a frame into the next (frame + 1, ...): the ABI allows it
// exactly when a request may move more than a page; with one-page requests each stays inside
// its frame (offset + sectors * 512 <= 4096).
constexpr bool kRequestsSpanFrames = uint64_t{abi::kMaxRequestSectors} * abi::kSectorSize > kPage;

uint32_t smaller(uint64_t a, uint64_t b) { return static_cast<uint32_t>(a < b ? a : b); }

}  // namespace

abi::Error DiskBlockDevice::register_buffer(const void* va, uint64_t first_pfn,
                                            uint64_t length) {
    uint64_t address = reinterpret_cast<uint64_t>(va);
    if (address % kPage != 0) return abi::Error::Misaligned;
    if (length == 0 || address + length < address) return abi::Error::InvalidArgument;
    // A range that continues the last one, virtually and physically, extends it: a buffer
    // mapped a frame at a time over contiguous frames is then one range to search.
    if (registered_count_ != 0) {
        Registered& last = registered_[registered_count_ - 1];
        if (last.length % kPage == 0 && address == last.va + last.length &&
            first_pfn == last.pfn + last.length / kPage) {
            last.length += length;
            return abi::Error::Ok;
        }
    }
    if (registered_count_ == kMaxRegistered) return abi::Error::TooMany;
    registered_[registered_count_++] = {address, first_pfn, length};
    return abi::Error::Ok;
}

const DiskBlockDevice::Registered* DiskBlockDevice::registered_for(const void* buffer,
                                                                   uint64_t bytes) const {
    uint64_t address = reinterpret_cast<uint64_t>(buffer);
    if (address % abi::kSectorSize != 0) return nullptr;  // a request's offset is whole sectors
    for (uint32_t index = 0; index < registered_count_; ++index) {
        const Registered& range = registered_[index];
        uint64_t within = address - range.va;  // wraps past the end when below the range
        if (within < range.length && bytes <= range.length - within) return &range;
    }
    return nullptr;
}

void DiskBlockDevice::queue_direct(Batch& batch, abi::DiskOp op, uint64_t block, uint32_t count,
                                   const Registered& range, uint64_t address) {
    uint64_t within = address - range.va;
    while (count != 0) {
        uint32_t offset = static_cast<uint32_t>(within % kPage);
        uint32_t sectors = smaller(count, abi::kMaxRequestSectors);
        if (!kRequestsSpanFrames) sectors = smaller(sectors, (kPage - offset) / abi::kSectorSize);
        batch.add({++requests_, first_ + block, range.pfn + within / kPage, op,
                   static_cast<uint16_t>(sectors), offset});
        block += sectors;
        count -= sectors;
        within += uint64_t{sectors} * abi::kSectorSize;
    }
}

abi::Error DiskBlockDevice::read_bounced(uint64_t block, uint32_t count, uint8_t* buffer) {
    while (count != 0) {
        uint32_t sectors = smaller(count, kPage / abi::kSectorSize);
        size_t bytes = size_t{sectors} * abi::kSectorSize;
        abi::DiskRequest request{++requests_, first_ + block, bounce_pfn_, abi::DiskOp::Read,
                                 static_cast<uint16_t>(sectors), 0};
        if (abi::Error error = disk_.run(request); error != abi::Error::Ok) return error;
        std::memcpy(buffer, bounce_, bytes);
        block += sectors;
        count -= sectors;
        buffer += bytes;
    }
    return abi::Error::Ok;
}

abi::Error DiskBlockDevice::read(uint64_t block, uint32_t count, void* buffer) {
    if (!in_range(block, count)) return abi::Error::OutOfRange;
    const Registered* range = registered_for(buffer, uint64_t{count} * abi::kSectorSize);
    if (range == nullptr) return read_bounced(block, count, static_cast<uint8_t*>(buffer));
    Batch batch(disk_, requests_ + 1);
    queue_direct(batch, abi::DiskOp::Read, block, count, *range,
                 reinterpret_cast<uint64_t>(buffer));
    return batch.finish();
}

abi::Error DiskBlockDevice::write(uint64_t block, uint32_t count, const void* buffer) {
    BlockWrite run{block, count, buffer};
    return write_batch({&run, 1});
}

abi::Error DiskBlockDevice::write_batch(std::span<const BlockWrite> writes) {
    // Decide, then perform: a run out of range fails the batch before any request is made.
    for (const BlockWrite& run : writes) {
        if (!in_range(run.block, run.count)) return abi::Error::OutOfRange;
    }
    Batch batch(disk_, requests_ + 1);
    uint32_t bounce_used = 0;  // bytes of the bounce frame the requests in flight read from
    for (const BlockWrite& run : writes) {
        const Registered* range =
            registered_for(run.data, uint64_t{run.count} * abi::kSectorSize);
        if (range != nullptr) {
            queue_direct(batch, abi::DiskOp::Write, run.block, run.count, *range,
                         reinterpret_cast<uint64_t>(run.data));
            continue;
        }
        const auto* source = static_cast<const uint8_t*>(run.data);
        for (uint64_t block = run.block, count = run.count; count != 0;) {
            if (bounce_used == kPage) {  // full: its requests complete before it is refilled
                if (abi::Error error = batch.finish(); error != abi::Error::Ok) return error;
                bounce_used = 0;
            }
            uint32_t sectors = smaller(count, (kPage - bounce_used) / abi::kSectorSize);
            size_t bytes = size_t{sectors} * abi::kSectorSize;
            std::memcpy(bounce_ + bounce_used, source, bytes);
            batch.add({++requests_, first_ + block, bounce_pfn_, abi::DiskOp::Write,
                       static_cast<uint16_t>(sectors), bounce_used});
            bounce_used += static_cast<uint32_t>(bytes);
            block += sectors;
            count -= sectors;
            source += bytes;
        }
    }
    return batch.finish();
}

abi::Error DiskBlockDevice::flush() {
    if (!(disk_.features() & abi::disk_feature::kFlush)) return abi::Error::Ok;  // no cache
    abi::DiskRequest request{++requests_, 0, 0, abi::DiskOp::Flush, 0, 0};
    return disk_.run(request);
}

}  // namespace exos
