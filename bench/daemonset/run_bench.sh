#!/usr/bin/env bash
# DaemonSet rollout benchmark (prints figures; never pass/fail on time).
#   bench/daemonset/run_bench.sh [BINARY] [NODE_COUNTS...]
# For each node count: starts `tinyk8s server --nodes N --disable dns` in a temp dir, applies a
# DaemonSet with kubectl, and measures the time from `kubectl apply` until every pod is Running
# and Ready and the DaemonSet status says so (desired = current = ready = available = updated = N,
# observedGeneration = generation). For the smallest count it also times a rolling update with
# maxUnavailable 10%. Finally it prints the peak RSS (VmHWM) of the server and each co-process.
set -euo pipefail
BIN=${1:-$(dirname "$0")/../../build/cmd/tinyk8s}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(1000 5000)
KUBECTL=${KUBECTL:-kubectl}
now() { date +%s.%N; }
elapsed() { echo "$(echo "$2 - $1" | bc -l | xargs printf '%.2f')"; }

ds_yaml() {
  cat <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: bench, namespace: default}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "10%"}}
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      containers: [{name: agent, image: "registry.local/agent:$1"}]
YAML
}

# done when the DS status reports N everywhere for the current generation
ds_done() {
  local n=$1 out
  out=$($K get ds bench -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.desiredNumberScheduled} {.status.currentNumberScheduled} {.status.numberReady} {.status.numberAvailable} {.status.updatedNumberScheduled}' 2>/dev/null || true)
  read -r gen obs des cur rdy avl upd <<<"$out"
  [ "${gen:-x}" = "${obs:-y}" ] && [ "${des:-0}" = "$n" ] && [ "${cur:-0}" = "$n" ] &&
    [ "${rdy:-0}" = "$n" ] && [ "${avl:-0}" = "$n" ] && [ "${upd:-0}" = "$n" ]
}

peak_rss() {
  local pid=$1 name=$2 kb
  kb=$(awk '/VmHWM/{print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
  printf '  %-20s %6d MiB\n' "$name" $((kb / 1024))
}

for N in "${COUNTS[@]}"; do
  DIR=$(mktemp -d /tmp/tinyk8s-bench-XXXXXX)
  "$BIN" server --data-dir "$DIR/data" --listen 127.0.0.1:0 --port-file "$DIR/port" --nodes "$N" \
    --disable dns >"$DIR/server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 600); do [ -f "$DIR/data/kubeconfig" ] && break; sleep 0.1; done
  K="$KUBECTL --kubeconfig $DIR/data/kubeconfig"
  t0=$(now)
  until [ "$($K get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = "$N" ]; do sleep 0.5; done
  echo "== $N nodes (registered and Ready after $(elapsed "$t0" "$(now)") s)"
  t0=$(now)
  ds_yaml 1.0 | $K apply -f - >/dev/null
  until ds_done "$N"; do sleep 0.1; done
  t1=$(now)
  running=$($K get pods -l app=bench --field-selector status.phase=Running --no-headers | wc -l)
  echo "  DaemonSet rollout: $(elapsed "$t0" "$t1") s until $running/$N pods Running+Ready and status complete"
  if [ "$N" = "${COUNTS[0]}" ]; then
    t0=$(now)
    $K set image ds/bench agent=registry.local/agent:2.0 >/dev/null
    $K rollout status ds/bench --timeout=600s >/dev/null
    until ds_done "$N"; do sleep 0.1; done
    echo "  rolling update (maxUnavailable 10%): $(elapsed "$t0" "$(now)") s"
  fi
  echo "  peak RSS:"
  peak_rss "$SERVER" "apiserver"
  for child in $(pgrep -P "$SERVER"); do
    peak_rss "$child" "$(tr '\0' ' ' </proc/"$child"/cmdline | awk '{print $2}')"
  done
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  trap - EXIT
  rm -rf "$DIR"
done
