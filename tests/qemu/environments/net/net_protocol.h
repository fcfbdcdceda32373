// What the network scenario's two environments and the host's peer (tests/qemu/net_peer.py)
// agree on: ports, and the mailbox words between the first environment and its child.
#pragma once

#include <cstdint>

namespace netscenario {

inline constexpr uint16_t kFirstPort = 7000;   // the first environment's (exclusive)
inline constexpr uint16_t kSecondPort = 7001;  // the child's (exclusive)

// words[] of the mailbox (environments/memory/mailbox.h).
inline constexpr int kUp = 0;          // out: 1 once the child's filters are installed
inline constexpr int kEchoed = 1;      // out: datagrams the child echoed
inline constexpr int kArpCopies = 2;   // out: ARP frames the child received (shared copies)
inline constexpr int kFloodSeen = 3;   // out: flood datagrams the child received
inline constexpr int kDropped = 4;     // out: the child's RxDropped
inline constexpr int kFailures = 5;    // out: the child's failed checks
inline constexpr int kLeave = 6;       // in: 1 when the child may exit

}  // namespace netscenario
