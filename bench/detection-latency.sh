#!/usr/bin/env bash
# Detection latency, end to end: runs the end-to-end lab test RUNS times (root, ip, prometheus,
# prometheus-alertmanager) and prints, per run, the time from the "flip" namespace's network
# opening (its IMDS answers as IMDSv1) to ImdsProberMetadataExposed reaching the webhook receiver
# through the real Prometheus and Alertmanager; then the median. The lab's settings: serve
# interval 5s, scrape and rule evaluation every 1s, the alert's for: 1m, Alertmanager group_wait 1s.
# Every packet stays in network namespaces the test makes, or on loopback.
#
# Usage: sudo bench/detection-latency.sh [RUNS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
OUT=prober/target/bench
mkdir -p "$OUT"
: > "$OUT/latency.txt"
for run in $(seq "$RUNS"); do
  ./mvnw -B -q -ntp test -pl prober -Dtest=EndToEndLabTest -Dsurefire.failIfNoSpecifiedTests=false \
    > "$OUT/e2e-$run.log" 2>&1 || { echo "run $run failed: $OUT/e2e-$run.log" >&2; exit 1; }
  ms=$(grep -o 'DETECTION LATENCY: [0-9]*' "$OUT/e2e-$run.log" | awk '{print $3}')
  echo "run $run: $ms ms"
  echo "$ms" >> "$OUT/latency.txt"
done
sort -n "$OUT/latency.txt" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "median: %d ms over %d runs (min %d, max %d)\n", m, NR, a[1], a[NR]}'
