// The net layer's classifier (classifier.h) over the installed packet filters (net/filter):
// their verdict, in the net layer's terms.
#pragma once

#include "net/classifier.h"
#include "net/filter/packet_filters.h"

namespace exo {

class FilterClassifier final : public net::Classifier {
public:
    // A pointer, not a reference: KernelState, which holds both, stays copyable (the fuzzers
    // restore a saved one).
    explicit FilterClassifier(PacketFilters* filters) : filters_(filters) {}

    void classify(const uint8_t* frame, uint32_t length, net::Classification& out) const override;
    bool claims(EnvironmentSlot owner, uint8_t protocol, uint16_t port) const override {
        return filters_->claims(owner, protocol, port);
    }
    void remove_all(EnvironmentSlot owner) override { filters_->remove_all(owner); }

private:
    PacketFilters* filters_;
};

}  // namespace exo
