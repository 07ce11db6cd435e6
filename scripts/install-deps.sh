#!/usr/bin/env bash
# Installs the Debian packages tinyk8s builds and tests with. Idempotent: a fast no-op when
# everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libboost-dev rapidjson-dev libyaml-cpp-dev libsqlite3-dev libssl-dev zlib1g-dev
  libcli11-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  dnsutils openssl curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
