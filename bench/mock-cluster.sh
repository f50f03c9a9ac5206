#!/usr/bin/env bash
# A pretend cluster to try `sweep --once` against without one: the fabric8 mock API server on
# loopback with NAMESPACES namespaces (the first EXPOSED of them answer as if the metadata service
# were open), one AWS node, and a fake kubelet that turns each probe Job into a finished pod at once.
# Writes a kubeconfig to prober/target/mock-cluster/kubeconfig, says so once the server answers,
# and runs until it is stopped (Ctrl-C, or `kill` of the PID it prints). It reads no input, so it
# can run in the background: `bench/mock-cluster.sh 5 1 &`.
#
# Usage: bench/mock-cluster.sh [NAMESPACES] [EXPOSED]   (default 5 1)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=prober/target/mock-cluster
mkdir -p "$OUT"
rm -f "$OUT/kubeconfig" "$OUT/ready"
if [ ! -f prober/target/imds-prober.jar ] || [ ! -d prober/target/test-classes ]; then
  ./mvnw -B -q -ntp -DskipTests package </dev/null
fi
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null </dev/null
java -cp "prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")" \
  io.imdsprober.sweep.MockClusterMain --until-killed "$OUT/kubeconfig" "${1:-5}" "${2:-1}" \
  </dev/null >"$OUT/ready" 2>"$OUT/mock.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM
for _ in $(seq 1 120); do
  if grep -q '^READY' "$OUT/ready" 2>/dev/null; then
    echo "mock cluster $(sed -n 's/^READY //p' "$OUT/ready") is up (pid $pid)." >&2
    echo "kubeconfig: $PWD/$OUT/kubeconfig" >&2
    echo "try: java -jar prober/target/imds-prober.jar sweep --once --kubeconfig $OUT/kubeconfig" >&2
    echo "stop: kill $pid (or Ctrl-C here)" >&2
    wait $pid
    exit 0
  fi
  if ! kill -0 $pid 2>/dev/null; then
    echo "the mock cluster did not start; see $OUT/mock.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "the mock cluster did not answer within 60 s; see $OUT/mock.log" >&2
kill $pid
exit 1
