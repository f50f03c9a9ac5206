#!/usr/bin/env bash
# A pretend cluster to try `sweep --once` against without one: the fabric8 mock API server on
# loopback with NAMESPACES namespaces (the first EXPOSED of them answer as if the metadata service
# were open), one AWS node, and a fake kubelet that turns each probe Job into a finished pod at once.
# Writes a kubeconfig to prober/target/mock-cluster/kubeconfig; runs until you type quit or Ctrl-C.
#
# Usage: bench/mock-cluster.sh [NAMESPACES] [EXPOSED]   (default 5 1)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=prober/target/mock-cluster
mkdir -p "$OUT"
if [ ! -f prober/target/imds-prober.jar ] || [ ! -d prober/target/test-classes ]; then
  ./mvnw -B -q -ntp -DskipTests package
fi
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
echo "kubeconfig: $OUT/kubeconfig (type quit or Ctrl-C to stop)" >&2
exec java -cp "prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")" \
  io.imdsprober.sweep.MockClusterMain "$OUT/kubeconfig" "${1:-5}" "${2:-1}" 2>"$OUT/mock.log"
