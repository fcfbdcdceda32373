// A disk as the file system sees it: numbered blocks of block_size() bytes. The virtio driver
// implements it on the target; the host tests implement it over an image file or memory.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

namespace exos {

class BlockDevice {
public:
    virtual uint32_t block_size() const = 0;  // 512 for every device this code mounts
    virtual uint64_t block_count() const = 0;
    virtual abi::Error read(uint64_t block, uint32_t count, void* buffer) = 0;
    virtual abi::Error write(uint64_t block, uint32_t count, const void* buffer) = 0;
    // Returns when every write that returned before it is on stable storage.
    virtual abi::Error flush() = 0;

protected:
    // Not virtual: no one deletes a device through this interface (and a freestanding library
    // OS has no operator delete for a deleting destructor to call).
    ~BlockDevice() = default;
};

}  // namespace exos
