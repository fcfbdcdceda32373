#!/usr/bin/env bash
# Builds everything and runs every test: host suites, every board image, the QEMU scenarios.
# Ends with ctest's summary line. Installs missing packages first (ci/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cmake --workflow --preset all "$@"
