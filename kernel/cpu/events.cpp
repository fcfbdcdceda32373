// Posting and waiting for events (see events.h).
#include "cpu/events.h"

#include <abi/shared_info.h>

#include "cpu/scheduler.h"
#include "environments/upcall.h"

namespace exo {

void deliver_console_input(KernelState& state, std::span<const uint8_t> bytes) {
    ConsoleInput& input = state.console_input;
    (void)input.push(bytes);
    Environment* holder = state.environments.at_slot(input.holder());
    if (holder != nullptr && input.buffered() != 0) post_event(*holder, abi::event::kConsoleInput);
}

WaitDecision decide_wait(Environment& caller, uint64_t mask, uint64_t deadline, uint64_t now) {
    if (mask == 0 || (mask & ~abi::event::kWaitable) != 0)
        return {abi::Error::InvalidArgument, false, 0};
    // Only the main context sleeps: an upcall or entry that slept would keep its stack and the
    // one-entry-at-a-time rule (upcall.h) busy for as long as it waits.
    if (entry_running(caller)) return {abi::Error::NotPermitted, false, 0};
    uint64_t bits = caller.posted_events & mask;
    if (bits != 0 || (deadline != 0 && now >= deadline)) {
        caller.posted_events &= ~bits;
        return {abi::Error::Ok, false, bits};
    }
    return {abi::Error::Ok, true, 0};
}

}  // namespace exo
