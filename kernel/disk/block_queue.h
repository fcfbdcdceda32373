// What the disk layer (disk.h) needs of a block device: a queue of requests by physical address,
// completions by id. The virtio-blk driver is one (virtio_disk.cpp); host tests give a fake.
#pragma once

#include <abi/disk.h>
#include <abi/syscall.h>
#include <cstdint>

namespace exo {

struct DeviceRequest {
    abi::DiskOp op;
    uint64_t sector;
    uint32_t sectors;
    uint64_t physical; // Read and Write: the buffer, physically contiguous (checked frames)
    uint32_t id;       // the disk layer's, returned with the completion
};

class CompletionSink {
public:
    virtual void complete(uint32_t id, abi::Error status) = 0;

protected:
    ~CompletionSink() = default;
};

class BlockQueue {
public:
    virtual uint64_t capacity() const = 0;  // sectors
    virtual uint32_t depth() const = 0;     // requests it takes at once
    virtual uint64_t features() const = 0;  // abi::disk_feature bits
    virtual bool failed() const = 0;        // disabled after misbehaving: takes nothing more
    // Ok: queued. Busy: no room now, nothing was taken (back-pressure). Anything else: the
    // device refuses this request (past its end, an operation it lacks), nothing was taken.
    virtual abi::Error submit(const DeviceRequest& request) = 0;
    // Lets the device see everything submitted since the last publish (one notification for a
    // batch). Submitted requests may wait for it; completions never come before it.
    virtual void publish() = 0;
    // Every request the device has completed, each exactly once; after a failure, every
    // request still outstanding, as IoError.
    virtual void harvest(CompletionSink& sink) = 0;

protected:
    ~BlockQueue() = default;
};

}  // namespace exo
