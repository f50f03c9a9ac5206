#!/usr/bin/env bash
# Benchmark: serve at scale, time compressed by FACTOR (issue 14). The mock API server (its own
# JVM, loopback only) holds N namespaces and 50 nodes in 5 EKS node groups; its fake kubelet starts
# each probe pod after 2-5 s and ends it after 3-4 s more (real time; divided by FACTOR here). serve
# runs with the image's JVM flags, the shipped 10m interval (divided by FACTOR), pacing on, and a
# change driver creates one NetworkPolicy a second (real time) in a random namespace during the
# third interval. Every figure is scaled back to real time. After the first pass (every namespace
# has a result): requests per namespace in a quiet interval (the rotation alone) and in the interval
# with changes; the most Jobs in flight; the oldest result at the end; the pools with a protected
# status; change-to-result p50/p95 (from serve's histogram buckets); serve's peak RSS.
# Needs python3. Every packet stays on loopback.
#
# Usage: bench/serve-scale.sh [FACTOR] [IN_FLIGHT] [SIZES...]   (defaults: 5 64 500 1000 5000)
# SERVE_JVM_EXTRA="-XX:..." adds JVM flags after the image's (experiments; the table uses none).
set -euo pipefail
cd "$(dirname "$0")/.."
FACTOR=${1:-5}
IN_FLIGHT=${2:-64}
shift 2 2>/dev/null || shift $#
SIZES=("${@:-500 1000 5000}")
[ ${#SIZES[@]} -eq 1 ] && read -r -a SIZES <<<"${SIZES[0]}"
OUT=prober/target/bench
mkdir -p "$OUT"
./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
CP="prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")"
for n in "${SIZES[@]}"; do
  python3 bench/serve_scale.py "$n" "$FACTOR" "$OUT" "$CP" prober/target/imds-prober.jar "$IN_FLIGHT"
done
