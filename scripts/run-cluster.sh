#!/usr/bin/env bash
# One command to a running cluster: installs what is missing, builds (Release) and starts
# `tinyk8s server` with its state in ./tinyk8s-data (kubeconfig at ./tinyk8s-data/kubeconfig).
# Extra arguments go to `tinyk8s server` (e.g. --nodes 10). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh tinyk8s
exec ./build/cmd/tinyk8s server --data-dir ./tinyk8s-data --nodes 3 "$@"
