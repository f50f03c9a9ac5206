#!/usr/bin/env bash
# Benchmark: an idle `serve` process. Against the mock API server (its own JVM, loopback only,
# NAMESPACES namespaces, an instant fake kubelet), serve makes its first sweep, holds its Lease
# (renewed every 2 s: that is its idle work), and then waits for the next sweep (interval 10m).
# After WARM seconds of idling, RSS is read from /proc every second for WINDOW seconds, and CPU
# is the process's utime+stime over that window. Rows: the image's flags (jvm/serve.options) and
# the JVM's defaults. Pacing is off (serve.pacing=false): the first sweep is one burst and serve is
# then idle. With pacing on (the default) serve is never idle: bench/serve-scale.sh measures that.
#
# Needs python3 and curl. Usage: bench/serve-idle.sh [NAMESPACES] [WARM] [WINDOW]  (100 20 60)
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${1:-100}
WARM=${2:-20}
WINDOW=${3:-60}
OUT=prober/target/bench
mkdir -p "$OUT"
./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
CP="prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")"
JAR=prober/target/imds-prober.jar
HZ=$(getconf CLK_TCK)

MOCK_PID= SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

run() {
  local label=$1; shift
  coproc MOCK { exec java -cp "$CP" io.imdsprober.sweep.MockClusterMain "$OUT/kubeconfig" "$NS" 2>"$OUT/mock.log"; }
  MOCK_PID=$MOCK_PID
  read -r ready _ <&"${MOCK[0]}"
  [ "$ready" = READY ] || { echo "mock cluster did not start" >&2; exit 1; }
  local port; port=$(free_port)
  java "$@" -jar "$JAR" serve --kubeconfig "$OUT/kubeconfig" --metrics-port "$port" \
    --interval 10m --set leaderElection.namespace=imds --set serve.pacing=false \
    >"$OUT/serve.out" 2>"$OUT/serve.log" &
  SERVE_PID=$!
  # ready, leading, and the first sweep's figures exported
  # (the body is read whole before grep looks: grep -q would quit early and fail curl's pipe)
  swept() { curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -c 'imds_prober_namespaces{status="protected"} '"$NS"; }
  for _ in $(seq 120); do
    [ "$(swept)" = 1 ] && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && [ "$(swept)" = 1 ] \
    || { echo "serve did not report its first sweep of $NS namespaces" >&2; cat "$OUT/serve.log" >&2; exit 1; }
  sleep "$WARM"
  local t0; t0=$(ticks "$SERVE_PID")
  local samples=()
  for _ in $(seq "$WINDOW"); do samples+=("$(rss_kib "$SERVE_PID")"); sleep 1; done
  local t1; t1=$(ticks "$SERVE_PID")
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=
  echo quit >&"${MOCK[1]}"; wait "$MOCK_PID" 2>/dev/null || true; MOCK_PID=
  printf '%s\n' "${samples[@]}" | python3 -c '
import sys, statistics as st
kib = [int(l) for l in sys.stdin if l.strip()]
label, t0, t1, hz, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu = (t1 - t0) / hz / window * 100
print(f"| {label} | {st.median(kib)/1024:.1f} MiB | {max(kib)/1024:.1f} MiB | {cpu:.2f} % |")
' "$label" "$t0" "$t1" "$HZ" "$WINDOW"
}

printf '| JVM flags | median idle RSS | max idle RSS | idle CPU (of one core) |\n|---|---|---|---|\n'
run "image: jvm/serve.options" @jvm/serve.options
run "JVM defaults"
echo
echo "$NS namespaces in the first sweep; ${WARM}s warm-up, ${WINDOW}s window; $(nproc) CPUs; $(java -version 2>&1 | head -1)"
