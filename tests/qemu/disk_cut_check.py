#!/usr/bin/env python3
"""One cut image of the power-cut sweep (disk_cut.sh), judged by the host's tools:
  - fsck.fat -n calls it clean (prints "clean"), or reports only what docs/filesystem.md
    accepts: lost clusters, a free count to fix, FAT copies that differ, a chain longer than its
    file's size, and both names of a rename across directories when the cut fell inside it;
  - /keep.txt reads back (mtype) as the host wrote it;
  - every file the guest printed a version of before the cut reads back as that version, or as
    its next one (the cut fell inside the next operation on it), under either version's path.
The versions come from the guest's console: "disk_cut: version <file> <n> <path> <contents>",
contents as size@seed pieces of disk_files.h's pattern.
  disk_cut_check.py <image> <console log> <keep.txt>"""
import re
import subprocess
import sys

VERSION = re.compile(r'^disk_cut: version (\w+) (\d+) (/.*) ((?:\d+@\d+\+?)+)$')


def pattern(size, seed):
    return bytes(((i * 131 + seed * 7 + (i >> 8)) & 0xff) for i in range(size))


def contents(spec):
    return b''.join(pattern(int(size), int(seed))
                    for size, seed in (piece.split('@') for piece in spec.split('+')))


def mtype(image, path):
    result = subprocess.run(['mtype', '-i', image, '::' + path], capture_output=True,
                            env={'MTOOLS_SKIP_CHECK': '1', 'PATH': '/usr/bin:/bin'})
    return result.stdout if result.returncode == 0 else None


def acceptable(report, inside_rename):
    """The host sweep's rules (tests/host/fat_durability_test.cpp, acceptable_report)."""
    truncation_expected = False
    for line in report.splitlines():
        if (not line or line.startswith('fsck.fat ') or '.img: ' in line or
                'Leaving filesystem unchanged' in line or line.startswith('/')):
            continue
        if any(text in line for text in ('Reclaimed ', 'FATs differ but appear to be intact',
                                         'Using first FAT', 'Free cluster summary wrong',
                                         'Auto-correcting')):
            continue
        if 'cluster chain length is > ' in line:
            truncation_expected = True
            continue
        if 'Truncating file to' in line and truncation_expected:
            truncation_expected = False
            continue
        if inside_rename and any(text in line for text in (
                'share clusters', 'Truncating second to 0 bytes',
                'cluster chain length is 0 bytes')):
            truncation_expected = 'chain length is 0' in line
            continue
        print(f'fsck.fat finding not accepted: {line}')
        return False
    return True


def main():
    image, log, keep = sys.argv[1:4]
    console = open(log, errors='replace').read().splitlines()
    # Every version the sequence has, in order (the uncut run prints them all; a cut run the
    # ones before the cut): the next version is the one after the last printed, which this
    # table learns from the guest source's order, repeated here as the sequence's plan.
    plan = {
        'alpha': [('/Alpha Long Name.txt', '3000@11'),
                  ('/Alpha Long Name.txt', '3000@11+5000@12'),
                  ('/docs/Alpha Renamed.txt', '3000@11+5000@12')],
        'beta': [('/docs/Sub Directory/beta.bin', '8192@13'),
                 ('/docs/Sub Directory/beta.bin', '100@13')],
        'gamma': [('/gamma.dat', '4500@14'), ('/Gamma, renamed in place.dat', '4500@14')],
    }
    latest = {}
    for line in console:
        match = VERSION.match(line)
        if match:
            name, index, path, spec = match.group(1), int(match.group(2)), match.group(3), match.group(4)
            if plan[name][index] != (path, spec):
                print(f'the guest printed {line!r}, the plan says {plan[name][index]}')
                return 1
            latest[name] = index
    inside_rename = 'disk_cut: rename begins' in console and 'disk_cut: rename ends' not in console

    ok = True
    checked = subprocess.run(['fsck.fat', '-n', image], capture_output=True, text=True)
    if checked.returncode == 0:
        print('clean')
    elif checked.returncode != 1 or not acceptable(checked.stdout + checked.stderr, inside_rename):
        print(f'fsck.fat -n (status {checked.returncode}):\n{checked.stdout}{checked.stderr}')
        ok = False
    if mtype(image, '/keep.txt') != open(keep, 'rb').read():
        print('/keep.txt changed')
        ok = False
    for name, index in latest.items():
        versions = plan[name][index:index + 2]
        wanted = [contents(spec) for _, spec in versions]
        if not any(mtype(image, path) in wanted for path, _ in versions):
            print(f'{name}: version {index} ({versions[0][0]}) lost')
            ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
