#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (corpus/<target>/) and the hand-made regression inputs
(regressions/<target>/). Run once after changing an input format; the output is checked in.

    tests/fuzz/make_seeds.py [--elf-dir build/qemu-virt/environments]

Deterministic: the random seeds come from a fixed generator, so a rerun changes nothing. Real
ELF images from a build are copied only when missing here, so a rebuild does not churn them.
The syscall_decode encoders below mirror Harness::step/argument in fuzz_syscall_decode.cpp.
"""
import argparse
import pathlib
import random
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ---- ELF images, as fuzz_support.h build_elf makes them ----

def elf(entry, segments):
    """segments: (flags PF_R=4 PF_W=2 PF_X=1, offset, vaddr, filesz, memsz)."""
    size = max([64 + 56 * len(segments)] + [s[1] + s[3] for s in segments])
    image = bytearray((i * 13 + 7) & 0xff for i in range(size))
    image[0:16] = bytes([0x7f, ord('E'), ord('L'), ord('F'), 2, 1, 1] + [0] * 9)
    struct.pack_into('<HHIQQQIHHHHHH', image, 16, 2, 243, 1, entry, 64, 0, 0, 64, 56,
                     len(segments), 64, 0, 0)
    for i, (flags, offset, vaddr, filesz, memsz) in enumerate(segments):
        struct.pack_into('<IIQQQQQQ', image, 64 + 56 * i, 1, flags, offset, vaddr, vaddr,
                         filesz, memsz, 4096)
    return bytes(image)


TINY = elf(0x10000, [(5, 0x1000, 0x10000, 0x1000, 0x1000), (6, 0x2800, 0x21800, 0x100, 0x2000)])


# ---- syscall_decode input format ----
# A step is: operation byte, caller byte (index into the live environments, slot order), then
# the call's arguments, each a selector byte (kind in the top 3 bits) and maybe payload.

def small(n): return bytes([n & 31])                      # kind 0: the number itself
def pfn(offset): return bytes([0x20, offset])              # kind 1: first RAM frame + offset
def own(n): return bytes([0x40 | n])                       # kind 2: the caller's n-th frame
def va(region, page=0): return bytes([0x60 | region, page])  # kind 3: region + page (see harness)
def env(n): return bytes([0x80 | n])                       # kind 4: live / stale / forged ids
def raw(value): return bytes([0xa0]) + value.to_bytes(8, 'little')  # kind 5
def special(i): return bytes([0xc0 | i])                   # kind 6: 0, 1, kAnyFrame, kUserTop...
def other(n): return bytes([0xe0 | n])                     # kind 7: someone else's n-th frame

ANY_FRAME = special(2)
R, RW, RX = small(1), small(3), small(5)
A, B, C = 0, 1, 2  # the first environment and its two children
# Regions: 0 text, 1 data, 2 empty gigabyte, 3 across 2 MiB, 4 across 1 GiB,
# 5 below the shared page, 6 the stack, 7 the end of the user half.


def call(number, who, *arguments): return bytes([number, who]) + b''.join(arguments)
def kernel(operation, who, *rest): return bytes([0xe0 | operation, who]) + b''.join(rest)
def repeat(who, times, number, *arguments):
    return bytes([0xe7, who, times - 2, number]) + b''.join(arguments)
def create(who, image, start=0, extra=2):  # list of the caller's spare frames, mode 0
    return bytes([4, who]) + small(image) + bytes([0, start, extra])


NULL, CONSOLE, EXIT, YIELD, CREATE, DESTROY, SET_ENTRY, UPCALL_RETURN = range(8)
ALLOC, FREE, QUERY, ESSENTIAL, DONATE, MAP, UNMAP, PROTECT, PTE_READ, GRANT, REVOKE, AUDIT = \
    range(8, 20)

# The disk (kernel event 5 with an odd byte): A registers its rings, writes a write and a read
# of its own frames into the submission ring, submits, lets the device complete, then a flush.
DISK_RINGS, DISK_SUBMIT = 31, 32
def disk_request(who, op, sector_over_8, frame):
    return kernel(5, who, b'\x01', b'\x00', bytes([0]), (7).to_bytes(8, 'little'),
                  bytes([sector_over_8]), frame, bytes([op]))
def disk_complete(who): return kernel(5, who, b'\x01', b'\x01')


SYSCALL_SEEDS = {
    'disk_rings': b''.join([
        call(DISK_RINGS, A, own(10), own(11)), disk_request(A, 1, 4, own(12)),
        disk_request(A, 0, 4, own(12)), call(DISK_SUBMIT, A), disk_complete(A),
        disk_request(A, 2, 0, own(12)), call(DISK_SUBMIT, A), disk_complete(A)]),
    'frames': b''.join([
        call(ALLOC, A, ANY_FRAME), call(QUERY, A, own(14)), call(ESSENTIAL, A, own(14), small(1)),
        call(FREE, A, own(14)), call(ESSENTIAL, A, own(14), small(0)), call(FREE, A, own(14)),
        call(ALLOC, A, pfn(120)), call(FREE, A, pfn(120)), call(ALLOC, B, pfn(3)),
        call(QUERY, B, pfn(200))]),
    'mapping': b''.join([
        repeat(A, 4, ALLOC, ANY_FRAME), call(DONATE, A, own(20)), call(DONATE, A, own(21)),
        call(MAP, A, va(2), own(18), small(1), RW), call(PTE_READ, A, va(2)),
        call(PROTECT, A, va(2), small(1), R), call(PROTECT, A, va(2), small(1), small(0)),
        call(UNMAP, A, va(2), small(1)), call(MAP, A, va(1, 8), own(18), small(2), RX),
        call(UNMAP, A, va(1, 8), small(2)), call(AUDIT, A)]),
    'grants': b''.join([
        call(ALLOC, A, ANY_FRAME), call(GRANT, A, own(18), env(B), RW),
        call(MAP, B, va(1, 8), pfn(0x45), small(1), R), call(PROTECT, B, va(1, 8), small(1), RW),
        call(REVOKE, A, own(18), env(B)), call(PTE_READ, B, va(1, 8)),
        call(GRANT, A, own(18), env(C), R), call(FREE, A, own(18))]),
    'environments': b''.join([
        repeat(A, 17, ALLOC, ANY_FRAME), create(A, 0), call(YIELD, A, env(3)),
        call(DESTROY, A, env(3)), repeat(B, 16, ALLOC, ANY_FRAME), create(B, 1, extra=3),
        call(DESTROY, C, env(1)), call(EXIT, C, small(0))]),
    'revocation': b''.join([
        kernel(4, B, bytes([4, 2])), call(FREE, B, own(14)), kernel(0, A, bytes([3])),
        kernel(1, C, own(18)), kernel(5, C, bytes([8])), kernel(2, C, own(18)),
        repeat(A, 17, ALLOC, ANY_FRAME), kernel(0, A, bytes([255]))]),
    'misc': b''.join([
        call(NULL, A), call(CONSOLE, A, va(0), small(16)), call(CONSOLE, B, va(6), raw(5000)),
        call(SET_ENTRY, A, small(1), va(0, 1), va(6, 2)), call(UPCALL_RETURN, A, small(0), small(0)),
        call(21, B), kernel(6, A, (1 << 40).to_bytes(8, 'little')), kernel(3, A, va(1, 1), bytes([2])), call(AUDIT, C)]),
}


# ---- hand-made crash inputs for kernel bugs (see regressions/README.md) ----

def device_tree_with_wrapping_virtio(blob):
    """Sets the size of the first virtio,mmio node's reg so base + size wraps past 2^64."""
    structure, strings = struct.unpack_from('>II', blob, 8)
    offset = structure
    in_virtio = False
    name_of = lambda at: blob[strings + at:blob.index(b'\0', strings + at)]
    while True:
        token = struct.unpack_from('>I', blob, offset)[0]
        offset += 4
        if token == 1:  # BEGIN_NODE
            end = blob.index(b'\0', offset)
            in_virtio = blob[offset:end].startswith(b'virtio_mmio@')
            offset = (end + 1 + 3) & ~3
        elif token == 3:  # PROP
            length, name = struct.unpack_from('>II', blob, offset)
            value = offset + 8
            if in_virtio and name_of(name) == b'reg' and length == 16:
                patched = bytearray(blob)
                struct.pack_into('>Q', patched, value + 8, 0xffff_ffff_ffff_f000)
                return bytes(patched)
            offset = (value + length + 3) & ~3
        elif token == 9:
            raise SystemExit('no virtio,mmio node with a 2+2 cell reg')


REGRESSIONS = {
    'device_tree/virtio_window_wraps.dtb':
        lambda: device_tree_with_wrapping_virtio((ROOT / 'tests/data/virt-qemu.dtb').read_bytes()),
    'elf_loader/write_only_segment.elf':
        lambda: elf(0x10000, [(5, 0x1000, 0x10000, 0x1000, 0x1000), (2, 0x2800, 0x21800, 0x100, 0x2000)]),
    'elf_loader/no_permission_segment.elf':
        lambda: elf(0x10000, [(5, 0x1000, 0x10000, 0x1000, 0x1000), (0, 0x2800, 0x21800, 0x100, 0x2000)]),
    # A grants a spare frame to B, then donates it as a page-table frame; B maps it.
    'syscall_decode/grant_then_donate':
        lambda: call(GRANT, A, own(14), env(B), RW) + call(DONATE, A, own(14)) +
        call(MAP, B, va(1, 8), pfn(0x41), small(1), RW),
    # A grants a spare frame to B, then gives it to a new child as its root page table.
    'syscall_decode/grant_then_create':
        lambda: repeat(A, 14, ALLOC, ANY_FRAME) + call(GRANT, A, own(14), env(B), RW) +
        create(A, 0, extra=2) + call(MAP, B, va(1, 8), pfn(0x41), small(1), RW),
}


# ---- dictionaries: tokens libFuzzer splices in whole ----

def dictionary(tokens):
    return ''.join('"' + ''.join(f'\\x{b:02x}' for b in token) + '"\n' for token in tokens)


# Step headers (operation, caller) for every call and kernel event: inserting one in front of
# existing argument bytes makes a new, well-formed step.
SYSCALL_DICTIONARY = [bytes([operation, who]) for operation in range(20) for who in (A, B, C)] + \
    [bytes([0xe0 | event, who]) for event in range(8) for who in (A, B, C)]

# What the parser compares against, and the structure block's tokens.
DEVICE_TREE_DICTIONARY = [word.encode() + b'\0' for word in (
    'compatible', 'reg', 'interrupts', 'interrupts-extended', 'status', 'okay', 'disabled',
    'device_type', 'memory', 'cpu', 'cpus', 'reserved-memory', 'chosen', 'aliases', 'stdout-path',
    'model', 'riscv,isa', 'riscv,isa-extensions', 'mmu-type', 'riscv,sv39', 'riscv,none', 'sstc',
    'ns16550a', 'sifive,uart0', 'virtio,mmio', 'riscv,plic0', 'sifive,plic-1.0.0', 'riscv,ndev',
    'riscv,clint0', 'sifive,clint0', 'sifive,test1', 'google,goldfish-rtc', '#address-cells',
    '#size-cells', 'timebase-frequency', 'clock-frequency', 'reg-shift', 'phandle',
    'interrupt-controller')] + [struct.pack('>I', token) for token in (1, 2, 3, 4, 9, 0xd00dfeed, 17, 16)]


# ---- virtqueue_used: encoders mirroring Run::step in fuzz_virtqueue_used.cpp ----

def vq_shape(log2_size, modern): return bytes([log2_size | (0x80 if modern else 0)])
def vq_submit(count, writable_mask, length=512):
    return bytes([0, count - 1, writable_mask]) + struct.pack('<H', length) * count
def vq_used_entry(slot, id_, length): return bytes([2]) + struct.pack('<HQQ', slot, id_, length)
def vq_complete(choice=0): return bytes([3, choice])
def vq_used_index(index): return bytes([4, 0]) + struct.pack('<H', index)
VQ_HARVEST, VQ_RELEASE = bytes([5]), bytes([7])
def vq_scribble(offset, value): return bytes([6]) + struct.pack('<HB', offset, value)


def virtqueue_seeds():
    seeds = {}
    for modern in (False, True):
        kind = 'modern' if modern else 'legacy'
        seeds[f'{kind}_honest'] = (vq_shape(3, modern) + vq_submit(3, 0b100) + vq_submit(2, 0b10)
                                   + vq_complete(1) + vq_complete(0) + VQ_HARVEST
                                   + vq_submit(4, 0b1100) + vq_complete() + VQ_HARVEST)
        seeds[f'{kind}_id_out_of_range'] = (vq_shape(2, modern) + vq_submit(2, 0b10)
                                            + vq_used_entry(0, 4, 0) + vq_used_index(1)
                                            + VQ_HARVEST + VQ_RELEASE)
        seeds[f'{kind}_index_jump'] = (vq_shape(4, modern) + vq_submit(1, 1) + vq_used_index(9)
                                       + VQ_HARVEST + VQ_RELEASE + vq_submit(1, 0))
        seeds[f'{kind}_scribbled'] = (vq_shape(3, modern) + vq_submit(3, 0b110) + vq_scribble(14, 5)
                                      + vq_scribble(30, 0xff) + vq_complete() + VQ_HARVEST)
    return seeds


# ---- net_filter: encoders mirroring the step switch in fuzz_net_filter.cpp ----

FRAME, TRANSPORT = 0, 1
def nf_atom(base, offset, size, value, mask=None):
    mask = (1 << (8 * size)) - 1 if mask is None else mask
    return struct.pack('<BBHII', base, size, offset, mask, value)
def nf_filter(owner, atoms, shared=False):
    return bytes([7, owner, 1 if shared else 0, len(atoms)]) + b''.join(atoms)
def nf_raw_filter(owner, data): return bytes([1, owner]) + data.ljust(200, b'\0')[:200]
def nf_remove(k): return bytes([2, k])
def nf_remove_all(owner): return bytes([4, owner])
def nf_frame(data): return bytes([6]) + struct.pack('<H', len(data)) + data
IPV4 = nf_atom(FRAME, 12, 2, 0x0800)
def nf_port_filter(owner, protocol, port, shared=False):
    return nf_filter(owner, [IPV4, nf_atom(FRAME, 23, 1, protocol), nf_atom(TRANSPORT, 2, 2, port)],
                     shared)
def ipv4_frame(protocol, port, ihl=5, length=64, destination=b'\x52\x54\x00\x12\x34\x56'):
    frame = bytearray(max(length, 14 + 4 * ihl + 4, 34))
    frame[0:6] = destination
    frame[12:14] = b'\x08\x00'
    frame[14] = 0x40 | ihl
    frame[23] = protocol
    frame[14 + 4 * ihl + 2:14 + 4 * ihl + 4] = struct.pack('>H', port)
    return bytes(frame[:length])


def net_filter_seeds():
    udp, tcp = 17, 6
    arp_frame = b'\xff' * 6 + b'\x02' * 6 + b'\x08\x06' + bytes(28)
    broadcast_68 = ipv4_frame(udp, 68, destination=b'\xff' * 6)
    seeds = {
        'port_taken_twice': (nf_port_filter(1, udp, 53) + nf_port_filter(2, udp, 53)
                             + nf_port_filter(2, tcp, 53) + nf_frame(ipv4_frame(udp, 53))
                             + nf_frame(ipv4_frame(tcp, 53)) + nf_remove(0)
                             + nf_port_filter(2, udp, 53) + nf_frame(ipv4_frame(udp, 53))),
        'shared_and_group': (nf_filter(1, [nf_atom(FRAME, 12, 2, 0x0806)], True)
                             + nf_filter(2, [nf_atom(FRAME, 12, 2, 0x0806)], True)
                             + nf_filter(3, [nf_atom(FRAME, 0, 4, 0xffffffff),
                                             nf_atom(FRAME, 4, 2, 0xffff)], True)
                             + nf_port_filter(4, udp, 68) + nf_port_filter(5, udp, 68, True)
                             + nf_frame(arp_frame) + nf_frame(broadcast_68)
                             + nf_remove_all(1) + nf_frame(arp_frame)),
        'ihl_and_length_edges': nf_port_filter(9, udp, 7) + b''.join(
            nf_frame(ipv4_frame(udp, 7, ihl, length))
            for ihl in (0, 4, 5, 6, 15) for length in (0, 14, 15, 37, 38, 14 + 4 * ihl + 3,
                                                       14 + 4 * ihl + 4, 1514)),
        'masks_and_words': (nf_filter(1, [nf_atom(FRAME, 30, 1, 0x10, 0xf0)])
                            + nf_filter(2, [nf_atom(FRAME, 30, 1, 0x05, 0x0f)])
                            + nf_filter(2, [nf_atom(FRAME, 30, 1, 0x20, 0x30)])
                            + nf_filter(3, [IPV4, nf_atom(TRANSPORT, 0, 4, 0x1f900035)])
                            + nf_filter(3, [nf_atom(FRAME, 1510, 4, 0x80000001)])
                            + nf_frame(ipv4_frame(udp, 53, length=1514))),
        'hostile_raw': (nf_raw_filter(1, bytes([3, 0, 0, 0, 0, 0, 0, 0]) + bytes(range(48)))
                        + nf_raw_filter(70, bytes([1, 0, 1, 0, 0, 0, 0, 0]) + b'\xff' * 12)
                        + nf_raw_filter(2, bytes([17, 0]))
                        + nf_frame(ipv4_frame(udp, 53))),
    }
    generator = random.Random(14)
    for i in range(12):  # structured draws: random filters, then random frames
        steps = b''
        for _ in range(generator.randrange(4, 24)):
            kind = generator.choice((0, 0, 0, 5, 5, 2))
            steps += bytes([kind]) + bytes(generator.randrange(256) for _ in range(24))
        seeds[f'random{i:02}'] = steps
    return seeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--elf-dir', type=pathlib.Path, default=ROOT / 'build/qemu-virt/environments',
                        help='where to take small real riscv64 ELF seeds from, if it exists')
    options = parser.parse_args()
    corpus = HERE / 'corpus'

    for blob in sorted((ROOT / 'tests/data').glob('*.dtb')):
        write(corpus / 'device_tree' / blob.name, blob.read_bytes())

    write(corpus / 'elf_loader/tiny.elf', TINY)
    write(corpus / 'elf_loader/three_segments.elf',
          elf(0x10010, [(5, 0x1000, 0x10000, 0x1800, 0x1800), (4, 0x3000, 0x13000, 0x200, 0x200),
                        (6, 0x4000, 0x4000_0000, 0x80, 0x3000)]))
    write(corpus / 'elf_loader/bss_only_data.elf',
          elf(0x10ffc, [(5, 0x0, 0x10000, 0x1000, 0x1000), (6, 0x1000, 0x3f_fff0_0000, 0, 0x5000)]))
    for name in ('exit_status.elf', 'quick_exit.elf'):  # the smallest images the build makes
        if (options.elf_dir / name).exists() and not (corpus / 'elf_loader' / name).exists():
            write(corpus / 'elf_loader' / name, (options.elf_dir / name).read_bytes())

    for name, data in SYSCALL_SEEDS.items():
        write(corpus / 'syscall_decode' / name, data)

    for name, data in virtqueue_seeds().items():
        write(corpus / 'virtqueue_used' / name, data)

    for name, data in net_filter_seeds().items():
        write(corpus / 'net_filter' / name, data)

    generator = random.Random(20241127)
    for target, count in (('syscall_decode', 16), ('frame_table', 24)):
        for i in range(count):
            size = generator.randrange(16, 256)
            write(corpus / target / f'random{i:02}', bytes(generator.randrange(256) for _ in range(size)))

    (HERE / 'syscall_decode.dict').write_text(dictionary(SYSCALL_DICTIONARY))
    (HERE / 'device_tree.dict').write_text(dictionary(DEVICE_TREE_DICTIONARY))

    for path, make in REGRESSIONS.items():
        write(HERE / 'regressions' / path, make())


if __name__ == '__main__':
    main()
