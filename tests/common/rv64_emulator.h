// A small RV64I interpreter for the packet-filter compiler's output, on the host: it runs the
// instructions that compiler emits (and refuses any other), and checks what the kernel relies
// on while it runs them: every load lies inside the frame, every branch and jump goes forward
// (no loop), no register but a0..a3 and t0..t2 is written, the only return is `ret`, and t0..t2,
// a2 and a3 are zero when it returns (the kernel's register rule). Decoded from the RISC-V
// unprivileged spec's tables, independently of kernel/net/filter/rv64_encoding.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/filter/filter_code.h"

namespace rv64_emulator {

struct Outcome {
    bool ok = false;
    std::string error;        // what went wrong, when !ok
    uint64_t a0 = 0, a1 = 0;  // the returned pair
    uint64_t instructions = 0;
};

// Runs `words` (the entry is the first) with a0 = `guest_packet`, a1 = `length`; the frame's
// bytes are `packet[0 .. length)`, at guest addresses guest_packet onward.
Outcome run(const uint32_t* words, size_t count, const uint8_t* packet, uint64_t guest_packet,
            uint64_t length);

// FilterCode on the emulator: the host tests' and the fuzzer's stand-in for the kernel's pages.
// A run that breaks a rule is counted in failures() (with the last error kept) and returns a
// classification no real run gives, so a comparison with the interpreter fails too.
class EmulatedFilterCode final : public exo::FilterCode {
public:
    explicit EmulatedFilterCode(size_t capacity_words = 8192) : capacity_(capacity_words) {}

    bool load(const uint32_t* words, size_t count) override;
    exo::Classification run(const uint8_t* packet, uint64_t length) const override;

    // The guest address the frame is given at (the code's arithmetic must not depend on it).
    void set_guest_packet(uint64_t address) { guest_packet_ = address; }
    uint64_t failures() const { return failures_; }
    const std::string& last_error() const { return last_error_; }
    uint64_t last_instructions() const { return last_instructions_; }
    const std::vector<uint32_t>& words() const { return words_; }
    uint64_t loads() const { return loads_; }

private:
    size_t capacity_;
    std::vector<uint32_t> words_;
    uint64_t guest_packet_ = 0xffffffc080200002;
    uint64_t loads_ = 0;
    mutable uint64_t failures_ = 0;
    mutable uint64_t last_instructions_ = 0;
    mutable std::string last_error_;
};

}  // namespace rv64_emulator
