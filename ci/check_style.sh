#!/usr/bin/env bash
# The style rules a reviewer should not have to check by eye, over every C++, assembly and CMake
# source the project keeps:
#   - no line longer than .clang-format's ColumnLimit (C++ and assembly);
#   - no source file over 600 lines (STYLE.md: past that, a file has more than one job);
#   - no tab characters and no trailing spaces.
# Prints each offence as file:line: what, and exits 1 if there is any. ctest runs it (label
# style, as style.format).
#   ci/check_style.sh [file...]      (default: every tracked source)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$(awk '/^ColumnLimit:/ {print $2}' .clang-format)
max_lines=600
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.S' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt')
fi
status=0
for file in "${files[@]}"; do
  [[ -f $file ]] || continue
  case $file in
    *.cpp | *.h | *.S) width=$limit ;;
    *) width=0 ;;  # CMake: commands and long test expectations read better unwrapped
  esac
  if ! awk -v width="$width" -v file="$file" -v max_lines="$max_lines" '
      width > 0 && length($0) > width { printf "%s:%d: %d columns (limit %d)\n", file, NR, length($0), width; bad = 1 }
      /\t/ { printf "%s:%d: a tab\n", file, NR; bad = 1 }
      /[ ]+$/ { printf "%s:%d: trailing spaces\n", file, NR; bad = 1 }
      END {
        if (NR > max_lines) { printf "%s: %d lines (limit %d): split it by job\n", file, NR, max_lines; bad = 1 }
        exit bad
      }' "$file"; then
    status=1
  fi
done
exit $status
