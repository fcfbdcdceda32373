// The network as a multiplexed resource (abi/net.h): each environment's receive ring and
// buffers, its transmit and completion rings, and the frames in flight on the NIC.
//
// Receiving: the device writes into the kernel's own buffers; each frame is classified by the
// packet filters (classifier.h) and copied into the ring of every environment that accepts it,
// or dropped and counted. No environment's memory is ever the device's target, and nothing waits
// in the kernel: a full ring drops the frame.
//
// Transmitting, without an IOMMU: the frame's head is copied into kernel memory and checked
// there (transmit_check.h), so the device sends the checked bytes; the rest is sent from the
// sender's frame, pinned from submission to completion. An environment that ends with frames in
// flight leaves those frames owned by nobody, still pinned; the completion frees them.
#pragma once

#include <abi/net.h>
#include <array>
#include <cstdint>

#include "disk/disk.h"
#include "environments/environment.h"
#include "memory/frame_table.h"
#include "net/classifier.h"
#include "net/net_device.h"
#include "syscalls/syscall_result.h"

namespace exo {

struct KernelState;

class Net final : private NetSink {
public:
    static constexpr uint32_t kMaxInFlight = 128;
    // A frame holds at most: a disk ring pin and the disk's requests, a receive-buffer or ring
    // pin and the transmits in flight; FrameTable::pin_owned_run adds without checking.
    static_assert(Disk::kMaxInFlight + 1 + kMaxInFlight + 1 <= FrameTable::kMaxDiskPins);

    // `device` nullptr: the machine has no NIC (every call answers NoNetwork).
    void attach(NetDevice* device, net::Classifier* classifier);
    bool present() const { return device_ != nullptr && !device_->failed(); }

    SyscallResult info(const Environment& caller, uint64_t field) const;
    // Registers `caller`'s rings and receive buffers (pinned while registered), replacing earlier
    // ones (Busy while frames are in flight). All zero: unregisters.
    abi::Error set_rings(KernelState& state, Environment& caller, uint64_t rx_ring,
                         uint64_t first_buffer, uint64_t buffer_frames, uint64_t tx_ring,
                         uint64_t completion_ring);
    // Takes what `caller` queued, as far as the device and its completion ring have room.
    SyscallResult submit(KernelState& state, Environment& caller);
    // The device's interrupt: frames to their rings, transmits completed, owners told.
    void interrupt(KernelState& state);
    // `environment` ends: its rings, buffers and filters go; its transmits become orphans.
    void forget(KernelState& state, Environment& environment);

    uint32_t in_flight(EnvironmentSlot slot) const { return in_flight_count_[slot]; }
    uint64_t unclaimed() const { return unclaimed_; }

private:
    struct Endpoint {
        uint64_t rx_pfn = 0;  // 0: none registered
        uint64_t buffer_pfn = 0;
        uint64_t tx_pfn = 0;
        uint64_t completion_pfn = 0;
        uint32_t buffer_frames = 0;
        uint32_t slots = 0;
        uint32_t rx_tail = 0;  // the kernel's own copies, never read back
        uint32_t tx_head = 0;
        uint32_t completion_tail = 0;
        uint32_t dropped = 0;
        abi::NetRingHeader* rx = nullptr;  // the frames as the kernel reaches them
        abi::NetRingHeader* tx = nullptr;
        abi::NetRingHeader* completion = nullptr;
        uint8_t* buffers = nullptr;
    };
    struct Counters {
        uint64_t delivered = 0;
        uint64_t dropped = 0;
        uint64_t sent = 0;
        uint64_t refused = 0;
    };
    struct InFlight {
        bool used = false;
        EnvironmentSlot slot = kNoEnvironment;  // kNoEnvironment: its environment ended
        uint64_t tag = 0;
        uint64_t pfn = 0;  // 0: the head was the whole frame, nothing pinned
    };

    void received(const uint8_t* frame, uint32_t length) override;
    void transmitted(uint32_t id, abi::Error status) override;
    void deliver(EnvironmentSlot slot, uint32_t filter, uint16_t flags, const uint8_t* frame,
                 uint32_t length);
    // One request: checked, its body pinned and on the device; or an error and nothing changed.
    abi::Error start(KernelState& state, EnvironmentSlot slot, const abi::NetTxRequest& request);
    uint32_t completion_room(EnvironmentSlot slot) const;
    void post(EnvironmentSlot slot, uint64_t tag, abi::Error status);
    void tell(EnvironmentSlot slot, uint64_t event);
    void release(KernelState& state, Endpoint& endpoint);

    KernelState* working_ = nullptr;  // the state interrupt() and submit() work on, while they do
    NetDevice* device_ = nullptr;
    net::Classifier* classifier_ = nullptr;
    std::array<Endpoint, kMaxEnvironments> endpoints_{};
    std::array<Counters, kMaxEnvironments> counters_{};
    std::array<InFlight, kMaxInFlight> in_flight_{};
    std::array<uint16_t, kMaxEnvironments + 1> in_flight_count_{};  // the last: orphans'
    std::array<uint8_t, kMaxInFlight> free_ids_{};
    uint32_t free_id_count_ = 0;
    uint64_t unclaimed_ = 0;
};

}  // namespace exo
