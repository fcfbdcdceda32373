// The RV64I interpreter (rv64_emulator.h). Field positions and semantics from the unprivileged
// spec (20191213): 2.2-2.6 for the formats, 2.4-2.6 for the instructions, 5.2-5.3 for RV64's
// shifts, W forms and loads.
#include "tests/common/rv64_emulator.h"

#include <cstdio>

namespace rv64_emulator {
namespace {

constexpr uint64_t kCodeBase = 0xffffffffc0000000;  // where the code appears to run
constexpr uint64_t kReturnAddress = 0x0000000000badcafe & ~uint64_t{3};
constexpr uint64_t kInstructionLimit = 1'000'000;
constexpr uint64_t kGarbage = 0x5ca1ab1edeadbeef;  // what a register the code must write holds

int64_t sign_extend(uint64_t value, int bits) {
    uint64_t sign = uint64_t{1} << (bits - 1);
    value &= (uint64_t{1} << bits) - 1;
    return static_cast<int64_t>((value ^ sign) - sign);
}

uint32_t bits(uint32_t word, int high, int low) {
    return (word >> low) & ((1u << (high - low + 1)) - 1);
}

bool writable(uint32_t rd) {
    return rd == 0 || rd == 5 || rd == 6 || rd == 7 || (rd >= 10 && rd <= 13);
}

std::string describe(const char* what, uint64_t pc, uint32_t word) {
    char text[160];
    std::snprintf(text, sizeof(text), "%s at word %llu (0x%08x)", what,
                  static_cast<unsigned long long>((pc - kCodeBase) / 4), word);
    return text;
}

}  // namespace

Outcome run(const uint32_t* words, size_t count, const uint8_t* packet, uint64_t guest_packet,
            uint64_t length) {
    Outcome outcome;
    uint64_t x[32];
    for (uint64_t& reg : x) reg = kGarbage;
    x[0] = 0;
    x[1] = kReturnAddress;
    x[10] = guest_packet;
    x[11] = length;
    uint64_t pc = kCodeBase;
    uint32_t written = 0;  // a bit per register the code wrote
    auto fail = [&](const char* what, uint32_t word) {
        outcome.ok = false;
        outcome.error = describe(what, pc, word);
        return outcome;
    };
    while (true) {
        if (outcome.instructions++ >= kInstructionLimit) return fail("instruction limit", 0);
        if (pc < kCodeBase || pc >= kCodeBase + 4 * count || (pc & 3) != 0)
            return fail("fetch outside the code", 0);
        uint32_t word = words[(pc - kCodeBase) / 4];
        uint32_t op = bits(word, 6, 0), rd = bits(word, 11, 7), funct3 = bits(word, 14, 12);
        uint32_t rs1 = bits(word, 19, 15), rs2 = bits(word, 24, 20), funct7 = bits(word, 31, 25);
        int64_t imm_i = sign_extend(word >> 20, 12);
        uint64_t next = pc + 4;
        uint64_t result = 0;
        bool writes = true;
        switch (op) {
        case 0x37:  // LUI
            result = static_cast<uint64_t>(sign_extend(word & 0xfffff000u, 32));
            break;
        case 0x13:  // OP-IMM
            switch (funct3) {
            case 0: result = x[rs1] + static_cast<uint64_t>(imm_i); break;         // ADDI
            case 6: result = x[rs1] | static_cast<uint64_t>(imm_i); break;         // ORI
            case 7: result = x[rs1] & static_cast<uint64_t>(imm_i); break;         // ANDI
            case 1:                                                                // SLLI
                if (bits(word, 31, 26) != 0) return fail("not an RV64 slli", word);
                result = x[rs1] << bits(word, 25, 20);
                break;
            default: return fail("OP-IMM the compiler does not emit", word);
            }
            break;
        case 0x1b:  // OP-IMM-32
            if (funct3 != 0) return fail("OP-IMM-32 other than addiw", word);
            result = static_cast<uint64_t>(
                sign_extend(static_cast<uint32_t>(x[rs1] + static_cast<uint64_t>(imm_i)), 32));
            break;
        case 0x33:  // OP
            if (funct7 == 0 && funct3 == 0) {
                result = x[rs1] + x[rs2];
            } else if (funct7 == 0x20 && funct3 == 0) {
                result = x[rs1] - x[rs2];
            } else if (funct7 == 0 && funct3 == 7) {
                result = x[rs1] & x[rs2];
            } else if (funct7 == 0 && funct3 == 6) {
                result = x[rs1] | x[rs2];
            } else {
                return fail("OP the compiler does not emit", word);
            }
            break;
        case 0x03: {  // LOAD
            uint64_t size = funct3 == 4 ? 1 : funct3 == 5 ? 2 : funct3 == 2 ? 4 : 0;
            if (size == 0) return fail("a load other than lbu, lhu, lw", word);
            uint64_t address = x[rs1] + static_cast<uint64_t>(imm_i);
            // Inside [guest_packet, guest_packet + length), without overflowing on the way.
            uint64_t offset = address - guest_packet;
            if (address < guest_packet || offset > length || size > length - offset)
                return fail("a read outside the frame", word);
            uint64_t value = 0;  // little-endian, any alignment
            for (uint64_t i = 0; i < size; ++i) value |= uint64_t{packet[offset + i]} << (8 * i);
            result = funct3 == 2 ? static_cast<uint64_t>(sign_extend(value, 32)) : value;
            break;
        }
        case 0x63: {  // BRANCH
            int64_t offset = sign_extend(bits(word, 31, 31) << 12 | bits(word, 7, 7) << 11 |
                                             bits(word, 30, 25) << 5 | bits(word, 11, 8) << 1,
                                         13);
            auto a = x[rs1], b = x[rs2];
            bool taken;
            switch (funct3) {
            case 0: taken = a == b; break;
            case 1: taken = a != b; break;
            case 4: taken = static_cast<int64_t>(a) < static_cast<int64_t>(b); break;
            case 5: taken = static_cast<int64_t>(a) >= static_cast<int64_t>(b); break;
            case 6: taken = a < b; break;
            case 7: taken = a >= b; break;
            default: return fail("not a branch", word);
            }
            if (offset <= 0) return fail("a branch that does not go forward", word);
            if (taken) next = pc + static_cast<uint64_t>(offset);
            writes = false;
            break;
        }
        case 0x6f: {  // JAL
            int64_t offset = sign_extend(bits(word, 31, 31) << 20 | bits(word, 19, 12) << 12 |
                                             bits(word, 20, 20) << 11 | bits(word, 30, 21) << 1,
                                         21);
            if (offset <= 0) return fail("a jump that does not go forward", word);
            if (rd != 0) return fail("a call", word);
            next = pc + static_cast<uint64_t>(offset);
            writes = false;
            break;
        }
        case 0x67:  // JALR: only `ret`
            if (word != 0x00008067) return fail("a jalr other than ret", word);
            if (x[1] != kReturnAddress) return fail("ret with ra changed", word);
            for (uint32_t reg : {5u, 6u, 7u, 12u, 13u}) {
                if ((written >> reg & 1) != 0 && x[reg] != 0)
                    return fail("a temporary register not cleared at the return", word);
            }
            outcome.ok = true;
            outcome.a0 = x[10];
            outcome.a1 = x[11];
            return outcome;
        default:
            return fail("an instruction the compiler does not emit", word);
        }
        if (writes) {
            if (!writable(rd)) return fail("writes a register outside a0..a3, t0..t2", word);
            if (rd != 0) x[rd] = result;
            written |= 1u << rd;
        }
        pc = next;
    }
}

bool EmulatedFilterCode::load(const uint32_t* words, size_t count) {
    if (count == 0 || count > capacity_) return false;
    words_.assign(words, words + count);
    ++loads_;
    return true;
}

exo::Classification EmulatedFilterCode::run(const uint8_t* packet, uint64_t length) const {
    Outcome outcome =
        rv64_emulator::run(words_.data(), words_.size(), packet, guest_packet_, length);
    last_instructions_ = outcome.instructions;
    if (!outcome.ok) {
        ++failures_;
        last_error_ = outcome.error;
        return {~uint64_t{0}, ~uint64_t{0}};
    }
    return {outcome.a0, outcome.a1};
}

}  // namespace rv64_emulator
