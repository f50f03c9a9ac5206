#!/usr/bin/env bash
# The end-to-end lab as a demo, no cluster needed (root on Linux, with iproute2, prometheus and
# prometheus-alertmanager installed): fake IMDS, DNS and HTTPS hosts in network namespaces, the
# fabric8 mock API server as the cluster, real probe agents, the prober's serve on port 9090, a real
# Prometheus with the project's alert rules and a real Alertmanager. It prints the first sweep's
# report and the URLs, then makes a namespace exposed and shows the alert reach a webhook receiver
# and resolve. Enter or Ctrl-C ends it and removes every namespace and process it made.
#
# Usage: sudo bench/lab-demo.sh [METRICS_PORT]   (default 9090)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (ip netns)" >&2; exit 2; }
for c in ip prometheus prometheus-alertmanager; do
  command -v "$c" >/dev/null || { echo "needs $c (apt-get install iproute2 prometheus prometheus-alertmanager)" >&2; exit 2; }
done
OUT=prober/target/lab
mkdir -p "$OUT"
./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
cd prober   # the lab reads ../manifests for the alert rules
exec java -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat "../$OUT/cp.txt")" \
  io.imdsprober.e2e.LabDemo "${1:-9090}"
