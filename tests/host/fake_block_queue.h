// A block device for the disk layer's host tests: an in-memory disk that performs requests when
// harvested, reading and writing the FakeMachine's frames by physical address.
#pragma once

#include <abi/disk.h>
#include <cstring>
#include <vector>

#include "disk/block_queue.h"
#include "kernel_state.h"

namespace exo::test {

class FakeBlockQueue final : public BlockQueue {
public:
    FakeBlockQueue(KernelState& state, uint64_t sectors, uint32_t depth)
        : state_(state), disk_(sectors * abi::kSectorSize), depth_(depth) {}

    uint64_t capacity() const override { return disk_.size() / abi::kSectorSize; }
    uint32_t depth() const override { return depth_; }
    uint64_t features() const override { return features_; }
    bool failed() const override { return failed_; }
    abi::Error submit(const DeviceRequest& request) override {
        if (failed_) return abi::Error::IoError;
        if (pending_.size() == depth_) return abi::Error::Busy;
        pending_.push_back(request);
        ++submitted;
        return abi::Error::Ok;
    }
    void publish() override { ++publishes; }
    void harvest(CompletionSink& sink) override {
        std::vector<DeviceRequest> done;
        done.swap(pending_);
        for (const DeviceRequest& request : done) sink.complete(request.id, perform(request));
    }

    std::byte* sector(uint64_t number) { return disk_.data() + number * abi::kSectorSize; }
    void fail() { failed_ = true; }
    // Nothing queued, not failed, every sector zero: the fuzzer's restore to its booted
    // machine (what one input wrote must not steer the next, or a crash would not reproduce).
    void reset() {
        pending_.clear();
        failed_ = false;
        std::memset(disk_.data(), 0, disk_.size());
        submitted = 0;
        flushes = 0;
        publishes = 0;
    }
    size_t pending() const { return pending_.size(); }

    uint64_t features_ = abi::disk_feature::kFlush;
    unsigned submitted = 0;
    unsigned flushes = 0;
    unsigned publishes = 0;

private:
    abi::Error perform(const DeviceRequest& request) {
        if (failed_) return abi::Error::IoError;
        std::byte* memory = request.physical
                                ? state_.physical->frame(request.physical >> 12) +
                                      (request.physical & 0xfff)
                                : nullptr;
        size_t bytes = size_t{request.sectors} * abi::kSectorSize;
        switch (request.op) {
        case abi::DiskOp::Read: std::memcpy(memory, sector(request.sector), bytes); break;
        case abi::DiskOp::Write: std::memcpy(sector(request.sector), memory, bytes); break;
        case abi::DiskOp::Flush: ++flushes; break;
        case abi::DiskOp::Discard: std::memset(sector(request.sector), 0, bytes); break;
        }
        return abi::Error::Ok;
    }

    KernelState& state_;
    std::vector<std::byte> disk_;
    uint32_t depth_;
    bool failed_ = false;
    std::vector<DeviceRequest> pending_;
};

}  // namespace exo::test
