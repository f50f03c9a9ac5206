#!/usr/bin/env python3
"""serve at scale, time compressed: see bench/serve-scale.sh for what and why."""
import json, os, random, re, socket, subprocess, sys, threading, time, urllib.request

NS, FACTOR, OUT, CP, JAR = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
INTERVAL = 600 / FACTOR                    # the shipped 10 minutes, compressed
IN_FLIGHT = int(sys.argv[6]) if len(sys.argv) > 6 else 64
POOLS, NODES = 5, 50
ms = lambda real_ms: int(real_ms / FACTOR)  # a real duration in the compressed run
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

mock = subprocess.Popen(
    ["java", "-cp", CP, "io.imdsprober.sweep.MockClusterMain",
     "--nodes", str(NODES), "--pools", str(POOLS),
     "--pod-start-ms", f"{ms(2000)}-{ms(5000)}", "--probe-ms", f"{ms(3000)}-{ms(4000)}",
     f"{OUT}/kubeconfig", str(NS)],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(f"{OUT}/mock.log", "w"), text=True)
ready = mock.stdout.readline().split()
assert ready and ready[0] == "READY", "mock cluster did not start"
api = ready[1].rstrip("/")

def stats():
    mock.stdin.write("stats\n"); mock.stdin.flush()
    m = re.match(r"requests=(\d+) jobsMaxInFlight=(\d+)", mock.stdout.readline())
    return int(m.group(1)), int(m.group(2))

port = free_port()
opts = open("jvm/serve.options").read().split()
opts += os.environ.get("SERVE_JVM_EXTRA", "").split()  # experiments: flags after the image's
serve = subprocess.Popen(
    ["java", *opts, "-jar", JAR, "serve", "--kubeconfig", f"{OUT}/kubeconfig",
     "--metrics-port", str(port), "--interval", f"{int(INTERVAL * 1000)}ms",
     "--set", "leaderElection.enabled=false",
     "--set", f"probe.maxInFlight={IN_FLIGHT}",
     "--set", f"probe.deadline={max(5, int(30 / FACTOR))}s",
     "--set", f"serve.changeDebounce={ms(2000)}ms"],
    stdout=open(f"{OUT}/serve.out", "w"), stderr=open(f"{OUT}/serve.log", "w"))

def metrics():
    return NO_PROXY.open(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()

def value(text, name):
    m = re.search("^" + re.escape(name) + r" ([0-9.eE+-]+)$", text, re.M)
    return float(m.group(1)) if m else None

rss_peak = 0
stop = threading.Event()
def sample_rss():
    global rss_peak
    while not stop.is_set():
        try:
            for line in open(f"/proc/{serve.pid}/status"):
                if line.startswith("VmRSS"):
                    rss_peak = max(rss_peak, int(line.split()[1]))
        except FileNotFoundError:
            return
        time.sleep(0.5)
threading.Thread(target=sample_rss, daemon=True).start()

# the policy changes a tenant makes while the rotation runs: one a second (real time), random
changes = []
def change_driver(until):
    n = 0
    while time.time() < until:
        ns = "team-%04d" % random.randrange(NS)
        body = json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": f"bench-{n}", "namespace": ns},
                           "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                                    "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}})
        req = urllib.request.Request(f"{api}/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
                                     data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        NO_PROXY.open(req, timeout=10).read()
        changes.append(ns); n += 1
        time.sleep(1.0 / FACTOR)

try:
    t0 = time.time()
    # the first interval: every namespace gets its first result
    while True:
        time.sleep(2)
        try:
            m = metrics()
        except Exception:
            continue
        if m.count("imds_prober_last_probe_timestamp_seconds{") >= NS:
            break
        if time.time() - t0 > 4 * INTERVAL:
            sys.exit(f"not every namespace had a result after {4 * INTERVAL:.0f} s")
    first_all = time.time() - t0
    stats()  # requests so far are the first pass's: start counting now
    time.sleep(INTERVAL)  # a quiet interval: the rotation alone
    quiet_requests, _ = stats()
    w0 = time.time()
    driver = threading.Thread(target=change_driver, args=(w0 + INTERVAL,), daemon=True)
    driver.start()
    time.sleep(INTERVAL)
    driver.join()
    requests, max_in_flight = stats()
    def cpu_s(pid):  # user + system CPU seconds of a process so far
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    serve_cpu, mock_cpu = cpu_s(serve.pid), cpu_s(mock.pid)
    run_s = time.time() - t0
    m = metrics()
    now = time.time()
    ages = [now - float(v) for v in
            re.findall(r"^imds_prober_last_probe_timestamp_seconds\{[^}]*\} ([0-9.eE+]+)$", m, re.M)]
    pools = set(re.findall(r'^imds_prober_node_pool_status\{pool="([^"]+)",status="protected"\} 1\.0$', m, re.M))
    buckets = [(float(le), float(c)) for le, c in
               re.findall(r'^imds_prober_change_to_result_seconds_bucket\{le="([0-9.]+)"\} ([0-9.]+)$', m, re.M)]
    count = value(m, "imds_prober_change_to_result_seconds_count") or 0
    def quantile(q):
        if not count:
            return None
        rank, prev_le, prev_c = q * count, 0.0, 0.0
        for le, c in sorted(buckets):
            if c >= rank:
                return prev_le + (le - prev_le) * (rank - prev_c) / max(c - prev_c, 1e-9)
            prev_le, prev_c = le, c
        return None
    p50, p95 = quantile(0.5), quantile(0.95)
    out = {
        "namespaces": NS, "factor": FACTOR, "interval_real_s": 600, "in_flight_limit": IN_FLIGHT,
        "first_all_real_s": round(first_all * FACTOR),
        "oldest_result_real_s": round(max(ages) * FACTOR), "fresh": max(ages) <= INTERVAL,
        "requests_per_ns_per_interval_quiet": round(quiet_requests / NS, 2),
        "requests_per_ns_per_interval_with_changes": round(requests / NS, 2),
        "jobs_max_in_flight": max_in_flight,
        "pools_protected": len(pools), "pools": POOLS,
        "changes": len(changes), "changes_seen": int(count),
        "change_to_result_p50_real_s": None if p50 is None else round(p50 * FACTOR, 1),
        "change_to_result_p95_real_s": None if p95 is None else round(p95 * FACTOR, 1),
        "rss_peak_mib": round(rss_peak / 1024),
        # CPU share of the run (of one core): the mock API server with its fake kubelet, and serve
        "cpu_serve": round(serve_cpu / run_s, 2), "cpu_mock": round(mock_cpu / run_s, 2),
    }
    print(json.dumps(out))
finally:
    stop.set()
    serve.terminate()
    try: serve.wait(30)
    except subprocess.TimeoutExpired: serve.kill()
    try:
        mock.stdin.write("quit\n"); mock.stdin.flush(); mock.wait(30)
    except Exception:
        mock.kill()
