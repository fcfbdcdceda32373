// The kernel's network ABI used raw, for the scenarios that test the kernel itself (the library
// OS's stack is exos/net; these need to build frames the stack would never send): rings and
// buffers registered, filters installed, frames sent from a frame of ours and waited for,
// received frames read in place.
#pragma once

#include <abi/net.h>
#include <abi/net_filter.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

namespace rawnet {

using abi::Error;
inline constexpr uint64_t RW = abi::permission::kRead | abi::permission::kWrite;

// Our side of the test's addresses: QEMU's user-network guest address and its host alias.
inline constexpr uint8_t kGuestIp[4] = {10, 0, 2, 15};
inline constexpr uint8_t kPeerIp[4] = {10, 0, 2, 2};
inline constexpr uint16_t kPeerPort = 9000;

// `count` consecutive frames of ours, or 0: the receive buffers are one physical run. The frame
// the kernel hands out, then its neighbours above and below asked for by number; another start
// (keeping the frame that was in the way) when the run cannot grow.
inline uint64_t allocate_run(uint64_t count) {
    for (int attempt = 0; attempt < 32; ++attempt) {
        exos::SyscallReturn first = exos::frame_alloc();
        if (first.error != Error::Ok) return 0;
        uint64_t low = first.value, high = first.value;
        while (high - low + 1 < count && exos::frame_alloc(high + 1).error == Error::Ok) ++high;
        while (high - low + 1 < count && exos::frame_alloc(low - 1).error == Error::Ok) --low;
        if (high - low + 1 == count) return low;
        for (uint64_t pfn = low; pfn <= high; ++pfn) {
            if (pfn != first.value) (void)exos::frame_free(pfn);
        }
    }
    return 0;
}

class Nic {
public:
    // Rings and `buffer_frames` buffer frames mapped from `va` on, registered with NetRings.
    Error open(uint64_t va, uint32_t buffer_frames) {
        // Page-table frames for the mappings below (a fresh part of the address space).
        for (int i = 0; i < 3; ++i) {
            exos::SyscallReturn table = exos::frame_alloc();
            if (table.error != Error::Ok) return table.error;
            if (Error error = exos::page_table_donate(table.value); error != Error::Ok) {
                return error;
            }
        }
        uint64_t frames[4];
        for (uint64_t& frame : frames) {
            exos::SyscallReturn got = exos::frame_alloc();
            if (got.error != Error::Ok) return got.error;
            frame = got.value;
        }
        const uint64_t buffers = allocate_run(buffer_frames);
        if (buffers == 0) return Error::NoMemory;
        for (int i = 0; i < 4; ++i) {
            if (Error error = exos::map(va + i * 4096, frames[i], 1, RW); error != Error::Ok) {
                return error;
            }
        }
        Error mapped = exos::map(va + 4 * 4096, buffers, buffer_frames, RW);
        if (mapped != Error::Ok) return mapped;
        rx_ = reinterpret_cast<abi::NetRingHeader*>(va);
        tx_ = reinterpret_cast<abi::NetRingHeader*>(va + 4096);
        done_ = reinterpret_cast<abi::NetRingHeader*>(va + 2 * 4096);
        send_frame_ = frames[3];
        send_bytes_ = reinterpret_cast<uint8_t*>(va + 3 * 4096);
        buffers_ = reinterpret_cast<const uint8_t*>(va + 4 * 4096);
        slots_ = buffer_frames * abi::kNetSlotsPerFrame;
        return exos::syscall(abi::Syscall::NetRings, frames[0], buffers, buffer_frames, frames[1],
                             frames[2]).error;
    }

    exos::SyscallReturn install(const abi::PacketFilter& filter) {
        return exos::syscall(abi::Syscall::NetFilterInstall, reinterpret_cast<uint64_t>(&filter));
    }

    // One request, submitted and waited for: the status its completion carries.
    Error send_request(const abi::NetTxRequest& request) {
        queue(request);
        exos::SyscallReturn taken = exos::syscall(abi::Syscall::NetSubmit);
        if (taken.error != Error::Ok) return taken.error;
        return completion_of(request);
    }
    // The request in the transmit ring, for a NetSubmit of the caller's own.
    void queue(const abi::NetTxRequest& request) {
        auto* entries = reinterpret_cast<abi::NetTxRequest*>(tx_ + 1);
        entries[tx_->tail % abi::kNetTxEntries] = request;
        ++tx_->tail;
    }
    // Waits for the next completion, which must be `request`'s: its status.
    Error completion_of(const abi::NetTxRequest& request) {
        while (completion_tail() == done_->head) (void)exos::yield();
        const auto* completions = reinterpret_cast<const abi::NetCompletion*>(done_ + 1);
        const abi::NetCompletion completion =
            completions[done_->head % abi::kNetCompletionEntries];
        ++done_->head;
        return completion.tag == request.tag ? static_cast<Error>(completion.status)
                                             : Error::InvalidArgument;
    }
    // `length` bytes copied into our sending frame at `offset`, then sent.
    Error send(const uint8_t* frame, uint32_t length, uint16_t offset = 0) {
        for (uint32_t i = 0; i < length; ++i) send_bytes_[offset + i] = frame[i];
        return send_request({++tag_, send_frame_, offset, static_cast<uint16_t>(length), 0});
    }
    uint64_t send_frame() const { return send_frame_; }
    uint8_t* send_bytes() { return send_bytes_; }

    // The next received frame, in place (valid until release()), or nullptr.
    const uint8_t* next(abi::NetRxEntry& entry) {
        if (rx_tail() == rx_->head) return nullptr;
        const uint32_t index = rx_->head % slots_;
        entry = reinterpret_cast<const abi::NetRxEntry*>(rx_ + 1)[index];
        return buffers_ + uint64_t{index} * abi::kNetBufferBytes;
    }
    void release() { ++rx_->head; }
    uint32_t waiting() const { return rx_tail() - rx_->head; }
    uint32_t dropped() const { return *static_cast<volatile const uint32_t*>(&rx_->dropped); }

private:
    // The kernel writes these while we run: read them as memory that changes.
    uint32_t rx_tail() const { return *static_cast<volatile const uint32_t*>(&rx_->tail); }
    uint32_t completion_tail() const {
        return *static_cast<volatile const uint32_t*>(&done_->tail);
    }

    abi::NetRingHeader* rx_ = nullptr;
    abi::NetRingHeader* tx_ = nullptr;
    abi::NetRingHeader* done_ = nullptr;
    const uint8_t* buffers_ = nullptr;
    uint8_t* send_bytes_ = nullptr;
    uint64_t send_frame_ = 0;
    uint32_t slots_ = 0;
    uint64_t tag_ = 0;
};

// Filters: UDP to one of our ports (exclusive), and ARP (shared).
inline abi::PacketFilter udp_port_filter(uint16_t port) {
    abi::PacketFilter filter{};
    filter.atom_count = 3;
    filter.atoms[0] = abi::ipv4_atom();
    filter.atoms[1] = abi::protocol_atom(abi::ip_protocol::kUdp);
    filter.atoms[2] = abi::destination_port_atom(port);
    return filter;
}
inline abi::PacketFilter arp_filter() {
    abi::PacketFilter filter{};
    filter.atom_count = 1;
    filter.flags = abi::filter_flag::kShared;
    filter.atoms[0] = abi::filter_atom(abi::FilterBase::Frame, abi::packet_field::kEthertype, 2,
                                       abi::ethertype::kArp);
    return filter;
}

// Frame fields (IPv4 with a 20-byte header, as the test's peer sends).
inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline bool is_udp_to(const uint8_t* frame, uint32_t length, uint16_t port) {
    return length >= 42 && be16(frame + 12) == 0x0800 && frame[14] == 0x45 && frame[23] == 17 &&
           be16(frame + 36) == port;
}
inline const uint8_t* udp_payload(const uint8_t* frame) { return frame + 42; }
inline uint32_t udp_payload_length(const uint8_t* frame, uint32_t length) {
    const uint32_t udp = be16(frame + 38);
    return udp < 8 || 34 + udp > length ? 0 : udp - 8;
}
inline bool payload_starts(const uint8_t* frame, uint32_t length, const char* word) {
    const uint32_t available = udp_payload_length(frame, length);
    const uint8_t* payload = udp_payload(frame);
    uint32_t i = 0;
    for (; word[i] != 0; ++i) {
        if (i >= available || payload[i] != static_cast<uint8_t>(word[i])) return false;
    }
    return true;
}

// A received UDP frame turned into its echo in `out`: addresses and ports swapped (which keeps
// both checksums right: they are sums), the payload unchanged.
inline uint32_t echo_of(const uint8_t* frame, uint32_t length, uint8_t* out) {
    for (uint32_t i = 0; i < length; ++i) out[i] = frame[i];
    for (int i = 0; i < 6; ++i) {
        out[i] = frame[6 + i];
        out[6 + i] = frame[i];
    }
    for (int i = 0; i < 4; ++i) {
        out[26 + i] = frame[30 + i];
        out[30 + i] = frame[26 + i];
    }
    for (int i = 0; i < 2; ++i) {
        out[34 + i] = frame[36 + i];
        out[36 + i] = frame[34 + i];
    }
    return length;
}

// A UDP datagram from our `port` to the peer, `text` as its payload, into `out`; its length.
// `mac` is ours (NetInfo Mac); the peer is reached by broadcast, as no ARP is done here.
inline uint32_t udp_to_peer(uint64_t mac, uint16_t port, const char* text, uint8_t* out) {
    uint32_t payload = 0;
    while (text[payload] != 0) ++payload;
    const uint32_t length = 42 + payload;
    for (uint32_t i = 0; i < length; ++i) out[i] = 0;
    for (int i = 0; i < 6; ++i) {
        out[i] = 0xff;
        out[6 + i] = static_cast<uint8_t>(mac >> (8 * i));
    }
    out[12] = 0x08;
    out[14] = 0x45;
    out[16] = static_cast<uint8_t>((20 + 8 + payload) >> 8);
    out[17] = static_cast<uint8_t>(20 + 8 + payload);
    out[22] = 64;
    out[23] = 17;
    for (int i = 0; i < 4; ++i) {
        out[26 + i] = kGuestIp[i];
        out[30 + i] = kPeerIp[i];
    }
    uint32_t sum = 0;
    for (int i = 14; i < 34; i += 2) sum += be16(out + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    out[24] = static_cast<uint8_t>(~sum >> 8);
    out[25] = static_cast<uint8_t>(~sum);
    out[34] = static_cast<uint8_t>(port >> 8);
    out[35] = static_cast<uint8_t>(port);
    out[36] = static_cast<uint8_t>(kPeerPort >> 8);
    out[37] = static_cast<uint8_t>(kPeerPort);
    out[38] = static_cast<uint8_t>((8 + payload) >> 8);
    out[39] = static_cast<uint8_t>(8 + payload);
    for (uint32_t i = 0; i < payload; ++i) out[42 + i] = static_cast<uint8_t>(text[i]);
    return length;  // UDP checksum 0: none, which IPv4 allows
}

}  // namespace rawnet
