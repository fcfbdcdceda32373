// The work of the memory calls that is more than a table lookup, over a KernelState and the
// calling environment: the syscall handlers (kernel/syscalls/syscalls_memory.cpp) are the register
// layer over these. Nothing here touches a CSR, the timer or the running hart.
#pragma once

#include <abi/syscall.h>
#include <cstdint>

#include "kernel_state.h"

namespace exo::memory_calls {

// FrameFree past the fast path's one compare: names the error, or frees the frame (its grants
// end with it, an outstanding revocation request counts it).
abi::Error free_frame(KernelState& state, Environment& caller, uint64_t pfn);

// FrameSetEssential: `on` is 0 or 1; at most kMaxEssentialFrames per environment.
abi::Error set_essential(KernelState& state, Environment& caller, uint64_t pfn, uint64_t on);

// Grant and GrantRevoke. A revocation unmaps the frame from the grantee; `unmapped` counts the
// pages that were bound to it.
abi::Error grant(KernelState& state, Environment& caller, uint64_t pfn, EnvironmentId grantee_id,
                 uint64_t permissions);
abi::Error revoke_grant(KernelState& state, Environment& caller, uint64_t pfn,
                        EnvironmentId grantee_id, uint64_t& unmapped);

// Under memory pressure: the environment to ask for frames back, the largest holder other than
// the caller with no request outstanding (nullptr when there is none).
Environment* pressure_victim(KernelState& state, const Environment& caller);

}  // namespace exo::memory_calls
