// HostLink (net_host_link.h).
#include "net_host_link.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

namespace nettest {

std::span<const uint8_t> HostLink::receive() {
    if (!held_) {
        ssize_t length = recv(descriptor_, receive_, sizeof(receive_), MSG_DONTWAIT | MSG_TRUNC);
        if (length <= 0) return {};
        // A frame longer than the buffer is reported at the buffer's size (still oversized).
        received_length_ = std::min(static_cast<size_t>(length), sizeof(receive_));
        held_ = true;
    }
    return {receive_, received_length_};
}

void HostLink::transmit(size_t length) {
    if (send(descriptor_, transmit_, length, MSG_NOSIGNAL) == static_cast<ssize_t>(length)) {
        ++sent_;
    }
}

void HostLink::wait(uint32_t milliseconds) {
    if (held_) return;
    pollfd entry{descriptor_, POLLIN, 0};
    (void)poll(&entry, 1, static_cast<int>(milliseconds));
}

abi::Error HostLink::claim_port(exos::IpProtocol protocol, uint16_t port) {
    if (std::find(refused_.begin(), refused_.end(), port) != refused_.end()) {
        return abi::Error::AlreadyExists;
    }
    if (claimed(protocol, port)) return abi::Error::AlreadyExists;
    claims_.push_back({protocol, port});
    return abi::Error::Ok;
}

void HostLink::release_port(exos::IpProtocol protocol, uint16_t port) {
    std::erase_if(claims_, [&](const Claim& claim) {
        return claim.protocol == protocol && claim.port == port;
    });
}

bool HostLink::claimed(exos::IpProtocol protocol, uint16_t port) const {
    return std::any_of(claims_.begin(), claims_.end(), [&](const Claim& claim) {
        return claim.protocol == protocol && claim.port == port;
    });
}

}  // namespace nettest
