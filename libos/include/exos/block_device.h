// A disk as the file system sees it: numbered blocks of block_size() bytes. The virtio driver
// implements it on the target; the host tests implement it over an image file or memory.
#pragma once

#include <abi/syscall.h>
#include <cstdint>
#include <span>

namespace exos {

// One run of whole blocks to write: [block, block + count) from `data`. No default member
// initializers: an array of them on the stack costs no zeroing.
struct BlockWrite {
    uint64_t block;
    uint32_t count;
    const void* data;
};

class BlockDevice {
public:
    virtual uint32_t block_size() const = 0;  // 512 for every device this code mounts
    virtual uint64_t block_count() const = 0;
    virtual abi::Error read(uint64_t block, uint32_t count, void* buffer) = 0;
    virtual abi::Error write(uint64_t block, uint32_t count, const void* buffer) = 0;
    // Every run of `writes`, in any order and perhaps all at once (no run depends on another:
    // callers separate dependent writes with flush()); returns when all of them have
    // completed, with the first error if any failed (which runs reached the disk is then
    // unknown). This default writes them one by one, in the order given; a device that keeps
    // several requests in flight submits them together.
    virtual abi::Error write_batch(std::span<const BlockWrite> writes) {
        for (const BlockWrite& run : writes) {
            if (abi::Error error = write(run.block, run.count, run.data); error != abi::Error::Ok)
                return error;
        }
        return abi::Error::Ok;
    }
    // Returns when every write that returned before it is on stable storage.
    virtual abi::Error flush() = 0;

protected:
    // Not virtual: no one deletes a device through this interface (and a freestanding library
    // OS has no operator delete for a deleting destructor to call).
    ~BlockDevice() = default;
};

}  // namespace exos
