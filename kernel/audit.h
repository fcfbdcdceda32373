// The consistency check behind the Audit syscall and the host model tests: every frame is
// accounted for exactly once, every map count matches the page tables, every owner is alive.
#pragma once

#include <cstdint>
#include <span>

#include "kernel_state.h"

namespace exo {

struct AuditReport {
    uint64_t problems = 0;
    uint64_t free = 0, kernel = 0, reserved = 0, owned = 0, mappings = 0, tables = 0;
};

// `scratch` holds one counter per frame. `report_problem` receives a short description of each
// inconsistency (the kernel prints them; tests collect them).
template <typename Report>
AuditReport audit(KernelState& state, std::span<uint16_t> scratch, Report&& report_problem);

}  // namespace exo

#include "audit_impl.h"
