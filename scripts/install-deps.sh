#!/usr/bin/env bash
# Installs the Debian packages tinyk8s builds and tests with. Idempotent: a fast no-op when
# everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libboost-dev rapidjson-dev libyaml-cpp-dev libsqlite3-dev libssl-dev zlib1g-dev
  libcli11-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  dnsutils openssl curl
  etcd-server  # the scale-out storage backend; tests start their own 3-member clusters
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
# Debian's etcd-server starts an etcd service on install where services run; tinyk8s and its
# tests start their own etcd members on free loopback ports, so keep the packaged service from
# starting (policy-rc.d exit 101 = "action forbidden") while installing, unless a policy exists.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  added_policy=1
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
if [ -n "$added_policy" ]; then $SUDO rm -f "$policy"; fi
# Under systemd the unit is also enabled for the next boot: disable it.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true
fi
exit $status
