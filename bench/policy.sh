#!/usr/bin/env bash
# Benchmark: `policy --manifests DIR --output json` over generated clusters of three sizes, the
# largest 5,000 namespaces, 50,000 pods and 20,000 NetworkPolicies (issue 13). No cluster and no
# network: the manifests are files; the prober only reads and evaluates them.
#
# Each namespace holds 10 pods of 3 workloads (Deployment web: 4 pods of ReplicaSet web-<hash>,
# Deployment api: 4 pods, StatefulSet db: 2 pods, each with its own pod-name label) and 4 policies:
#   default-deny-egress  podSelector {}, Egress, no rule
#   allow-dns            podSelector {}, to kube-system port 53 (UDP, TCP)
#   web-egress           app=web, to ipBlock 0.0.0.0/0 except the IPv4 metadata addresses
#   db-access            app In (web, api), to pods app=db port 5432
# and two kinds of mistake, so the figures include judging exposure, not only "all blocked":
#   every 10th namespace (i % 10 == 0): web-egress has no except -> web may reach metadata
#   i % 10 == 1: no default-deny, allow-dns selects only app=web (4th policy: an ingress-only
#                policy instead) -> db is selected by no egress policy -> db may reach metadata
# The script checks every report (3 workloads per namespace, 4 rows: a row per label set, and each
# db pod carries its own pod-name label; exactly those two exposed per 10
# namespaces; nothing invalid) before it counts a run.
#
# KINDS=calico or KINDS=cilium (issue 22) adds the policy kinds clusters use, shaped so that they
# are evaluated for every workload and destination but change no expected outcome: one
# AdminNetworkPolicy (priority 50, every namespace, Pass for 169.254.169.254/32: the decision goes
# on to the next tier), the BaselineAdminNetworkPolicy `default` (Allow 10.0.0.0/8), and
#   calico: a Tier `security` (order 100), a GlobalNetworkPolicy in it (all(), Egress: Deny
#           192.0.2.0/24, then Pass) and, in every 10th namespace (i % 10 == 5), a Calico
#           NetworkPolicy in it (app == 'web': Deny TCP 443 to 198.51.100.0/24, then Pass);
#   cilium: a CiliumClusterwideNetworkPolicy (every endpoint, enableDefaultDeny egress false,
#           egressDeny toCIDR 192.0.2.0/24) and, in every 10th namespace, a CiliumNetworkPolicy
#           (app=web, the same, egressDeny toCIDRSet 198.51.100.0/24 port 443).
# 5,000 namespaces then hold 500 namespaced Calico or Cilium policies.
#
# Per size: median wall of the `java -jar` process (GNU time), peak heap (largest heap before a GC
# or at exit, -Xlog:gc), peak RSS. Goal: the largest size under 10 s and 1 GiB heap (-Xmx1g).
#
# Needs GNU time and python3. Usage: [KINDS=calico|cilium] bench/policy.sh [RUNS] [NAMESPACE COUNTS]
# (3 "500 2000 5000")
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
KINDS=${KINDS:-}
case "$KINDS" in ""|calico|cilium) ;; *) echo "KINDS must be calico or cilium" >&2; exit 2 ;; esac
SIZES=${2:-500 2000 5000}
OUT=prober/target/bench/policy
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }

[ -n "${SKIP_BUILD:-}" ] || ./mvnw -B -q -ntp -DskipTests package   # SKIP_BUILD=1: the jar as built
JAR=prober/target/imds-prober.jar
PROBER_JVM=(-Xmx1g)

generate() { # $1 namespaces, $2 directory: one file per 100 namespaces, multi-document YAML (JSON flow style)
  python3 - "$1" "$2" "$KINDS" <<'PY'
import json, os, sys
n, d, kinds = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(d, exist_ok=True)
META4 = ["169.254.169.254/32", "168.63.129.16/32", "100.100.100.200/32"]
def pod(ns, name, labels, kind, owner):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": owner,
                                              "uid": f"{ns}-{owner}", "controller": True}]},
            "spec": {"containers": [{"name": "c", "image": "registry.example/app:1"}]}}
def netpol(ns, name, spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}
counts = {"pods": 0, "policies": 0, "cni": 0}
for start in range(0, n, 100):
    docs = []
    for i in range(start, min(n, start + 100)):
        ns = f"team-{i:05d}"
        for app, kind, owner, k in (("web", "ReplicaSet", "web-5d8f7c", 4),
                                    ("api", "ReplicaSet", "api-6b9c4d", 4),
                                    ("db", "StatefulSet", "db", 2)):
            for j in range(k):
                name = f"{owner}-{j}" if kind == "StatefulSet" else f"{owner}-x{j:03d}"
                labels = {"app": app, "team": ns}
                if kind == "StatefulSet":
                    labels["statefulset.kubernetes.io/pod-name"] = name
                else:
                    labels["pod-template-hash"] = owner.split("-")[1]
                docs.append(pod(ns, name, labels, kind, owner))
        leaky_web, unselected_db = i % 10 == 0, i % 10 == 1
        if unselected_db:
            docs.append(netpol(ns, "ingress-only", {"podSelector": {}, "policyTypes": ["Ingress"]}))
        else:
            docs.append(netpol(ns, "default-deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}))
        docs.append(netpol(ns, "allow-dns", {
            "podSelector": {"matchLabels": {"app": "web"}} if unselected_db else {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}))
        block = {"cidr": "0.0.0.0/0"} if leaky_web else {"cidr": "0.0.0.0/0", "except": META4}
        docs.append(netpol(ns, "web-egress", {
            "podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": block}]}]}))
        docs.append(netpol(ns, "db-access", {
            "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}],
                        "ports": [{"protocol": "TCP", "port": 5432}]}]}))
        if kinds == "calico" and i % 10 == 5:
            docs.append({"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
                         "metadata": {"name": "security.web-deny", "namespace": ns},
                         "spec": {"tier": "security", "order": 20, "selector": "app == 'web'",
                                  "types": ["Egress"],
                                  "egress": [{"action": "Deny", "protocol": "TCP",
                                              "destination": {"nets": ["198.51.100.0/24"], "ports": [443]}},
                                             {"action": "Pass"}]}})
            counts["cni"] += 1
        if kinds == "cilium" and i % 10 == 5:
            docs.append({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
                         "metadata": {"name": "web-deny", "namespace": ns},
                         "spec": {"endpointSelector": {"matchLabels": {"app": "web"}},
                                  "enableDefaultDeny": {"egress": False, "ingress": False},
                                  "egressDeny": [{"toCIDRSet": [{"cidr": "198.51.100.0/24"}],
                                                  "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]}})
            counts["cni"] += 1
        counts["pods"] += 10
        counts["policies"] += 4
    if kinds and start == 0:
        docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
                     "metadata": {"name": "pass-metadata"},
                     "spec": {"priority": 50, "subject": {"namespaces": {}},
                              "egress": [{"name": "to-netpol", "action": "Pass",
                                          "to": [{"networks": ["169.254.169.254/32"]}]}]}})
        docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
                     "metadata": {"name": "default"},
                     "spec": {"subject": {"namespaces": {}},
                              "egress": [{"name": "corp", "action": "Allow", "to": [{"networks": ["10.0.0.0/8"]}]}]}})
        if kinds == "calico":
            docs.append({"apiVersion": "projectcalico.org/v3", "kind": "Tier",
                         "metadata": {"name": "security"}, "spec": {"order": 100}})
            docs.append({"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
                         "metadata": {"name": "security.deny-doc-nets"},
                         "spec": {"tier": "security", "order": 10, "selector": "all()", "types": ["Egress"],
                                  "egress": [{"action": "Deny", "destination": {"nets": ["192.0.2.0/24"]}},
                                             {"action": "Pass"}]}})
        else:
            docs.append({"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy",
                         "metadata": {"name": "deny-doc-nets"},
                         "spec": {"endpointSelector": {},
                                  "enableDefaultDeny": {"egress": False, "ingress": False},
                                  "egressDeny": [{"toCIDR": ["192.0.2.0/24"]}]}})
    with open(os.path.join(d, f"ns-{start:05d}.yaml"), "w") as f:
        f.write("\n---\n".join(json.dumps(x) for x in docs) + "\n")
print(counts["pods"], counts["policies"], counts["cni"])
PY
}

printf '| namespaces | pods | NetworkPolicies | %s policies | workloads | median wall (process) | peak heap | peak RSS | walls (s) |\n' "${KINDS:-CNI}"
printf '|---|---|---|---|---|---|---|---|---|\n'
for n in $SIZES; do
  dir="$OUT/manifests-$n"
  rm -rf "$dir"
  read -r pods policies cni < <(generate "$n" "$dir")
  rows=()
  for run in $(seq "$RUNS"); do
    rm -f "$OUT/gc.log"
    rc=0
    /usr/bin/time -f '%e %M' -o "$OUT/time.txt" \
      java "${PROBER_JVM[@]}" -Xlog:gc,gc+heap+exit:file="$OUT/gc.log" -jar "$JAR" \
      policy --manifests "$dir" --output json >"$OUT/report.json" 2>"$OUT/prober.log" || rc=$?
    # Exit 1: some workload may reach a metadata address (the generated mistakes).
    [ "$rc" = 1 ] || { echo "policy exited $rc (want 1); see $OUT/prober.log" >&2; exit 1; }
    rows+=("$(python3 - "$OUT" "$n" <<'PY'
import json, sys
sys.path.insert(0, "bench")
from gc_peak import peak_mib
out, n = sys.argv[1], int(sys.argv[2])
wall, rss_kb = open(f"{out}/time.txt").read().split()[-2:]
report = json.load(open(f"{out}/report.json"))
ws = report["workloads"]
# one row per label set: web and api one each, db two (each StatefulSet pod has its pod-name label)
assert len(ws) == 4 * n, (len(ws), 4 * n)
assert not report["invalid"], report["invalid"][:3]
assert not report.get("undecided"), report.get("undecided")[:3]
exposed = {(w["namespace"], w["name"].split("-")[0])
           for w in ws if any(d["allowed"] is not False for d in w["destinations"])}
want = set()
for i in range(n):
    if i % 10 == 0:
        want.add((f"team-{i:05d}", "web"))
    if i % 10 == 1:
        want.add((f"team-{i:05d}", "db"))
assert exposed == want, (sorted(exposed - want)[:5], sorted(want - exposed)[:5])
peak = peak_mib(f"{out}/gc.log")
print(float(wall), peak, int(rss_kb) / 1024, len(ws))
PY
)")
  done
  printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
col = lambda i: st.median(r[i] for r in rows)
walls = " ".join(f"{r[0]:.2f}" for r in rows)
print(f"| '"$n"' | '"$pods"' | '"$policies"' | '"$cni"' | {int(rows[0][3])} | {col(0):.2f} s | {col(1):.0f} MiB | {col(2):.0f} MiB | {walls} |")
'
done
echo
echo "extra kinds: ${KINDS:-none}; prober JVM: ${PROBER_JVM[*]}; $RUNS run(s) per size; $(nproc) CPUs; $(java -version 2>&1 | head -1)"
