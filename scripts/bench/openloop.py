#!/usr/bin/env python3
"""Latency under a constant rate: each target at `--fraction` of its maximum throughput, with
tools/openloop (requests sent on schedule whatever the server does, latency counted from the time
each request was due, so a stall is not hidden by the client waiting for it).

The maximum is measured right before each open-loop run, by wrk (32 connections, 5 s after a 2-s
warm-up): on a shared machine the capacity of a few minutes earlier may no longer be there. The
closed-loop req/s of OUT/closedloop.json, when the api part ran, is printed beside it. Prints p50, p99, p99.9 and
errors per target, and whether p99 < 10 × p50 with no error at a rate actually sustained (responses per
second within 2% of the rate asked: a server falling behind makes every latency grow, the p50 too);
writes OUT/openloop.json.

    openloop.py --targets FILE --out DIR --openloop PATH [--fraction F] [--duration S] [--connections N]
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from closedloop import load_targets, parse_wrk, run_wrk  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--openloop", required=True)
    parser.add_argument("--fraction", type=float, default=0.75)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    closed_loop = {}
    closed = os.path.join(args.out, "closedloop.json")
    if os.path.exists(closed):
        with open(closed) as f:
            closed_loop = {t["name"]: t["wrk"]["rps"] for t in json.load(f)["targets"]}
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    results = []
    for target in load_targets(args.targets):
        print(f"bench: {target['label']}: maximum req/s (wrk, 5 s)", file=sys.stderr)
        run_wrk(target, args.connections, 2, 2, latency=False)
        maximum = parse_wrk(run_wrk(target, args.connections, 2, 5, latency=False)[0])["rps"]
        rate = maximum * args.fraction
        print(f"bench: {target['label']}: {rate:.0f} req/s for {args.duration} s (openloop)", file=sys.stderr)
        command = [args.openloop, "--url", target["url"], "--rate", f"{rate:.1f}", "--duration", str(args.duration),
                   "--connections", str(2 * args.connections)]
        for header in target["headers"]:
            command += ["--header", header]
        measured = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        results.append({"name": target["name"], "label": target["label"], "max_rps": maximum,
                        "closed_loop_rps": closed_loop.get(target["name"]), **measured})
    with open(os.path.join(args.out, "openloop.json"), "w") as f:
        json.dump({"load_before": load, "fraction": args.fraction, "targets": results}, f, indent=1)

    print()
    print(f"open loop at {args.fraction:.0%} of the maximum measured just before, {args.duration} s each, latency from the "
          f"intended send time; load average before: {load}")
    print(f"{'':46} {'max':>8} {'rate':>8} {'done/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'errors':>6} "
          f"{'p99/p50':>8}  target")
    for r in results:
        # No successful response at all: no latency (openloop prints null).
        lat = r["latency_ms"] or {"p50": float("nan"), "p99": float("nan"), "p99.9": float("nan")}
        ratio = lat["p99"] / lat["p50"] if lat["p50"] > 0 else float("inf")
        sustained = r["achieved_rate"] >= 0.98 * r["rate"]
        met = "met" if ratio < 10 and r["errors"] == 0 and sustained else "NOT met" + ("" if sustained else " (rate not sustained)")
        print(f"{r['label']:46} {r['max_rps']:>8.0f} {r['rate']:>8.0f} {r['achieved_rate']:>8.0f} {lat['p50']:>8.2f} "
              f"{lat['p99']:>8.2f} {lat['p99.9']:>9.2f} {r['errors']:>6} {ratio:>8.1f}  {met}")
    print("target: p99 < 10 × p50, no error, the rate sustained. max: wrk req/s just before; done/s: responses per second.")


if __name__ == "__main__":
    main()
