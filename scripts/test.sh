#!/usr/bin/env bash
# One command to a tested build: installs what is missing, builds everything and runs the whole
# test suite (unit, crash and end-to-end tests with the installed kubectl). Fails on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure -j"${TEST_JOBS:-2}" --timeout 600
