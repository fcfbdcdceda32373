// What the net layer (net.h) asks of the packet filters: whose a received frame is, and which
// ports an environment holds. The filter engine (net/filter) is one; host tests give a fake.
#pragma once

#include <cstdint>

#include "environments/environment.h"

namespace exo::net {

struct FilterMatch {
    EnvironmentSlot owner = kNoEnvironment;
    uint32_t filter = 0;  // the filter's id, as the owner knows it
};

// At most one exclusive owner (exclusive filters never overlap) and the shared subscribers.
struct Classification {
    FilterMatch exclusive;
    uint64_t shared_owners = 0;  // bit s: slot s gets a copy (slots below 64 subscribe)
};

class Classifier {
public:
    virtual void classify(const uint8_t* frame, uint32_t length, Classification& out) const = 0;
    // Whether one of `owner`'s exclusive filters claims (IPv4 protocol, local port).
    virtual bool claims(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const = 0;
    virtual void remove_all(EnvironmentSlot owner) = 0;

protected:
    ~Classifier() = default;
};

}  // namespace exo::net
