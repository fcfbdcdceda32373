// The RV64I instructions the filter compiler emits, encoded as the RISC-V unprivileged spec
// (20191213) lays them out: chapter 2 (RV32I) for the formats and chapter 5 (RV64I) for the
// 6-bit shift amount and the W forms. No compressed instructions, no extensions. The host's
// emulator (tests/common/rv64_emulator.cpp) decodes independently of this file, so an encoding
// mistake here shows up as a disagreement there.
#pragma once

#include <cstdint>

namespace rv64 {

enum Register : uint32_t {
    zero = 0, ra = 1, t0 = 5, t1 = 6, t2 = 7, a0 = 10, a1 = 11, a2 = 12, a3 = 13,
};

namespace opcode {
inline constexpr uint32_t kLoad = 0x03, kOpImm = 0x13, kOpImm32 = 0x1b, kOp = 0x33,
                          kLui = 0x37, kBranch = 0x63, kJalr = 0x67, kJal = 0x6f;
}  // namespace opcode

// Branch conditions: funct3 of the B-type instructions (spec 2.5).
enum class Condition : uint32_t { Eq = 0, Ne = 1, Lt = 4, Ge = 5, Ltu = 6, Geu = 7 };
// The condition that holds exactly when `condition` does not: the long form of a branch
// jumps over a `jal` on it.
constexpr Condition invert(Condition condition) {
    return static_cast<Condition>(static_cast<uint32_t>(condition) ^ 1);
}

constexpr bool fits_signed(int64_t value, int bits) {
    return value >= -(int64_t{1} << (bits - 1)) && value < (int64_t{1} << (bits - 1));
}

constexpr uint32_t r_type(uint32_t funct7, Register rs2, Register rs1, uint32_t funct3,
                          Register rd, uint32_t op) {
    return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | op;
}
constexpr uint32_t i_type(int32_t imm, Register rs1, uint32_t funct3, Register rd, uint32_t op) {
    return (static_cast<uint32_t>(imm) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | op;
}

// B-type immediate bits (imm[12|10:5] in 31:25, imm[4:1|11] in 11:7): a byte offset, even,
// within +-4 KiB.
constexpr uint32_t b_immediate(int32_t offset) {
    uint32_t imm = static_cast<uint32_t>(offset);
    return ((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | ((imm >> 1) & 0xf) << 8 |
           ((imm >> 11) & 1) << 7;
}
// J-type immediate bits (imm[20|10:1|11|19:12] in 31:12): even, within +-1 MiB.
constexpr uint32_t j_immediate(int32_t offset) {
    uint32_t imm = static_cast<uint32_t>(offset);
    return ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20 |
           ((imm >> 12) & 0xff) << 12;
}

constexpr uint32_t branch(Condition condition, Register rs1, Register rs2, int32_t offset) {
    return b_immediate(offset) | rs2 << 20 | rs1 << 15 | static_cast<uint32_t>(condition) << 12 |
           opcode::kBranch;
}
constexpr uint32_t jal(Register rd, int32_t offset) {
    return j_immediate(offset) | rd << 7 | opcode::kJal;
}
constexpr uint32_t jalr(Register rd, Register rs1, int32_t offset) {
    return i_type(offset, rs1, 0, rd, opcode::kJalr);
}
constexpr uint32_t ret() { return jalr(zero, ra, 0); }

constexpr uint32_t lui(Register rd, uint32_t upper20) {
    return (upper20 & 0xfffff) << 12 | rd << 7 | opcode::kLui;
}
constexpr uint32_t addi(Register rd, Register rs1, int32_t imm) {
    return i_type(imm, rs1, 0, rd, opcode::kOpImm);
}
constexpr uint32_t addiw(Register rd, Register rs1, int32_t imm) {
    return i_type(imm, rs1, 0, rd, opcode::kOpImm32);
}
constexpr uint32_t andi(Register rd, Register rs1, int32_t imm) {
    return i_type(imm, rs1, 7, rd, opcode::kOpImm);
}
constexpr uint32_t ori(Register rd, Register rs1, int32_t imm) {
    return i_type(imm, rs1, 6, rd, opcode::kOpImm);
}
// RV64I: shamt is 6 bits (imm[5:0]), imm[11:6] = 0 for a logical left shift (spec 5.2).
constexpr uint32_t slli(Register rd, Register rs1, uint32_t shamt) {
    return i_type(static_cast<int32_t>(shamt & 0x3f), rs1, 1, rd, opcode::kOpImm);
}
constexpr uint32_t add(Register rd, Register rs1, Register rs2) {
    return r_type(0, rs2, rs1, 0, rd, opcode::kOp);
}
constexpr uint32_t sub(Register rd, Register rs1, Register rs2) {
    return r_type(0x20, rs2, rs1, 0, rd, opcode::kOp);
}
constexpr uint32_t and_(Register rd, Register rs1, Register rs2) {
    return r_type(0, rs2, rs1, 7, rd, opcode::kOp);
}
constexpr uint32_t or_(Register rd, Register rs1, Register rs2) {
    return r_type(0, rs2, rs1, 6, rd, opcode::kOp);
}
constexpr uint32_t lbu(Register rd, Register rs1, int32_t offset) {
    return i_type(offset, rs1, 4, rd, opcode::kLoad);
}
constexpr uint32_t lhu(Register rd, Register rs1, int32_t offset) {
    return i_type(offset, rs1, 5, rd, opcode::kLoad);
}
constexpr uint32_t lw(Register rd, Register rs1, int32_t offset) {
    return i_type(offset, rs1, 2, rd, opcode::kLoad);
}

// Spot checks against encodings read off the spec's tables (and GNU as).
static_assert(addi(a0, zero, 0) == 0x00000513);           // li a0, 0
static_assert(ret() == 0x00008067);                       // ret
static_assert(lhu(t0, a0, 12) == 0x00c55283);             // lhu t0, 12(a0)
static_assert(branch(Condition::Ne, t0, t1, 8) == 0x00629463);  // bne t0, t1, .+8
static_assert(jal(zero, -4) == 0xffdff06f);               // j .-4
static_assert(lui(t1, 0x10) == 0x00010337);               // lui t1, 0x10
static_assert(slli(t2, t2, 2) == 0x00239393);             // slli t2, t2, 2

}  // namespace rv64
