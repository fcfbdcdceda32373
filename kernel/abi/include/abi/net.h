// The network, as the kernel exposes it: Ethernet frames moved between one NIC and the
// environments' own memory, each received frame given to the environment whose packet filter
// accepts it (abi/net_filter.h), each transmitted one checked against what the sender may send
// (docs/net.md).
//
// Receiving. The environment registers a receive ring (one frame it owns: a NetRingHeader and
// NetRxEntry[kNetRxEntries]) and a run of physically consecutive buffer frames it owns, two
// kNetBufferBytes slots per frame: slot i is bytes [i * 2048, i * 2048 + 2048) of the run. For
// each frame its filters accept, the kernel copies the frame into slot `tail % slots`, writes
// the entry of the same index, advances `tail` and raises event::kNetReceive. The environment
// reads entries from `head` and advances it when it is done with the slot. When the ring is
// full (tail - head == slots) the frame is dropped and `dropped` counts it: nothing waits in the
// kernel, which never grows. The kernel keeps its own tail; it only reads `head`.
//
// Transmitting. The environment writes NetTxRequest entries at the tail of a transmit ring (a
// frame it owns, a NetRingHeader then kNetTxEntries requests) and calls NetSubmit, which takes
// what the device has room for and returns how many. Each request names a frame of the caller
// and a byte range in it holding one whole Ethernet frame (no FCS). The headers the kernel checks
// (Ethernet, IPv4, the transport's ports) are copied into kernel memory and sent from there, so
// what is checked is what goes out; the rest is sent from the frame, pinned until the device is
// done. Each request taken gets one NetCompletion (tag, status) in the completion ring (a fourth
// frame), announced by event::kNetTransmitDone. A request the kernel refuses (not the caller's
// frame, a malformed or spoofed frame) completes at once with that error and sends nothing.
//
// What an environment may send: the NIC's own source MAC; ARP with that MAC as sender; IPv4
// ICMP; IPv4 UDP or TCP from a local port one of its exclusive filters claims (abi/net_filter.h,
// "claims"). Anything else completes with NotPermitted. The IPv4 source address is not checked:
// the environments share the NIC's one address, and ports are what tell them apart.
#pragma once

#include <cstdint>

namespace abi {

inline constexpr uint32_t kNetMaxFrameBytes = 1514;  // Ethernet header + 1500, no FCS, no VLAN
inline constexpr uint32_t kNetMinFrameBytes = 14;
inline constexpr uint32_t kNetBufferBytes = 2048;    // one receive slot
inline constexpr uint32_t kNetSlotsPerFrame = 4096 / kNetBufferBytes;
inline constexpr uint32_t kNetMaxBufferFrames = 32;  // 64 receive slots

// The start of every ring frame. `head` and `tail` count entries forever (wrapping at 2^32); the
// entry for count n is entries[n % capacity]. Receive ring: the kernel writes `tail` and
// `dropped`, the environment `head`. Transmit ring: the environment writes `tail`, the kernel
// `head`. Completion ring: the kernel writes `tail`, the environment `head`.
struct NetRingHeader {
    uint32_t head;
    uint32_t tail;
    uint32_t dropped;  // receive ring only: frames lost because the ring was full
    uint32_t reserved[13];
};
static_assert(sizeof(NetRingHeader) == 64);

// One received frame, in the slot of the same index.
struct NetRxEntry {
    uint16_t length;  // bytes of the frame in the slot, 14 to kNetMaxFrameBytes
    uint16_t flags;   // net_rx_flag bits
    uint32_t filter;  // the id of the exclusive filter that accepted it (0 for a shared copy)
};
static_assert(sizeof(NetRxEntry) == 8);
namespace net_rx_flag {
inline constexpr uint32_t kShared = 1 << 0;  // a copy, through a shared filter
}  // namespace net_rx_flag

struct NetTxRequest {
    uint64_t tag;     // the environment's own, returned in the completion
    uint64_t frame;   // frame number (not an address)
    uint16_t offset;  // where the Ethernet frame starts in it
    uint16_t length;  // kNetMinFrameBytes to kNetMaxFrameBytes; offset + length <= 4096
    uint32_t reserved;
};
static_assert(sizeof(NetTxRequest) == 24);

struct NetCompletion {
    uint64_t tag;
    uint64_t status;  // an abi::Error: Ok, NotOwner, NotPermitted, InvalidArgument, IoError, ...
};
static_assert(sizeof(NetCompletion) == 16);

inline constexpr uint32_t kNetRxEntries = 64;   // at most kNetMaxBufferFrames * 2 slots used
inline constexpr uint32_t kNetTxEntries = 128;  // (4096 - 64) / 24 is 168
inline constexpr uint32_t kNetCompletionEntries = 128;
static_assert(sizeof(NetRingHeader) + kNetRxEntries * sizeof(NetRxEntry) <= 4096);
static_assert(sizeof(NetRingHeader) + kNetTxEntries * sizeof(NetTxRequest) <= 4096);
static_assert(sizeof(NetRingHeader) + kNetCompletionEntries * sizeof(NetCompletion) <= 4096);
static_assert(kNetMaxBufferFrames * kNetSlotsPerFrame <= kNetRxEntries);

// NetInfo's questions (a0).
enum class NetInfoField : uint64_t {
    Mac = 0,           // the NIC's address, the first byte on the wire in bits 0..7
    Mtu = 1,           // 1500
    RxDelivered = 2,   // frames put in the caller's receive ring
    RxDropped = 3,     // frames for the caller lost to a full ring
    RxUnclaimed = 4,   // frames no filter accepted (the whole machine's count)
    TxSent = 5,        // the caller's frames the device has sent
    TxRefused = 6,     // the caller's requests refused by the checks
};

}  // namespace abi
