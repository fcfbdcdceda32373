// Inside the runtime: the one dispatcher, and where each upcall enters (runtime/upcall_entries.cpp)
// for the registration calls (runtime/upcalls.cpp) to give the kernel.
#pragma once

#include <cstdint>

#include <exos/dispatcher.h>

namespace exos::runtime {

UpcallDispatcher& dispatcher();

struct EntryPoint {
    uint64_t pc;
    uint64_t sp;
};
EntryPoint exception_entry();
EntryPoint revocation_entry();
EntryPoint event_entry();
EntryPoint slice_start_entry();
EntryPoint slice_end_entry();

}  // namespace exos::runtime
