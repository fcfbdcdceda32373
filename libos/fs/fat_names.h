// Names on a FAT volume: UTF-8 to UTF-16 and back, case folding, the 8.3 form of a long name
// (Microsoft FAT specification, section 7.4 "basis-name generation") and the long-name checksum.
#pragma once

#include <cstdint>
#include <string_view>

#include <exos/fat.h>

namespace exos::fat::names {

using NameUnits = FileSystem::NameUnits;

// A path component to UTF-16: InvalidName for bad UTF-8, characters past U+FFFF, or more than
// kMaxNameUnits units.
FsError decode(std::string_view utf8, NameUnits& name);
// UTF-16 to NUL-terminated UTF-8 in `out` (kMaxNameBytes); an unpaired surrogate becomes '?'.
void encode(const uint16_t* units, uint32_t length, char* out);

uint16_t fold(uint16_t unit);  // ASCII upper case; other characters as they are
bool same(const NameUnits& a, const NameUnits& b);  // case-insensitive

// A name FAT accepts for a new entry: no control or reserved characters, not only dots and
// spaces, no trailing dot or space (Windows would strip them and find another file).
bool valid_long_name(const NameUnits& name);

// The basis name (section 7.4): upper case, invalid characters as '_', spaces and leading
// dots gone, 8 + 3. `lossy` when it is not the name itself (a ~N tail is then required);
// `needs_long_name` when the name must also be kept in long-name entries.
void basis(const NameUnits& name, uint8_t short_name[11], bool& lossy, bool& needs_long_name);
// The basis with "~<number>" cut into its first eight characters.
void with_tail(const uint8_t basis_name[11], uint32_t number, uint8_t short_name[11]);

// "NAME.EXT" of an 11-byte short name; NT's lower-case bits (0x08 base, 0x10 extension)
// honoured as Windows and mtools write them.
void short_display(const uint8_t short_name[11], uint8_t case_bits, char out[13]);
void short_units(const uint8_t short_name[11], uint8_t case_bits, NameUnits& name);

uint8_t checksum(const uint8_t short_name[11]);  // section 7.2

}  // namespace exos::fat::names

namespace exos::fat {

// A short entry's first cluster (the high half only on FAT32, where it is defined), and back.
uint32_t entry_cluster(const uint8_t* slot, FatType type);
void set_entry_cluster(uint8_t* slot, uint32_t cluster);

}  // namespace exos::fat
