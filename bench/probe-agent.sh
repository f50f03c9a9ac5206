#!/usr/bin/env bash
# Benchmark: what one probe costs, measured as a probe pod runs it. Each run is the agent
# (`java @probe.options -jar imds-prober.jar probe`, the image's configuration: its JVM options
# and an application CDS archive made by a training run, as the Dockerfile makes it) in a cgroup
# with the CPU quota and memory limit of the shipped probe pod (probe.cpuLimit 500m,
# probe.memoryLimit 128Mi), paired with the manual three checks a person would run in the same
# cgroup and lab: curl the metadata address, a DNS lookup, curl the egress URL, one after another.
#
# The lab ("dropped" case): the metadata address is blackholed one hop away (a router namespace),
# the connect timeout is 3 s, a lab nameserver answers the DNS name and a lab HTTPS host (a test
# CA the agent trusts, full certificate validation) answers the egress URL. Every packet stays in
# network namespaces this script makes; they and the cgroups are removed on exit, also on failure.
#
# Reported per configuration: CPU (user+sys, GNU time), wall from just before exec to the JSON
# line (or to curl's end), peak RSS, medians of RUNS, and the wall ratio to the curl sequence of
# the same pairs; then the fleet line (cores burnt at 1,000 and 5,000 namespaces per 10 minutes).
#
# Needs root, ip (iproute2), GNU time, curl, bc, cgroup v1 (cpu, memory) or v2.
#
# Usage: bench/probe-agent.sh [RUNS]   (default 5)
#   CPU_LIMIT=500m MEMORY_LIMIT=128Mi  the pod's limits (default: the shipped ones); CPU_LIMIT=none
#                                      runs without a quota (hides what the limit does to wall time)
#   TRY="label=flags;label=flags"      extra rows: other JVM flags instead of jvm/probe.options
#   PROFILE=1                          one more run with -Xlog:class+load and a JFR recording of the
#                                      image configuration, written to prober/target/bench/
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CPU_LIMIT=${CPU_LIMIT:-500m}
MEMORY_LIMIT=${MEMORY_LIMIT:-128Mi}
TIMEOUT_S=3
OUT=prober/target/bench
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "needs root (ip netns, cgroups)" >&2; exit 2; }
for tool in ip curl bc keytool getent; do
  command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

[ -n "${SKIP_BUILD:-}" ] || ./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp -pl prober dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" >/dev/null
CP="prober/target/test-classes:prober/target/classes:$(cat "$OUT/cp.txt")"
JAR=$PWD/prober/target/imds-prober.jar

millicores() { case $1 in none) echo 0 ;; *m) echo "${1%m}" ;; *) echo $(( $1 * 1000 )) ;; esac; }
bytes() {
  case $1 in *Gi) echo $(( ${1%Gi} << 30 )) ;; *Mi) echo $(( ${1%Mi} << 20 )) ;;
    *Ki) echo $(( ${1%Ki} << 10 )) ;; *) echo "$1" ;; esac
}
MILLI=$(millicores "$CPU_LIMIT")
MEM=$(bytes "$MEMORY_LIMIT")

ID=b$$
POD=imdsp-$ID-pod RTR=imdsp-$ID-rtr SVC=imdsp-$ID-svc
LAB_PID=
CG_PROCS=()
CG_DIRS=()
cleanup() {
  [ -n "$LAB_PID" ] && kill "$LAB_PID" 2>/dev/null || true
  for ns in $POD $RTR $SVC; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "/etc/netns/$POD"
  for d in "${CG_DIRS[@]}"; do rmdir "$d" 2>/dev/null || true; done
}
trap cleanup EXIT

# the pod's cgroup: v2 (cpu.max, memory.max) or v1 (cpu.cfs_quota_us, memory.limit_in_bytes)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  d=/sys/fs/cgroup/imdsp-bench-$ID
  mkdir "$d"; CG_DIRS+=("$d"); CG_PROCS+=("$d/cgroup.procs")
  grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo +cpu > /sys/fs/cgroup/cgroup.subtree_control
  grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo +memory > /sys/fs/cgroup/cgroup.subtree_control
  [ "$MILLI" = 0 ] || echo "$(( MILLI * 100 )) 100000" > "$d/cpu.max"
  echo "$MEM" > "$d/memory.max"
  CG="v2 cpu.max $(cat "$d/cpu.max"), memory.max $(cat "$d/memory.max")"
else
  c=/sys/fs/cgroup/cpu/imdsp-bench-$ID m=/sys/fs/cgroup/memory/imdsp-bench-$ID
  mkdir "$c" "$m"; CG_DIRS+=("$c" "$m"); CG_PROCS+=("$c/cgroup.procs" "$m/cgroup.procs")
  echo 100000 > "$c/cpu.cfs_period_us"
  [ "$MILLI" = 0 ] || echo $(( MILLI * 100 )) > "$c/cpu.cfs_quota_us"
  echo "$MEM" > "$m/memory.limit_in_bytes"
  CG="v1 cpu.cfs_quota_us $(cat "$c/cpu.cfs_quota_us")/$(cat "$c/cpu.cfs_period_us"), memory.limit_in_bytes $(cat "$m/memory.limit_in_bytes")"
fi
# runs "$@" inside the pod's cgroup and network namespace (the cgroup first: ip netns exec mounts
# a sysfs of its own, where the host's cgroup tree is not)
in_pod() {
  local joins=""
  for p in "${CG_PROCS[@]}"; do joins="$joins echo \$\$ > $p;"; done
  sh -c "$joins exec ip netns exec $POD \"\$@\"" in_pod "$@"
}

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
printf 'hosts: files dns\n' > "/etc/netns/$POD/nsswitch.conf"
# a probe pod's /etc/hosts knows nothing of the lab: getent must ask the nameserver
printf '127.0.0.1 localhost\n' > "/etc/netns/$POD/hosts"
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
# the agent trusts the JDK's own CA certificates plus the lab CA, as a pod whose egress host has a
# public certificate loads the whole default trust store
cp "$(readlink -f "$(dirname "$(readlink -f "$(command -v java)")")/../lib/security/cacerts")" "$CA/trust.p12"
keytool -importcert -noprompt -alias bench-ca -file "$CA/ca.pem" -keystore "$CA/trust.p12" -storepass changeit >/dev/null 2>&1
TRUST="-Djavax.net.ssl.trustStore=$PWD/$CA/trust.p12 -Djavax.net.ssl.trustStorePassword=changeit"
# diagnostic only: a trust store of the lab CA alone, to show what loading the JDK's CAs costs
keytool -importcert -noprompt -alias bench-ca -file "$CA/ca.pem" -keystore "$CA/lab-only.jks" -storetype JKS -storepass changeit >/dev/null 2>&1

coproc LAB { ip netns exec "$SVC" java --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp "$CP" io.imdsprober.lab.LabHost \
  --dns 198.51.100.53:53 --zone kubernetes.default.svc.cluster.local=A:192.0.2.100 \
  --zone egress.lab.test=A:198.51.100.10 --https 198.51.100.10:443 \
  --keystore "$CA/server.p12" --storepass labpass; }
LAB_PID=$LAB_PID
read -r -t 60 ready <&"${LAB[0]}"; [ "$ready" = READY ]

ARGS=(probe --metadata 169.254.169.254:80 --dns-name kubernetes.default.svc.cluster.local
      --connect-timeout ${TIMEOUT_S}s --result-file -)
EGRESS=(--egress-url https://egress.lab.test/)

# the image's configuration: jvm/probe.options plus an archive made as the Dockerfile makes it, by
# the CDS training run (the agent's whole path, TLS handshake included, against a loopback HTTPS
# host the training process serves itself), outside the quota
JSA=$OUT/probe.jsa; rm -f "$JSA" "$OUT/training.p12"
keytool -genkeypair -alias training -keyalg EC -dname CN=localhost -ext san=dns:localhost,ip:127.0.0.1 \
  -validity 2 -keystore "$OUT/training.p12" -storepass training -storetype PKCS12 >/dev/null 2>&1
java @jvm/probe.options -XX:ArchiveClassesAtExit="$PWD/$JSA" -Xlog:cds=off -Xlog:cds+dynamic=off \
  -cp "$JAR" io.imdsprober.cli.CdsTraining "$OUT/training.p12" training 2>"$OUT/training.err" \
  || { echo "CDS training failed: $(grep 'CDS training' "$OUT/training.err")" >&2; exit 1; }
IMAGE="@jvm/probe.options -XX:SharedArchiveFile=$PWD/$JSA"

# one agent run: prints "wall_ms cpu_ms rss_kib"
agent() {
  local start
  start=$(date +%s%N)
  in_pod /usr/bin/time -o "$OUT/time.txt" -f "%e %U %S %M" java $TRUST "$@" -jar "$JAR" "${ARGS[@]}" "${EGRESS[@]}" 2>"$OUT/agent.err" \
    | { read -r line; echo $(( ($(date +%s%N) - start) / 1000000 )) > "$OUT/wall.txt"; echo "$line" > "$OUT/last.json"; cat >/dev/null; }
  grep -q '"tcp":"timeout"' "$OUT/last.json" && grep -q '"dns":\[{[^]]*"result":"ok"' "$OUT/last.json" \
    && { [ ${#EGRESS[@]} = 1 ] || grep -q '"egress":\[{[^]]*"result":"ok"' "$OUT/last.json"; } \
    || { echo "unexpected facts: $(cat "$OUT/last.json"); stderr: $(head -c 2000 "$OUT/agent.err")" >&2; exit 1; }
  grep -qi "sharing\|CDS\|archive" "$OUT/agent.err" && { echo "CDS warning: $(cat "$OUT/agent.err")" >&2; exit 1; }
  read -r _ u s rss < "$OUT/time.txt"
  echo "$(cat "$OUT/wall.txt") $(echo "($u + $s) * 1000 / 1" | bc) $rss"
}
# the manual checks, one after another, in the same cgroup: prints "wall_ms cpu_ms rss_kib"
curls() {
  local start t=0 cpu=0 rss=0 u s r
  start=$(date +%s%N)
  in_pod /usr/bin/time -a -o "$OUT/curl-time.txt" -f "%U %S %M" \
    curl -s -o /dev/null --connect-timeout $TIMEOUT_S http://169.254.169.254/latest/meta-data/ && exit 1 || true
  in_pod /usr/bin/time -a -o "$OUT/curl-time.txt" -f "%U %S %M" \
    getent ahostsv4 kubernetes.default.svc.cluster.local > /dev/null
  in_pod /usr/bin/time -a -o "$OUT/curl-time.txt" -f "%U %S %M" \
    curl -sf -o /dev/null --max-time $TIMEOUT_S --cacert "$CA/ca.pem" https://egress.lab.test/
  t=$(( ($(date +%s%N) - start) / 1000000 ))
  while read -r u s r; do
    [[ $u =~ ^[0-9.]+$ ]] || continue
    cpu=$(echo "$cpu + ($u + $s) * 1000" | bc); [ "$r" -gt "$rss" ] && rss=$r
  done < "$OUT/curl-time.txt"
  rm -f "$OUT/curl-time.txt"
  echo "$t ${cpu%.*} $rss"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

: > "$OUT/curl-runs.txt"
row() {
  local label=$1; shift
  : > "$OUT/runs.txt"
  for _ in $(seq "$RUNS"); do
    agent "$@" >> "$OUT/runs.txt"
    curls >> "$OUT/curl-runs.txt"
  done
  local w c r cw
  w=$(cut -d' ' -f1 "$OUT/runs.txt" | median)
  c=$(cut -d' ' -f2 "$OUT/runs.txt" | median)
  r=$(cut -d' ' -f3 "$OUT/runs.txt" | median)
  cw=$(tail -n "$RUNS" "$OUT/curl-runs.txt" | cut -d' ' -f1 | median)
  printf '| %s | %d | %.2f s | %.2f s | %.2f × | %.1f MiB | %s |\n' "$label" "$RUNS" "$(echo "$c/1000" | bc -l)" \
    "$(echo "$w/1000" | bc -l)" "$(echo "$w/$cw" | bc -l)" "$(echo "$r/1024" | bc -l)" \
    "$(cut -d' ' -f2 "$OUT/runs.txt" | tr '\n' ' ')"
}

echo "cgroup: $CG; java: $(java -version 2>&1 | head -1); $(nproc) cores"
echo
echo "| configuration | runs | median CPU | median wall to JSON | wall / paired curl sequence | median peak RSS | CPU per run (ms) |"
echo "|---|---|---|---|---|---|---|"
row "image: jvm/probe.options + CDS archive" $IMAGE
IMAGE_CPU=$(cut -d' ' -f2 "$OUT/runs.txt" | median)
row "diagnostic: image, trusting the lab CA alone (no JDK CA certificates)" $IMAGE -Djavax.net.ssl.trustStore="$PWD/$CA/lab-only.jks"
EGRESS=(--egress-url=)
row "diagnostic: image, no egress URL (no TLS)" $IMAGE
EGRESS=(--egress-url https://egress.lab.test/)
IFS=";" read -r -a TRIES <<< "${TRY:-}"
for t in "${TRIES[@]}"; do
  [ -n "$t" ] && row "${t%%=*}" ${t#*=}
done
c=$(median < <(cut -d' ' -f2 "$OUT/curl-runs.txt"))
w=$(median < <(cut -d' ' -f1 "$OUT/curl-runs.txt"))
r=$(median < <(cut -d' ' -f3 "$OUT/curl-runs.txt"))
printf '| the curl sequence (curl metadata, getent, curl egress) | %d | %.2f s | %.2f s | 1.00 × | %.1f MiB | |\n' \
  "$(wc -l < "$OUT/curl-runs.txt")" "$(echo "$c/1000" | bc -l)" "$(echo "$w/1000" | bc -l)" "$(echo "$r/1024" | bc -l)"
echo
# cores burnt by the fleet's probes: CPU-seconds per probe x namespaces / 600 s
for n in 1000 5000; do
  printf 'fleet: %d namespaces, one probe each per 10 minutes: %.2f cores (image configuration), %.3f cores (curl)\n' \
    "$n" "$(echo "$IMAGE_CPU / 1000 * $n / 600" | bc -l)" "$(echo "$c / 1000 * $n / 600" | bc -l)"
done
echo
echo "last facts: $(cat "$OUT/last.json")"

if [ -n "${PROFILE:-}" ]; then
  in_pod java $IMAGE -Xlog:class+load:file="$PWD/$OUT/class-load.txt" $TRUST -jar "$JAR" "${ARGS[@]}" "${EGRESS[@]}" >/dev/null 2>&1
  in_pod java $IMAGE -XX:StartFlightRecording=filename="$PWD/$OUT/probe.jfr",settings=profile $TRUST \
    -jar "$JAR" "${ARGS[@]}" "${EGRESS[@]}" >/dev/null 2>&1 || true
  echo "classes loaded: $(grep -c 'source:' "$OUT/class-load.txt") (from the CDS archive: $(grep -c 'shared objects file' "$OUT/class-load.txt"))"
  echo "profile: $OUT/probe.jfr (jfr print --events jdk.ExecutionSample $OUT/probe.jfr)"
fi
