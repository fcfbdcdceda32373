#!/usr/bin/env python3
"""Two rules about #include that a reviewer should not have to check by eye:
  - no header includes itself through others (an include circle: `#pragma once` hides it, and
    the order of declarations then depends on which header a file happens to include first);
  - the library OS (libos/) and the freestanding helpers (lib/) include no kernel header: they
    see only the ABI (kernel/abi/include) and their own headers.
Prints each offence and exits 1 if there is any. ctest runs it (label style).
  ci/check_includes.py"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
# Where quoted includes are looked up, after the includer's own folder (the build's -I order).
SEARCH = ['', 'kernel', 'lib', 'libos/include', 'kernel/abi/include']
SCANNED = ['arch', 'kernel', 'lib', 'libos']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for top in SCANNED:
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            for name in names:
                if name.endswith(('.h', '.cpp', '.S')):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def resolve(includer, target):
    for base in [os.path.dirname(includer)] + SEARCH:
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(ROOT, candidate)):
            return candidate
    return None  # generated (asm_offsets.h) or a system header


def main():
    graph = {}
    problems = []
    for path in sources():
        with open(os.path.join(ROOT, path)) as file:
            targets = [resolve(path, t) for t in INCLUDE.findall(file.read())]
        graph[path] = [t for t in targets if t]
        if path.startswith(('libos/', 'lib/')):
            for target in graph[path]:
                if target.startswith('kernel/') and not target.startswith('kernel/abi/'):
                    problems.append(f'{path}: includes the kernel header {target}')
    state = {}

    def visit(node, stack):
        state[node] = 'open'
        stack.append(node)
        for target in graph.get(node, []):
            if not target.endswith('.h'):
                continue
            if state.get(target) == 'open':
                circle = stack[stack.index(target):] + [target]
                problems.append('include circle: ' + ' -> '.join(circle))
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = 'done'

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
