#!/usr/bin/env python3
"""Checks a raw kernel image (kernel-<image>.bin) against the ELF it was made from.

    check_raw_image.py <readelf> <nm> <kernel.elf> <kernel.bin>

What U-Boot's booti relies on, from Linux's RISC-V Image header format: code0 a jump to the code
after the 64-byte header, text_offset placing the image at its link address above the board's
RAM base, image_size covering everything the kernel occupies (.bss and stacks), little-endian
flags, version 0.2, both magics. And what the board relies on: the file holds exactly the ELF's
loaded bytes, each at its load address minus the entry, which is the first byte.
"""
import struct
import subprocess
import sys

HEADER = struct.Struct("<IIQQQIIQ8s4sI")
assert HEADER.size == 64


def run(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main():
    readelf, nm, elf_path, bin_path = sys.argv[1:5]
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    symbols = {}
    for line in run(nm, elf_path).splitlines():
        fields = line.split()
        if len(fields) == 3:
            symbols[fields[2]] = int(fields[0], 16)
    entry = int(run(readelf, "-h", elf_path).split("Entry point address:")[1].split()[0], 16)
    # LOAD offset virtual physical filesz memsz flags align
    segments = []
    for line in run(readelf, "-lW", elf_path).splitlines():
        fields = line.split()
        if fields and fields[0] == "LOAD":
            segments.append(tuple(int(fields[i], 16) for i in (1, 3, 4)))
    with open(elf_path, "rb") as elf_file:
        elf = elf_file.read()
    with open(bin_path, "rb") as bin_file:
        image = bin_file.read()

    if len(image) < HEADER.size or not segments:
        print(f"FAIL: {bin_path}: {len(image)} bytes, {len(segments)} loadable segments")
        return 1
    (code0, code1, text_offset, image_size, flags, version, res1, res2, magic, magic2,
     res3) = HEADER.unpack_from(image)

    # code0: jal x0, offset (opcode 0x6f, rd 0); the offset's bits are scattered (J-type).
    check(code0 & 0xfff == 0x6f, f"code0 {code0:#010x} is not a jump (jal x0)")
    offset = (((code0 >> 31) & 1) << 20 | ((code0 >> 12) & 0xff) << 12
              | ((code0 >> 20) & 1) << 11 | ((code0 >> 21) & 0x3ff) << 1)
    header_end = symbols.get("image_header_end", 0) - symbols.get("_start", 0)
    check(header_end == HEADER.size, f"the header ends {header_end} bytes after _start, not 64")
    check(offset == header_end, f"code0 jumps {offset} bytes ahead, not past the header")
    check(code1 == 0, f"code1 {code1:#x}, expected 0")

    ram_base = symbols.get("BOARD_RAM_BASE")
    check(ram_base is not None, "no BOARD_RAM_BASE symbol (boards/<board>/board_memory.ld)")
    if ram_base is not None:
        check(ram_base + text_offset == entry,
              f"RAM base {ram_base:#x} + text_offset {text_offset:#x} is not the entry {entry:#x}:"
              " booti would put the image where it does not run")
    # With text_offset 0 booti copies the image over OpenSBI, which owns the RAM's first 2 MiB.
    check(text_offset >= 0x200000, f"text_offset {text_offset:#x} is inside the firmware's 2 MiB")

    first_load = min(physical for _, physical, _ in segments)
    check(entry == first_load, f"entry {entry:#x} is not the first load address {first_load:#x}")
    file_end = max(physical + size for _, physical, size in segments)
    check(len(image) == file_end - first_load,
          f"{len(image)} bytes, but the loaded bytes span {file_end - first_load}")
    for offset_in_elf, physical, size in segments:
        at = physical - first_load
        check(image[at:at + size] == elf[offset_in_elf:offset_in_elf + size],
              f"the segment loaded at {physical:#x} differs from the ELF's bytes")
    kernel_size = symbols.get("__kernel_end", 0) - symbols.get("__kernel_start", 0)
    check(image_size == kernel_size,
          f"image_size {image_size:#x}, but the kernel spans {kernel_size:#x}")
    check(image_size >= len(image), f"image_size {image_size:#x} is smaller than the file")

    check(flags == 0, f"flags {flags:#x}, expected 0 (little-endian)")
    check(version == 2, f"version {version:#x}, expected 0.2")
    check(res1 == 0 and res2 == 0 and res3 == 0, "reserved fields are not zero")
    check(magic == b"RISCV\0\0\0", f"magic {magic!r}")
    check(magic2 == b"RSC\x05", f"magic2 {magic2!r}")

    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        return 1
    print(f"PASS: {bin_path}: {len(image)} bytes from {first_load:#x}, text_offset "
          f"{text_offset:#x}, image_size {image_size:#x}, {len(segments)} segments match the ELF")
    return 0


if __name__ == "__main__":
    sys.exit(main())
