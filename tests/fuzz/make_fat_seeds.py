#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_fat (corpus/fat/): FAT12, FAT16 and FAT32 images made by
mkfs.fat and filled by mtools (long names, nested directories, files across clusters), in the
target's sparse format (fuzz_fat.cpp): u32 block count, then u32 block number + 512 bytes for
every block that is not all zeros. Needs dosfstools and mtools; run once, the output is checked
in. The tools stamp dates and serial numbers, so a rerun changes the bytes, not the shapes.

    tests/fuzz/make_fat_seeds.py
"""
import os
import pathlib
import struct
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
# (name, FAT bits, KiB, sectors a cluster): the smallest volumes of each type mkfs.fat makes.
LAYOUTS = [('fat12', 12, 1024, 4), ('fat16', 16, 2400, 1), ('fat32', 32, 34000, 1)]


def run(*command):
    subprocess.run(command, check=True, capture_output=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK='1'))


def sparse(image):
    data = image.read_bytes()
    out = bytearray(struct.pack('<I', len(data) // 512))
    for block in range(len(data) // 512):
        chunk = data[block * 512:(block + 1) * 512]
        if any(chunk):
            out += struct.pack('<I', block) + chunk
    return bytes(out)


def main():
    target = HERE / 'corpus' / 'fat'
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        temp = pathlib.Path(temp)
        source = temp / 'source'
        for name, bits, kib, cluster in LAYOUTS:
            image = temp / f'{name}.img'
            run('mkfs.fat', '-F', str(bits), '-s', str(cluster), '-C', str(image), str(kib))
            run('mmd', '-i', str(image), '::/Some Directory')
            run('mmd', '-i', str(image), '::/Some Directory/nested')
            for index, size in enumerate([0, 1, 700, 2100]):
                source.write_bytes(bytes((index * 31 + i) & 0xff for i in range(size)))
                run('mcopy', '-i', str(image), str(source),
                    f'::/Some Directory/nested/A long file name {index}.bin')
            run('mcopy', '-i', str(image), str(source), '::/SHORT.TXT')
            (target / f'{name}.seed').write_bytes(sparse(image))


if __name__ == '__main__':
    main()
