// Names of RISC-V exception causes, for the runtime's reports (privileged spec, table 3.6).
#include <exos/upcalls.h>

namespace exos {

const char* exception_name(uint64_t cause) {
    switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store page fault";
    default: return "exception";
    }
}

}  // namespace exos
