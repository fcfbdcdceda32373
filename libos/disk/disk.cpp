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

abi::Error DiskBlockDevice::move(abi::DiskOp op, uint64_t block, uint32_t count,
                                 uint8_t* buffer) {
    if (block >= count_ || count > count_ - block) return abi::Error::OutOfRange;
    while (count != 0) {
        uint32_t sectors = count < abi::kMaxRequestSectors ? count : abi::kMaxRequestSectors;
        size_t bytes = size_t{sectors} * abi::kSectorSize;
        if (op == abi::DiskOp::Write) std::memcpy(bounce_, buffer, bytes);
        abi::DiskRequest request{++requests_, first_ + block, bounce_pfn_, op,
                                 static_cast<uint16_t>(sectors), 0};
        if (abi::Error error = disk_.run(request); error != abi::Error::Ok) return error;
        if (op == abi::DiskOp::Read) std::memcpy(buffer, bounce_, bytes);
        block += sectors;
        count -= sectors;
        buffer += bytes;
    }
    return abi::Error::Ok;
}

abi::Error DiskBlockDevice::read(uint64_t block, uint32_t count, void* buffer) {
    return move(abi::DiskOp::Read, block, count, static_cast<uint8_t*>(buffer));
}

abi::Error DiskBlockDevice::write(uint64_t block, uint32_t count, const void* buffer) {
    return move(abi::DiskOp::Write, block, count,
                const_cast<uint8_t*>(static_cast<const uint8_t*>(buffer)));
}

abi::Error DiskBlockDevice::flush() {
    if (!(disk_.features() & abi::disk_feature::kFlush)) return abi::Error::Ok;  // no cache
    abi::DiskRequest request{++requests_, 0, 0, abi::DiskOp::Flush, 0, 0};
    return disk_.run(request);
}

}  // namespace exos
