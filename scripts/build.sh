#!/usr/bin/env bash
# Configures and builds tinyk8s (Release) into ./build. Usage: scripts/build.sh [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ $# -gt 0 ]; then
  for t in "$@"; do cmake --build build --target "$t" -j"$JOBS"; done
else
  cmake --build build -j"$JOBS"
fi
