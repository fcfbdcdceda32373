// The net layer (net.h).
#include "net/net.h"

#include <abi/shared_info.h>

#include "kernel_state.h"
#include "net/transmit_check.h"

namespace exo {

namespace {

constexpr uint64_t kPage = 4096;

uint8_t* frame_bytes(KernelState& state, uint64_t pfn) {
    return reinterpret_cast<uint8_t*>(state.physical->frame(pfn));
}

// A ring frame: the caller's own RAM, not a frame the kernel holds for it (the rule of the
// disk's rings: frame_word::owned_plain).
bool own_plain_frame(const KernelState& state, uint64_t pfn, EnvironmentSlot slot) {
    const FrameEntry* frame = state.frames.find(pfn);
    return frame != nullptr && frame_word::owned_plain(frame_word::load(*frame), slot);
}

class ClaimsOf final : public net::PortClaims {
public:
    ClaimsOf(const net::Classifier& classifier, EnvironmentSlot slot)
        : classifier_(classifier), slot_(slot) {}
    bool claims(uint8_t protocol, uint16_t port) const override {
        return classifier_.claims(slot_, protocol, port);
    }

private:
    const net::Classifier& classifier_;
    EnvironmentSlot slot_;
};

}  // namespace

void Net::attach(NetDevice* device, net::Classifier* classifier) {
    device_ = device;
    classifier_ = classifier;
    endpoints_ = {};
    counters_ = {};
    in_flight_ = {};
    in_flight_count_ = {};
    for (uint32_t id = 0; id < kMaxInFlight; ++id) {
        free_ids_[id] = static_cast<uint8_t>(kMaxInFlight - 1 - id);
    }
    free_id_count_ = kMaxInFlight;
    unclaimed_ = 0;
}

SyscallResult Net::info(const Environment& caller, uint64_t field) const {
    if (!present()) return abi::Error::NoNetwork;
    const Counters& counters = counters_[EnvironmentTable::slot_of(caller.id)];
    switch (static_cast<abi::NetInfoField>(field)) {
    case abi::NetInfoField::Mac: return SyscallResult::ok(device_->mac());
    case abi::NetInfoField::Mtu: return SyscallResult::ok(abi::kNetMaxFrameBytes - 14);
    case abi::NetInfoField::RxDelivered: return SyscallResult::ok(counters.delivered);
    case abi::NetInfoField::RxDropped: return SyscallResult::ok(counters.dropped);
    case abi::NetInfoField::RxUnclaimed: return SyscallResult::ok(unclaimed_);
    case abi::NetInfoField::TxSent: return SyscallResult::ok(counters.sent);
    case abi::NetInfoField::TxRefused: return SyscallResult::ok(counters.refused);
    }
    return abi::Error::InvalidArgument;
}

void Net::release(KernelState& state, Endpoint& endpoint) {
    if (endpoint.rx_pfn != 0) {
        (void)state.frames.unpin(endpoint.rx_pfn);
        (void)state.frames.unpin(endpoint.tx_pfn);
        (void)state.frames.unpin(endpoint.completion_pfn);
        state.frames.unpin_run(endpoint.buffer_pfn, endpoint.buffer_frames);
    }
    endpoint = {};
}

abi::Error Net::set_rings(KernelState& state, Environment& caller, uint64_t rx_ring,
                          uint64_t first_buffer, uint64_t buffer_frames, uint64_t tx_ring,
                          uint64_t completion_ring) {
    if (!present()) return abi::Error::NoNetwork;
    const EnvironmentSlot slot = EnvironmentTable::slot_of(caller.id);
    if (in_flight(slot) != 0) return abi::Error::Busy;
    if ((rx_ring | first_buffer | buffer_frames | tx_ring | completion_ring) == 0) {
        release(state, endpoints_[slot]);
        return abi::Error::Ok;
    }
    if (buffer_frames == 0 || buffer_frames > abi::kNetMaxBufferFrames) {
        return abi::Error::InvalidArgument;
    }
    // Four different frames, none of them a buffer: the kernel writes each for its own purpose.
    const uint64_t rings[3] = {rx_ring, tx_ring, completion_ring};
    for (int i = 0; i < 3; ++i) {
        if (rings[i] >= first_buffer && rings[i] - first_buffer < buffer_frames) {
            return abi::Error::InvalidArgument;
        }
        if (rings[i] == rings[(i + 1) % 3]) return abi::Error::InvalidArgument;
        if (!own_plain_frame(state, rings[i], slot)) return abi::Error::NotOwner;
    }
    if (first_buffer + buffer_frames < first_buffer) return abi::Error::InvalidArgument;
    // The new frames are pinned before the old registration lets go of its own: a refused run
    // leaves the old registration as it was, and a frame kept across both holds one pin more
    // for a moment (pins are counts).
    if (abi::Error error = state.frames.pin_owned_run(first_buffer, buffer_frames, slot);
        error != abi::Error::Ok) {
        return error;
    }
    for (uint64_t ring : rings) (void)state.frames.pin(ring);
    release(state, endpoints_[slot]);
    Endpoint& endpoint = endpoints_[slot];
    endpoint.rx_pfn = rx_ring;
    endpoint.buffer_pfn = first_buffer;
    endpoint.tx_pfn = tx_ring;
    endpoint.completion_pfn = completion_ring;
    endpoint.buffer_frames = static_cast<uint32_t>(buffer_frames);
    endpoint.slots = static_cast<uint32_t>(buffer_frames) * abi::kNetSlotsPerFrame;
    endpoint.rx = reinterpret_cast<abi::NetRingHeader*>(frame_bytes(state, rx_ring));
    endpoint.tx = reinterpret_cast<abi::NetRingHeader*>(frame_bytes(state, tx_ring));
    endpoint.completion =
        reinterpret_cast<abi::NetRingHeader*>(frame_bytes(state, completion_ring));
    endpoint.buffers = frame_bytes(state, first_buffer);
    // The rings start empty, whatever the frames held.
    *endpoint.rx = {};
    *endpoint.tx = {};
    *endpoint.completion = {};
    return abi::Error::Ok;
}

void Net::tell(EnvironmentSlot slot, uint64_t event) {
    Environment* owner = working_->environments.at_slot(slot);
    if (owner == nullptr) return;
    owner->shared_info->events |= event;
    owner->event_upcall_pending = owner->entries[static_cast<size_t>(abi::Entry::Event)].pc != 0;
}

uint32_t Net::completion_room(EnvironmentSlot slot) const {
    const Endpoint& endpoint = endpoints_[slot];
    // The environment's head is only believed as far as it can hurt the environment itself.
    const uint32_t unread = endpoint.completion_tail - endpoint.completion->head;
    const uint32_t reserved = unread + in_flight(slot);
    return reserved >= abi::kNetCompletionEntries ? 0 : abi::kNetCompletionEntries - reserved;
}

void Net::post(EnvironmentSlot slot, uint64_t tag, abi::Error status) {
    Endpoint& endpoint = endpoints_[slot];
    if (endpoint.completion == nullptr) return;
    abi::NetCompletion& entry = reinterpret_cast<abi::NetCompletion*>(
        endpoint.completion + 1)[endpoint.completion_tail % abi::kNetCompletionEntries];
    entry.tag = tag;
    entry.status = static_cast<uint64_t>(status);
    ++endpoint.completion_tail;
    endpoint.completion->tail = endpoint.completion_tail;
    tell(slot, abi::event::kNetTransmitDone);
}

SyscallResult Net::submit(KernelState& state, Environment& caller) {
    if (!present()) return abi::Error::NoNetwork;
    const EnvironmentSlot slot = EnvironmentTable::slot_of(caller.id);
    Endpoint& endpoint = endpoints_[slot];
    if (endpoint.rx_pfn == 0) return abi::Error::InvalidArgument;
    working_ = &state;
    const auto* ring = reinterpret_cast<const abi::NetTxRequest*>(endpoint.tx + 1);
    uint32_t queued = endpoint.tx->tail - endpoint.tx_head;
    if (queued > abi::kNetTxEntries) queued = abi::kNetTxEntries;
    // Each request taken, refused or not, writes one completion: take no more than fit.
    const uint32_t room = completion_room(slot);
    if (queued > room) queued = room;
    uint32_t taken = 0;
    for (; taken < queued; ++taken) {
        // One copy: what the kernel checks is what it uses, whatever the ring says later.
        const abi::NetTxRequest request = ring[endpoint.tx_head % abi::kNetTxEntries];
        if (free_id_count_ == 0) break;
        const abi::Error error = start(state, slot, request);
        if (error == abi::Error::Busy) break;  // the device is full: the rest wait
        if (error != abi::Error::Ok) {
            ++counters_[slot].refused;
            post(slot, request.tag, error);
        }
        ++endpoint.tx_head;
    }
    if (taken != 0) device_->publish();
    endpoint.tx->head = endpoint.tx_head;
    working_ = nullptr;
    return SyscallResult::ok(taken);
}

abi::Error Net::start(KernelState& state, EnvironmentSlot slot, const abi::NetTxRequest& request) {
    if (request.length < abi::kNetMinFrameBytes || request.length > abi::kNetMaxFrameBytes ||
        uint32_t{request.offset} + request.length > kPage) {
        return abi::Error::InvalidArgument;
    }
    // Pinned before it is read, so the frame cannot change hands between the check and the send.
    if (abi::Error error = state.frames.pin_owned_run(request.frame, 1, slot);
        error != abi::Error::Ok) {
        return error;
    }
    const uint8_t* frame = frame_bytes(state, request.frame) + request.offset;
    const uint32_t head_length = request.length < net::kCheckedHead ? request.length
                                                                    : net::kCheckedHead;
    uint8_t head[net::kCheckedHead];
    __builtin_memcpy(head, frame, head_length);
    abi::Error error = classifier_ == nullptr ? abi::Error::NotPermitted
                       : net::check_transmit(head, request.length, device_->mac(),
                                             ClaimsOf(*classifier_, slot));
    const uint32_t id = free_ids_[free_id_count_ - 1];
    const uint32_t body_length = request.length - head_length;
    if (error == abi::Error::Ok) {
        error = device_->transmit({head, head_length,
                                   (request.frame << 12) + request.offset + head_length,
                                   body_length, id});
    }
    // A frame sent whole from the head needs no pin past this point.
    if (error != abi::Error::Ok || body_length == 0) state.frames.unpin_run(request.frame, 1);
    if (error != abi::Error::Ok) return error;
    InFlight& record = in_flight_[id];
    record.used = true;
    record.slot = slot;
    record.tag = request.tag;
    record.pfn = body_length != 0 ? request.frame : 0;
    --free_id_count_;
    ++in_flight_count_[slot];
    return abi::Error::Ok;
}

void Net::interrupt(KernelState& state) {
    if (device_ == nullptr) return;
    working_ = &state;
    device_->harvest(*this);
    working_ = nullptr;
}

void Net::transmitted(uint32_t id, abi::Error status) {
    if (id >= kMaxInFlight || !in_flight_[id].used) return;  // the driver checked; so do we
    KernelState& state = *working_;
    InFlight& request = in_flight_[id];
    request.used = false;
    free_ids_[free_id_count_++] = static_cast<uint8_t>(id);
    const EnvironmentSlot slot = request.slot;
    --in_flight_count_[slot == kNoEnvironment ? kMaxEnvironments : slot];
    if (request.pfn != 0) {
        (void)state.frames.unpin(request.pfn);
        // Its environment ended meanwhile (forget): the frame is nobody's, and the last
        // completion that pins it frees it (the disk's rule, disk.h).
        const FrameEntry& frame = state.frames.at(request.pfn);
        if (slot == kNoEnvironment && frame.owner == kNoEnvironment && frame.pin_count == 0) {
            state.frames.release(request.pfn);
        }
    }
    if (slot == kNoEnvironment) return;
    if (status == abi::Error::Ok) ++counters_[slot].sent;
    post(slot, request.tag, status);
}

void Net::received(const uint8_t* frame, uint32_t length) {
    if (length < abi::kNetMinFrameBytes || length > abi::kNetMaxFrameBytes) {
        ++unclaimed_;
        return;
    }
    net::Classification match;
    if (classifier_ != nullptr) classifier_->classify(frame, length, match);
    const bool claimed = match.exclusive.owner != kNoEnvironment || match.shared_owners != 0;
    if (match.exclusive.owner != kNoEnvironment) {
        deliver(match.exclusive.owner, match.exclusive.filter, 0, frame, length);
    }
    // Shared frames (ARP, broadcasts) are the rare ones: a plain walk of the bits (no libgcc
    // here for a count-trailing-zeros).
    EnvironmentSlot slot = 0;
    for (uint64_t owners = match.shared_owners; owners != 0; owners >>= 1, ++slot) {
        if (owners & 1) deliver(slot, 0, abi::net_rx_flag::kShared, frame, length);
    }
    if (!claimed) ++unclaimed_;
}

void Net::deliver(EnvironmentSlot slot, uint32_t filter, uint16_t flags, const uint8_t* frame,
                  uint32_t length) {
    if (slot >= kMaxEnvironments) return;
    Endpoint& endpoint = endpoints_[slot];
    Counters& counters = counters_[slot];
    if (endpoint.rx_pfn == 0) {
        ++counters.dropped;  // filters but no ring: nowhere to put it
        return;
    }
    // A head the environment wrote past its tail, or too far behind, only makes its ring full.
    const uint32_t used = endpoint.rx_tail - endpoint.rx->head;
    if (used >= endpoint.slots) {
        ++counters.dropped;
        endpoint.rx->dropped = ++endpoint.dropped;
        return;
    }
    const uint32_t index = endpoint.rx_tail % endpoint.slots;
    uint8_t* slot_bytes = endpoint.buffers + uint64_t{index} * abi::kNetBufferBytes;
    __builtin_memcpy(slot_bytes, frame, length);  // both 8-byte aligned: a word at a time
    abi::NetRxEntry& entry = reinterpret_cast<abi::NetRxEntry*>(endpoint.rx + 1)[index];
    entry.length = static_cast<uint16_t>(length);
    entry.filter = filter;
    entry.flags = flags;
    endpoint.rx->tail = ++endpoint.rx_tail;
    ++counters.delivered;
    tell(slot, abi::event::kNetReceive);
}

void Net::forget(KernelState& state, Environment& environment) {
    const EnvironmentSlot slot = EnvironmentTable::slot_of(environment.id);
    for (InFlight& request : in_flight_) {
        if (request.used && request.slot == slot) request.slot = kNoEnvironment;
    }
    in_flight_count_[kMaxEnvironments] += in_flight_count_[slot];
    in_flight_count_[slot] = 0;
    release(state, endpoints_[slot]);
    counters_[slot] = {};
    if (classifier_ != nullptr) classifier_->remove_all(slot);
}

}  // namespace exo
