#!/usr/bin/env bash
# Benchmark: the probe agent's time from process start to its JSON line, and its peak RSS, in the
# "dropped" case (the metadata address blackholed one hop away, 3 s connect timeout) with DNS and
# HTTPS egress working, run with the JVM flags the image uses (jvm/probe.options + a CDS archive).
#
# Needs root, ip (iproute2), GNU time. Every packet stays inside network namespaces this script
# makes (documentation addresses and the metadata address exist only there); they are removed on
# exit, also on failure.
#
# Usage: bench/probe-agent.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
IFS=";" read -r -a TRY_FLAGS <<< "${TRY:-}"
TIMEOUT=3s
OUT=prober/target/bench
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "needs root (ip netns)" >&2; exit 2; }
command -v ip >/dev/null || { echo "needs ip (iproute2)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
CP="prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")"
JAR=prober/target/imds-prober.jar

ID=b$$
POD=imdsp-$ID-pod RTR=imdsp-$ID-rtr SVC=imdsp-$ID-svc
LAB_PID=
cleanup() {
  [ -n "$LAB_PID" ] && kill "$LAB_PID" 2>/dev/null || true
  for ns in $POD $RTR $SVC; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "/etc/netns/$POD"
}
trap cleanup EXIT

for ns in $POD $RTR $SVC; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$POD" link add eth0 type veth peer name rpod netns "$RTR"
ip -n "$SVC" link add eth0 type veth peer name rsvc netns "$RTR"
for l in "$POD eth0" "$RTR rpod" "$RTR rsvc" "$SVC eth0"; do set -- $l; ip -n "$1" link set "$2" up; done
ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
ip -n "$POD" addr add 192.0.2.2/24 dev eth0
ip -n "$POD" route add default via 192.0.2.1
ip -n "$RTR" addr add 192.0.2.1/24 dev rpod
ip -n "$RTR" addr add 198.51.100.1/24 dev rsvc
ip -n "$SVC" addr add 198.51.100.2/24 dev eth0
ip -n "$SVC" addr add 198.51.100.53/32 dev eth0
ip -n "$SVC" addr add 198.51.100.10/32 dev eth0
ip -n "$SVC" route add default via 198.51.100.1
# the policy under test: the metadata address is dropped one hop away
ip -n "$RTR" route add blackhole 169.254.169.254/32
mkdir -p "/etc/netns/$POD"
echo "nameserver 198.51.100.53" > "/etc/netns/$POD/resolv.conf"
[ "$(ip netns exec "$POD" readlink /proc/self/ns/net)" != "$(readlink /proc/self/ns/net)" ]

# a throw-away CA and the HTTPS "internet" host
CA=$OUT/ca; rm -rf "$CA"; mkdir -p "$CA"
kt() { keytool "$@" -storepass labpass -storetype PKCS12 >/dev/null 2>&1; }
kt -genkeypair -alias ca -dname CN=bench-ca -ext bc:c -keyalg EC -validity 2 -keystore "$CA/ca.p12"
kt -genkeypair -alias server -dname CN=egress.lab.test -keyalg EC -validity 2 -keystore "$CA/server.p12"
kt -certreq -alias server -keystore "$CA/server.p12" -file "$CA/server.csr"
kt -gencert -alias ca -keystore "$CA/ca.p12" -infile "$CA/server.csr" -outfile "$CA/server.pem" -rfc -ext SAN=dns:egress.lab.test
kt -exportcert -alias ca -keystore "$CA/ca.p12" -rfc -file "$CA/ca.pem"
kt -importcert -noprompt -alias ca -file "$CA/ca.pem" -keystore "$CA/server.p12"
kt -importcert -alias server -file "$CA/server.pem" -keystore "$CA/server.p12"
kt -importcert -noprompt -alias ca -file "$CA/ca.pem" -keystore "$CA/trust.p12"
TRUST="-Djavax.net.ssl.trustStore=$CA/trust.p12 -Djavax.net.ssl.trustStorePassword=labpass -Djavax.net.ssl.trustStoreType=PKCS12"

coproc LAB { ip netns exec "$SVC" java --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "$CP" io.imdsprober.lab.LabHost \
  --dns 198.51.100.53:53 --zone kubernetes.default.svc.cluster.local=A:192.0.2.100 \
  --zone egress.lab.test=A:198.51.100.10 --https 198.51.100.10:443 \
  --keystore "$CA/server.p12" --storepass labpass; }
LAB_PID=$LAB_PID
read -r -t 30 ready <&"${LAB[0]}"; [ "$ready" = READY ]

ARGS=(probe --metadata 169.254.169.254:80 --dns-name kubernetes.default.svc.cluster.local
      --egress-url https://egress.lab.test/ --connect-timeout $TIMEOUT --result-file -)

# one training run writes the CDS archive, as the image build does
JSA=$OUT/probe.jsa; rm -f "$JSA"
ip netns exec "$POD" java @jvm/probe.options -XX:ArchiveClassesAtExit="$JSA" $TRUST -jar $JAR "${ARGS[@]}" >/dev/null 2>&1

# one run: prints "wall_ms rss_kib"; wall is from just before exec to the JSON line on stdout
one() {
  local start end rss
  start=$(date +%s%N)
  ip netns exec "$POD" /usr/bin/time -o "$OUT/time.txt" -f %M java "$@" $TRUST -jar $JAR "${ARGS[@]}" 2>/dev/null \
    | { read -r line; end=$(date +%s%N); echo "$line" > "$OUT/last.json"; echo $(( (end - start) / 1000000 )); cat >/dev/null; } > "$OUT/wall.txt"
  grep -q '"tcp":"timeout"' "$OUT/last.json" && grep -q '"result":"ok"' "$OUT/last.json" \
    || { echo "unexpected facts: $(cat "$OUT/last.json")" >&2; exit 1; }
  echo "$(cat "$OUT/wall.txt") $(tail -1 "$OUT/time.txt")"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

report() {
  local label=$1; shift
  : > "$OUT/runs.txt"
  for _ in $(seq "$RUNS"); do one "$@" >> "$OUT/runs.txt"; done
  local w r
  w=$(cut -d' ' -f1 "$OUT/runs.txt" | median)
  r=$(cut -d' ' -f2 "$OUT/runs.txt" | median)
  printf '| %s | %s | %d ms | %d ms | %.1f MiB | %s |\n' "$label" "$RUNS" "$w" "$((w - 3000))" "$(echo "$r/1024" | bc -l)" \
    "$(cut -d' ' -f1 "$OUT/runs.txt" | tr '\n' ' ')"
}

echo "| JVM flags | runs | median wall to JSON | over the 3 s timeout | median peak RSS | walls (ms) |"
echo "|---|---|---|---|---|---|"
report "image: jvm/probe.options + CDS" @jvm/probe.options -XX:SharedArchiveFile="$JSA"
if [ -n "${TRY_FLAGS:-}" ]; then
  # exploring: other flags on top of the image's, with the same archive
  for f in "${TRY_FLAGS[@]}"; do report "+ $f" @jvm/probe.options -XX:SharedArchiveFile="$JSA" $f; done
  exit 0
fi
report "image flags, no CDS" @jvm/probe.options -Xshare:off
report "JVM defaults" -Xshare:auto
echo
echo "last facts: $(cat "$OUT/last.json")"
