#!/usr/bin/env python3
"""Writes docs/performance.md from the side-by-side results: the driver's table of medians and
a table of ratios ours / peer. usage: performance_report.py RESULTS.jsonl TABLE.txt COMMAND"""
import json
import platform
import statistics
import subprocess
import sys
from collections import defaultdict


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    results, table_file, command = sys.argv[1], sys.argv[2], sys.argv[3]
    # The driver prints a JSON line per client run, then the table (from its "fake:" line on).
    table_lines = open(table_file).read().splitlines()
    start = next((i for i, l in enumerate(table_lines) if l.startswith("fake:")), 0)
    table = "\n".join(l for l in table_lines[start:] if not l.startswith("{"))
    rows = [json.loads(l) for l in open(results) if l.strip()]
    groups = defaultdict(list)
    for r in rows:
        if r.get("error") or not r.get("model_calls"):
            continue
        groups[(r["latency_ms"], r["n"], r["peer"])].append(r)

    def med(rs, f):
        return statistics.median(f(r) for r in rs)

    cpu_k = lambda r: (r["cpu_user_s"] + r["cpu_sys_s"]) / r["model_calls"] * 1000
    rss_run = lambda r: (r["peak_rss_mb"] - r.get("base_rss_mb", 0)) * 1024 / r["n"]
    ratio_lines = ["| latency ms | N | ours | peer | wall ours/peer | CPU per 1k calls ours/peer | RSS per run ours/peer |",
                   "|---|---|---|---|---|---|---|"]
    for (lat, n) in sorted({(k[0], k[1]) for k in groups}):
        ours = [p for (l, m, p) in groups if (l, m) == (lat, n) and p.startswith("agentroute")]
        peers = [p for (l, m, p) in groups if (l, m) == (lat, n) and not p.startswith("agentroute")]
        for o in sorted(ours):
            for p in sorted(peers):
                a, b = groups[(lat, n, o)], groups[(lat, n, p)]
                ratio_lines.append(
                    f"| {lat} | {n} | {o} | {p} | {med(a, lambda r: r['wall_s']) / med(b, lambda r: r['wall_s']):.2f} "
                    f"| {med(a, cpu_k) / med(b, cpu_k):.3f} (1/{med(b, cpu_k) / med(a, cpu_k):.0f}) "
                    f"| {med(a, rss_run) / med(b, rss_run):.3f} (1/{med(b, rss_run) / max(med(a, rss_run), 1e-9):.0f}) |")
    machine = f"{cpu_model()}, {subprocess.getoutput('nproc')} cores, " \
              f"{round(int(open('/proc/meminfo').readline().split()[1]) / 2**20)} GiB, {platform.platform()}"
    node = subprocess.getoutput("node --version")
    print(f"""# Performance

Produced by `{command}` from a clean checkout (medians over the repetitions; every client run
gets a fresh fake server; clients take turns, the order rotating). Machine: {machine}; Node {node}.

The scenario is the peers' (`../shared/peers/README.md`): each run is an agent with instructions
and one tool, prompt "Investigate ticket #4821", two model calls over HTTPS (a tool call, then the
final answer). `agentroute-cpp` is `bench/agent_load.cpp` on one executor thread (the fake needs
the other core); `-stream` streams the answers (SSE).

## Ratios, ours / peer

{chr(10).join(ratio_lines)}

## The driver's table

{table}

## Reading it

- CPU per 1,000 calls counts the client's own CPU, TLS handshakes included: at N concurrent runs
  every client needs about N connections (HTTP/1.1, one request in flight per connection), so at
  large N part of the cost is one TLS handshake per connection; the pool then reuses each
  connection for the run's second call.
- RSS per run is (peak RSS - RSS before the runs) / N. For us most of it is TLS state per
  connection (OpenSSL's SSL object and session; record buffers are released while a connection
  is idle, `SSL_MODE_RELEASE_BUFFERS`), bounded by `HttpsOptions::max_connections_per_host`.
- Wall time at 200 ms latency is bounded below by 0.4 s (two calls); the rest is connection
  set-up and the two cores shared with the fake server (see its CPU column).
""")


if __name__ == "__main__":
    main()
