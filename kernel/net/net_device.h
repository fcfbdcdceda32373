// What the net layer (net.h) needs of a NIC: frames out as a checked head plus a body by
// physical address, completions and received frames back through a sink. The virtio-net
// driver is one (virtio_nic.cpp); host tests give a fake.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

namespace exo {

struct TxFrame {
    const uint8_t* head;     // kernel memory: the bytes the net layer checked, sent as they are
    uint32_t head_length;
    uint64_t body_physical;  // the rest of the frame, in a pinned frame of the sender
    uint32_t body_length;    // 0: the head is the whole frame
    uint32_t id;             // the net layer's, returned with the completion
};

class NetSink {
public:
    // A frame as the device delivered it: `length` is the device's word, 0 to 1514, and the
    // bytes are valid only during the call.
    virtual void received(const uint8_t* frame, uint32_t length) = 0;
    virtual void transmitted(uint32_t id, abi::Error status) = 0;

protected:
    ~NetSink() = default;
};

class NetDevice {
public:
    virtual uint64_t mac() const = 0;  // the first byte on the wire in bits 0..7
    virtual bool failed() const = 0;   // disabled after misbehaving: takes nothing more
    virtual uint32_t transmit_depth() const = 0;  // frames it takes at once
    // Ok: queued. Busy: no room now, nothing taken. Anything else: refused, nothing taken.
    virtual abi::Error transmit(const TxFrame& frame) = 0;
    // Lets the device see everything transmitted since the last publish.
    virtual void publish() = 0;
    // Every frame received and every transmit completed since the last harvest; after a
    // failure, every transmit still outstanding, as IoError.
    virtual void harvest(NetSink& sink) = 0;

protected:
    ~NetDevice() = default;
};

}  // namespace exo
