#!/usr/bin/env python3
"""Closed-loop benchmark of HTTP endpoints, each next to pgbench replaying its SQL, in one run.

For every target (one JSON object per line: name, label, url, cookie, script, vars; a target with
"cookie": true is requested with the session cookie of $BENCH_COOKIE): checks that
the URL answers 2xx, warms up for 2 s, runs `wrk --latency` while sampling the CPU time of the
responders, nginx's workers and the responders' PostgreSQL backends and the memory of the
responders, then runs pgbench on the target's script (as portal_app, `-M prepared`, the
parameters of `vars` as -D) while sampling the CPU time of pgbench's backends. Prints a table and
writes everything to OUT/closedloop.json (the open-loop benchmark reads its maxima there).

    closedloop.py --targets FILE --out DIR --run-dir DIR --pgbench PATH [--duration S]
                  [--connections N] [--threads N] [--pgbench-clients N[,N...]]

PostgreSQL is reached through PGHOST/PGPORT (scripts/stack.sh env); psql must be on PATH.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import CPUSampler, MemorySampler, children  # noqa: E402

NAN = float("nan")


def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def backend_pids(application_name):
    out = subprocess.run(["psql", "-X", "-qAt", "-d", "portal", "-U", "postgres", "-c",
                          f"SELECT pid FROM pg_stat_activity WHERE application_name = '{application_name}'"],
                         check=True, capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def pid_files(run_dir, pattern):
    pids = []
    for path in sorted(glob.glob(os.path.join(run_dir, pattern))):
        with open(path) as f:
            pids.append(int(f.read().split()[0]))
    return pids


def load_targets(path):
    """The targets of a .jsonl file, with their request headers."""
    targets = []
    with open(path) as f:
        for line in f:
            target = json.loads(line)
            target["headers"] = [f"Cookie: {os.environ['BENCH_COOKIE']}"] if target["cookie"] else []
            targets.append(target)
    return targets


def check(target):
    request = urllib.request.Request(target["url"], headers=dict(h.split(": ", 1) for h in target["headers"]))
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            size = len(resp.read())
            return resp.status, size
    except urllib.error.HTTPError as err:
        sys.exit(f"closedloop.py: {target['url']} answered {err.code}: {err.read()[:300]!r}")


def run_wrk(target, connections, threads, seconds, latency=True):
    """wrk's output, and the CPU seconds wrk itself used."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    if latency:
        command.append("--latency")
    for header in target["headers"]:
        command += ["-H", header]
    proc = subprocess.Popen(command + [target["url"]], stdout=subprocess.PIPE, text=True)
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"closedloop.py: wrk failed on {target['url']}")
    return text, usage.ru_utime + usage.ru_stime


def parse_wrk(text):
    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50_ms": pct.get("50", NAN), "p99_ms": pct.get("99", NAN),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0),
    }


def run_pgbench(target, args, out, clients):
    variables = []
    with open(target["vars"]) as f:
        for line in f:
            if line.strip():
                variables += ["-D", line.rstrip("\n")]
    prefix = f"pgbench_{target['name']}_{clients}"
    command = [args.pgbench, "-n", "-c", str(clients), "-j", str(min(args.threads, clients)), "-T", str(args.duration),
               "-M", "prepared", *variables, "-f", target["script"], "-l", f"--log-prefix={prefix}",
               "-U", "portal_app", "portal"]
    cpu_pids = []
    with CPUSampler({"postgres": lambda: cpu_pids}) as cpu:
        started = time.monotonic()
        proc = subprocess.Popen(command, cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PGAPPNAME": "pgbench"})
        time.sleep(min(1.0, args.duration / 4))
        cpu_pids.extend(backend_pids("pgbench"))
        _, status, usage = os.wait4(proc.pid, 0)
        text = proc.stdout.read()
        elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"closedloop.py: pgbench failed for {target['name']}:\n{text}")
    latencies = []
    for path in glob.glob(os.path.join(out, prefix + ".*")):
        with open(path) as f:
            latencies.extend(int(line.split()[2]) for line in f if line.strip())
        os.remove(path)
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] / 1000.0 if latencies else NAN

    failed = re.search(r"number of failed transactions: (\d+)", text)
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
    return {
        "tps": float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", text).group(1)),
        "transactions": transactions, "p50_ms": pct(50), "p99_ms": pct(99),
        "errors": int(failed.group(1)) if failed else 0,
        "cpu_us": {"postgres": cpu.seconds()["postgres"] * 1e6 / transactions,
                   "pgbench": (usage.ru_utime + usage.ru_stime) * 1e6 / transactions},
        "seconds": elapsed, "clients": clients, "output": text,
    }


def measure(target, args, out):
    status, size = check(target)
    run_wrk(target, args.connections, args.threads, 2, latency=False)  # warm-up: prepared statements, caches, keep-alive
    responders = pid_files(args.run_dir, "portal-fcgi*.pid")
    nginx_workers = [pid for master in pid_files(args.run_dir, "nginx.pid") for pid in children(master)]
    backends = backend_pids("portal-fcgi")
    groups = {"responder": lambda: responders, "nginx": lambda: nginx_workers, "postgres": lambda: backends}
    with CPUSampler(groups) as cpu, MemorySampler({"responder": lambda: responders}) as memory:
        text, wrk_cpu = run_wrk(target, args.connections, args.threads, args.duration)
    wrk = parse_wrk(text)
    wrk["cpu_us"] = {name: seconds * 1e6 / wrk["requests"] for name, seconds in {**cpu.seconds(), "wrk": wrk_cpu}.items()}
    wrk["responder_rss_kib"] = {str(pid): {"peak_rss": memory.peak_rss.get(pid), "hwm": memory.hwm.get(pid)}
                                for pid in responders}
    wrk["status"], wrk["bytes"] = status, size
    replays = [{k: v for k, v in run_pgbench(target, args, out, clients).items() if k != "output"}
               for clients in args.pgbench_clients]
    return {"name": target["name"], "label": target["label"], "wrk": wrk, "pgbench": replays,
            "ratio": wrk["rps"] / replays[0]["tps"]}


def table(results, args):
    print()
    print(f"wrk -c{args.connections} -t{args.threads} through nginx to {results['workers']} responder worker(s); "
          f"pgbench -M prepared as portal_app; {args.duration} s each; {os.cpu_count()} cores shared by everything; "
          f"load average before: {results['load_before']}")
    head = f"{'':46} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'ratio':>6}   CPU µs per request"
    print(head)
    for r in results["targets"]:
        w = r["wrk"]
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in w["cpu_us"].items())
        print(f"{r['label'] + ' (wrk)':46} {w['rps']:>9.1f} {w['p50_ms']:>8.2f} {w['p99_ms']:>8.2f} {w['errors']:>6} "
              f"{'':>6}   {cpu}")
        for p in r["pgbench"]:
            cpu = ", ".join(f"{k} {v:.0f}" for k, v in p["cpu_us"].items())
            label = f"  its SQL, pgbench -c{p['clients']} (*)"
            print(f"{label:46} {p['tps']:>9.1f} {p['p50_ms']:>8.2f} {p['p99_ms']:>8.2f} "
                  f"{p['errors']:>6} {w['rps'] / p['tps']:>6.2f}   {cpu}")
    print(f"ratio = endpoint req/s ÷ pgbench tps; the target (≥ 0.60) is against pgbench -c{args.pgbench_clients[0]}, "
          "as many sessions as the")
    print("responders hold. CPU: user + system time of the responders, nginx's workers, the PostgreSQL backends")
    print("serving them and wrk (for pgbench: its backends, and pgbench itself), per request.")
    print("(*) pgbench percentiles come from its per-transaction log, whose clock is refreshed lazily: under")
    print("    load they read low.")
    rss = {}
    for r in results["targets"]:
        for pid, values in r["wrk"]["responder_rss_kib"].items():
            entry = rss.setdefault(pid, {"peak_rss": 0, "hwm": 0})
            entry["peak_rss"] = max(entry["peak_rss"], values["peak_rss"] or 0)
            entry["hwm"] = max(entry["hwm"], values["hwm"] or 0)
    for pid, values in rss.items():
        print(f"responder pid {pid} ({results['workers']} workers): peak VmRSS under load {values['peak_rss'] / 1024:.1f} MiB, "
              f"VmHWM {values['hwm'] / 1024:.1f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--pgbench", required=True)
    parser.add_argument("--workers", default="?")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pgbench-clients", type=lambda text: [int(n) for n in text.split(",")], default=[4, 32])
    args = parser.parse_args()
    targets = load_targets(args.targets)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    results = {"load_before": load, "workers": args.workers, "duration": args.duration, "connections": args.connections,
               "pgbench_clients": args.pgbench_clients, "targets": []}
    for target in targets:
        print(f"bench: {target['label']}: wrk, then pgbench", file=sys.stderr)
        results["targets"].append(measure(target, args, args.out))
    with open(os.path.join(args.out, "closedloop.json"), "w") as f:
        json.dump(results, f, indent=1)
    table(results, args)


if __name__ == "__main__":
    main()
