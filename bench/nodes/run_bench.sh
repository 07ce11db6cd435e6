#!/usr/bin/env bash
# Node agent benchmark (prints figures; never pass/fail on time).
#   bench/nodes/run_bench.sh [BINARY] [COUNT] [STEADY_SECONDS]
# Starts `tinyk8s server` (no --nodes, default co-processes) in a temp dir, then
# `tinyk8s nodes --count COUNT` (default 5000) against it with the admin kubeconfig, and prints:
#  - the time from starting the agent until the API holds COUNT nodes (each registered Ready),
#    checked with one full `kubectl get nodes` that every one of them says Ready;
#  - the time until the agent logs that it registered them all and its caches synced;
#  - over STEADY_SECONDS (default 30) after a 15 s settle: CPU (% of one core, from
#    /proc/PID/stat) and RSS of the agent, the API server and each co-process; the number of
#    lease renewals and node status patches per second (the API server's request counters).
set -euo pipefail
BIN=${1:-$(dirname "$0")/../../build/cmd/tinyk8s}
N=${2:-5000}
STEADY=${3:-30}
KUBECTL=${KUBECTL:-kubectl}
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }
rss_mib() { awk '/VmRSS/{printf "%d", $2 / 1024}' /proc/"$1"/status 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

DIR=$(mktemp -d /tmp/tinyk8s-nodes-bench-XXXXXX)
AGENT=
cleanup() {
  [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
"$BIN" server --data-dir "$DIR/data" --listen 127.0.0.1:0 --port-file "$DIR/port" \
  >"$DIR/server.log" 2>&1 &
SERVER=$!
trap cleanup EXIT
for _ in $(seq 600); do [ -s "$DIR/port" ] && [ -f "$DIR/data/kubeconfig" ] && break; sleep 0.1; done
K="$KUBECTL --kubeconfig $DIR/data/kubeconfig"
until $K get --raw /readyz >/dev/null 2>&1; do sleep 0.1; done
sleep 2  # let the co-processes list and watch

count_nodes() {
  # limit=1 returns remainingItemCount: the node count without transferring every node.
  $K get --raw '/api/v1/nodes?limit=1' 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]) + d["metadata"].get("remainingItemCount", 0))' 2>/dev/null ||
    echo 0
}

echo "== tinyk8s nodes --count $N against tinyk8s server (load: $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(now)
"$BIN" nodes --kubeconfig "$DIR/data/kubeconfig" --count "$N" >"$DIR/agent.log" 2>&1 &
AGENT=$!
until [ "$(count_nodes)" -ge "$N" ]; do sleep 0.05; done
t_nodes=$(now)
until grep -q "running $N simulated nodes" "$DIR/agent.log"; do sleep 0.05; done
t_started=$(now)
ready=$($K get nodes --no-headers | awk '$2 == "Ready"' | wc -l)
echo "  $N nodes in the API after $(elapsed "$t0" "$t_nodes") s ($ready Ready in kubectl get nodes)"
echo "  agent started (registered, caches synced) after $(elapsed "$t0" "$t_started") s"

sleep 15
declare -A T0
PIDS=("$AGENT" "$SERVER" $(pgrep -P "$SERVER" | grep -v "^$AGENT\$" || true))
for p in "${PIDS[@]}"; do T0[$p]=$(ticks "$p"); done
# patches per resource from the API server's request counters
patches() {
  $K get --raw /metrics 2>/dev/null |
    awk -v r="resource=\"$1\"" '/^apiserver_request_total/ && index($0, r) && /verb="patch"/ {s += $NF} END {print s + 0}'
}
leases0=$(patches leases)
nodes0=$(patches nodes)
sleep "$STEADY"
leases1=$(patches leases)
nodes1=$(patches nodes)
echo "  steady state over ${STEADY} s (load: $(cut -d' ' -f1-3 /proc/loadavg)):"
for p in "${PIDS[@]}"; do
  name=$(tr '\0' ' ' </proc/"$p"/cmdline | awk '{print $2}')
  [ "$p" = "$AGENT" ] && name="nodes (agent)"
  [ "$p" = "$SERVER" ] && name="server (API)"
  cpu=$(echo "($(ticks "$p") - ${T0[$p]}) * 100 / $HZ / $STEADY" | bc -l | xargs printf '%.1f')
  printf '    %-22s CPU %5s%% of a core   RSS %5d MiB\n' "$name" "$cpu" "$(rss_mib "$p")"
done
rate() { echo "($2 - $1) / $STEADY" | bc -l | xargs printf '%.0f'; }
echo "  writes: $(rate "$leases0" "$leases1") lease renewals/s, $(rate "$nodes0" "$nodes1") node status patches/s"
