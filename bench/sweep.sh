#!/usr/bin/env bash
# Benchmark: one `sweep --once` over 10, 100 and 1000 namespaces of the fabric8 mock API server
# with an instant fake kubelet (every probe Job becomes a pod that has already finished), so the
# figure is the prober's own cost: no agent timeouts are in it. Per size: median wall time of the
# prober process and of the sweep itself, requests the prober made per namespace, peak heap (the
# largest heap-before-GC or heap-at-exit in -Xlog:gc) and peak RSS.
#
# The mock server runs in its own JVM on loopback only; the prober runs as a user runs it:
# java -jar imds-prober.jar sweep --once --kubeconfig FILE. No packet leaves loopback.
#
# Needs GNU time and python3. Usage: bench/sweep.sh [RUNS] [SIZES]   (default 3 "10 100 1000")
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
SIZES=${2:-10 100 1000}
OUT=prober/target/bench
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }

./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
CP="prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")"
JAR=prober/target/imds-prober.jar
PROBER_JVM=(-Xmx256m)

MOCK_PID=
cleanup() { [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true; }
trap cleanup EXIT

printf '| namespaces | median wall (process) | median sweep | requests per namespace | peak heap | peak RSS |\n'
printf '|---|---|---|---|---|---|\n'
for n in $SIZES; do
  rows=()
  for run in $(seq "$RUNS"); do
    coproc MOCK { exec java -cp "$CP" io.imdsprober.sweep.MockClusterMain "$OUT/kubeconfig" "$n" 2>"$OUT/mock.log"; }
    MOCK_PID=$MOCK_PID
    read -r ready _ <&"${MOCK[0]}"
    [ "$ready" = READY ] || { echo "mock cluster did not start" >&2; exit 1; }
    rm -f "$OUT/gc.log"
    /usr/bin/time -f '%e %M' -o "$OUT/time.txt" \
      java "${PROBER_JVM[@]}" -Xlog:gc,gc+heap+exit:file="$OUT/gc.log" -jar "$JAR" \
      sweep --once --kubeconfig "$OUT/kubeconfig" --output json >"$OUT/report.json" \
      2>"$OUT/prober.log" || true
    echo stats >&"${MOCK[1]}"
    read -r stats <&"${MOCK[0]}"
    echo quit >&"${MOCK[1]}"
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=
    rows+=("$(python3 - "$OUT" "$n" "$stats" <<'PY'
import json, sys
sys.path.insert(0, "bench")
from gc_peak import peak_mib
out, n, stats = sys.argv[1], int(sys.argv[2]), sys.argv[3]
wall, rss_kb = open(f"{out}/time.txt").read().split()[-2:]
report = json.load(open(f"{out}/report.json"))
assert len(report["namespaces"]) == n, (len(report["namespaces"]), n)
assert all(ns["verdict"] == "protected" for ns in report["namespaces"])
requests = int(stats.split()[0].split("=")[1])
peak = peak_mib(f"{out}/gc.log")
print(float(wall), report["durationMs"], requests / n, peak, int(rss_kb) / 1024)
PY
)")
  done
  printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
col = lambda i: st.median(r[i] for r in rows)
n = '"$n"'
print(f"| {n} | {col(0):.2f} s | {col(1)/1000:.2f} s | {col(2):.2f} | {col(3):.0f} MiB | {col(4):.0f} MiB |")
'
done
echo
echo "prober JVM: ${PROBER_JVM[*]}; $RUNS run(s) per size; $(nproc) CPUs; $(java -version 2>&1 | head -1)"
