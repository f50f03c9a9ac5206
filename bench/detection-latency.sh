#!/usr/bin/env bash
# Detection latency, end to end: runs the end-to-end lab test RUNS times (root, ip, prometheus,
# prometheus-alertmanager) and prints, per run, the time from the "flip" namespace's carve-out
# NetworkPolicy being deleted (the lab's router follows the policy; the IMDS then answers as
# IMDSv1) to ImdsProberMetadataExposed reaching the webhook receiver through the real Prometheus
# and Alertmanager, with its breakdown (the prober's result on /metrics, Prometheus firing); then
# the medians. The lab's settings: the shipped serve interval (10m) and changeDebounce (2s) and
# alert rules (no for: on an exposure), scrape and rule evaluation every 1s, group_wait 1s.
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
  parts=$(grep -o 'DETECTION BREAKDOWN: .*' "$OUT/e2e-$run.log" | sed 's/DETECTION BREAKDOWN: //')
  echo "run $run: $ms ms ($parts)"
  echo "$ms $(echo "$parts" | grep -o '[0-9-]* ms' | awk '{printf "%s ", $1}')" >> "$OUT/latency.txt"
done
median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%d ms (min %d, max %d)", m, a[1], a[NR]}'; }
echo "median over $RUNS runs: webhook $(awk '{print $1}' "$OUT/latency.txt" | median);" \
  "result on /metrics $(awk '{print $2}' "$OUT/latency.txt" | median);" \
  "Prometheus firing $(awk '{print $3}' "$OUT/latency.txt" | median)"
