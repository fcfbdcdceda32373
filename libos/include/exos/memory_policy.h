// What a memory policy gives the runtime's upcall dispatcher: the faults it claims and resolves,
// and frames it can give back when the kernel asks for some (docs/design.md, "The library OS").
#pragma once

#include <abi/shared_info.h>
#include <cstdint>

#include <exos/upcall_types.h>

namespace exos {

class MemoryPolicy {
public:
    // Whether this fault is this policy's: its region, a cause it resolves. The dispatcher asks
    // the policies in the order they registered and gives the fault to the first that claims it,
    // so claims must not overlap (a region belongs to one policy).
    virtual bool claims(const volatile abi::TrapState& trap) const = 0;
    virtual ExceptionOutcome handle_fault(const volatile abi::TrapState& trap) = 0;
    // The kernel wants `frames` back: free up to that many (what this policy can spare) and say
    // how many went. The dispatcher asks the next policy for the rest.
    virtual uint64_t give_back(uint64_t frames) = 0;
    // For reports ("no memory policy claims it", a refused registration).
    virtual const char* name() const = 0;

protected:
    ~MemoryPolicy() = default;  // policies are static objects, never deleted through this
};

// A policy's claim over the pages [base, base + pages * 4 KiB), for memory faults only: page
// faults and access faults (RISC-V privileged spec 3.1.15: stval holds the address for these).
bool is_memory_fault(uint64_t cause);
inline bool fault_in(const volatile abi::TrapState& trap, uint64_t base, uint64_t pages) {
    return is_memory_fault(trap.cause) && trap.address - base < pages * 4096;
}

}  // namespace exos
