// Names for causes and registers, used by panic and by diagnostics of environment faults.
#include "csr.h"
#include "trap_frame.h"

namespace riscv {

const char* const kRegisterNames[32] = {
    "pc", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1", "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char* describe_cause(uint64_t scause) {
    if (scause & kCauseInterruptBit) {
        switch (scause & ~kCauseInterruptBit) {
        case interrupt::kSoftware: return "supervisor software interrupt";
        case interrupt::kTimer: return "supervisor timer interrupt";
        case interrupt::kExternal: return "supervisor external interrupt";
        default: return "unknown interrupt";
        }
    }
    switch (static_cast<Exception>(scause)) {
    case Exception::InstructionMisaligned: return "instruction address misaligned";
    case Exception::InstructionAccessFault: return "instruction access fault";
    case Exception::IllegalInstruction: return "illegal instruction";
    case Exception::Breakpoint: return "breakpoint";
    case Exception::LoadMisaligned: return "load address misaligned";
    case Exception::LoadAccessFault: return "load access fault";
    case Exception::StoreMisaligned: return "store address misaligned";
    case Exception::StoreAccessFault: return "store access fault";
    case Exception::EcallFromUser: return "environment call from U-mode";
    case Exception::EcallFromSupervisor: return "environment call from S-mode";
    case Exception::InstructionPageFault: return "instruction page fault";
    case Exception::LoadPageFault: return "load page fault";
    case Exception::StorePageFault: return "store page fault";
    }
    return "unknown exception";
}

}  // namespace riscv
