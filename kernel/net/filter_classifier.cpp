// FilterClassifier (filter_classifier.h).
#include "net/filter_classifier.h"

namespace exo {

void FilterClassifier::classify(const uint8_t* frame, uint32_t length,
                                net::Classification& out) const {
    const Classification verdict = filters_->classify(frame, length);
    out.exclusive = {};
    if (verdict.exclusive != 0) {
        out.exclusive = {filters_->exclusive_owner(verdict), filters_->exclusive_filter(verdict)};
    }
    out.shared_owners = verdict.shared_owners;
}

}  // namespace exo
