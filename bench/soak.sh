#!/usr/bin/env bash
# Soak with a ledger: R runs kept in flight for S seconds against `agentroute fake-server`
# injecting random faults (429 with Retry-After, 5xx, availability, resets mid-body, truncated
# and stalled streams, errors inside streams and 200 bodies, garbage, bodies that never end,
# slow answers) on a share P of the chat requests, each run cancelled or given a deadline at
# random (bench/soak.cpp). Then checks:
#   - the ledgers: every dollar the fake billed is in exactly one run's usage (results and
#     errors together, within 1e-9), and the runs counted no call the fake did not bill;
#   - every run ended in a result or an ErrorAgent;
#   - RSS and open file descriptors flat from second W to the end (the window's last third
#     against its first: RSS within 2 MB or 3 %, descriptors within 16);
#   - the client healthy afterwards: 100 fresh runs on the same pool, once the faults stop,
#     all succeed.
# Writes samples.csv, summary.json and soak.svg (RSS and fds over time) to the output folder.
#
# usage: bench/soak.sh [-s 1800] [-r 1000] [-w 300] [-p 0.2] [-l 100] [-x 400] [-1] [-o DIR]
#                      [-c agentroute] [-b agentroute_bench_soak]
#   -1: HTTP/1.1 (a connection per run in flight) instead of HTTP/2;
#   without -c and -b it builds them (Release) first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=1800; runs=1000; window=300; rate=0.2; latency=100; extra=400; out=""; cli=""; bench=""; http1=""
while getopts "s:r:w:p:l:x:o:c:b:1h" opt; do
  case $opt in
    s) seconds=$OPTARG ;; r) runs=$OPTARG ;; w) window=$OPTARG ;; p) rate=$OPTARG ;;
    l) latency=$OPTARG ;; x) extra=$OPTARG ;; o) out=$OPTARG ;; c) cli=$OPTARG ;; b) bench=$OPTARG ;;
    1) http1=--http1 ;; h) sed -n '2,21p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
if [ -z "$cli" ] || [ -z "$bench" ]; then
  "$root/scripts/install-deps.sh"
  build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
    -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target agentroute_bench_soak agentroute_cli
  cli=$build/cli/agentroute; bench=$build/bench/agentroute_bench_soak
fi
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")}
mkdir -p "$out"
fake_pid=
trap '[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true' EXIT

# The faults stop when the soak does, so that the health check meets a sound server.
"$cli" fake-server --latency-ms "$latency" --extra-latency-ms "$extra" --fault-rate "$rate" \
  --fault-seconds "$seconds" > "$out/fake.jsonl" 2> "$out/fake.log" &
fake_pid=$!
for _ in $(seq 100); do grep -q ready "$out/fake.jsonl" 2>/dev/null && break; sleep 0.1; done
read -r url ca < <(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["url"], r["ca"])' "$out/fake.jsonl")

status=0
FAKE_URL=$url FAKE_CA=$ca "$bench" --runs "$runs" --seconds "$seconds" --sample $((seconds >= 600 ? 10 : 5)) \
  --csv "$out/samples.csv" $http1 > "$out/client.json" 2> "$out/client.log" || status=$?
kill -TERM "$fake_pid"; wait "$fake_pid" 2>/dev/null || true; fake_pid=

python3 - "$out" "$window" "$status" <<'PY'
import csv, json, pathlib, sys
out, window, client_status = pathlib.Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
client = json.loads((out / "client.json").read_text() or "{}")
fake = [json.loads(l) for l in (out / "fake.jsonl").read_text().splitlines() if l.startswith("{")][-1]
rows = [dict((k, float(v)) for k, v in r.items()) for r in csv.DictReader(open(out / "samples.csv"))]
soak_rows = [r for r in rows if r["t_s"] <= client["soak_s"] and r["in_flight"] > 0]
win = [r for r in soak_rows if r["t_s"] >= window]
third = max(1, len(win) // 3)
first, last = win[:third], win[-third:]
mean = lambda xs: sum(xs) / len(xs)
rss_growth = mean([r["rss_mb"] for r in last]) - mean([r["rss_mb"] for r in first]) if win else 0.0
fd_growth = max(r["fds"] for r in last) - max(r["fds"] for r in first) if win else 0
billed, counted = fake["billed_usd"], client["counted_usd"]
checks = {
    "ledger: billed == counted": abs(billed - counted) <= 1e-9 * max(1.0, billed),
    "every run ended in a result or an ErrorAgent": client["untyped"] == 0,
    "the window has samples": len(win) >= 3,
    "RSS flat": rss_growth <= max(2.0, 0.03 * mean([r["rss_mb"] for r in first] or [0])),
    "fds flat": fd_growth <= 16,
    "healthy afterwards": client["healthy"] == client["health_runs"],
    "client exit 0": client_status == 0,
}
summary = {"fake": fake, "client": client, "window_s": window, "rss_growth_mb": round(rss_growth, 3),
           "fd_growth": fd_growth, "checks": checks}
(out / "summary.json").write_text(json.dumps(summary, indent=1))

# A small plot: RSS (MB, left) and open descriptors (right) against time.
W, H, P = 640, 240, 40
tmax = max(r["t_s"] for r in rows) or 1
def path(key, lo, hi):
    span = (hi - lo) or 1
    pts = [f"{P + (W - 2 * P) * r['t_s'] / tmax:.1f},{H - P - (H - 2 * P) * (r[key] - lo) / span:.1f}" for r in rows]
    return "M" + " L".join(pts)
rss_hi = max(r["rss_mb"] for r in rows) * 1.1
fd_hi = max(r["fds"] for r in rows) * 1.1
wx = P + (W - 2 * P) * window / tmax
svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">
<rect width="{W}" height="{H}" fill="white"/>
<rect x="{wx:.1f}" y="{P}" width="{W - P - wx:.1f}" height="{H - 2 * P}" fill="#f2f2f2"/>
<line x1="{P}" y1="{H - P}" x2="{W - P}" y2="{H - P}" stroke="black"/>
<path d="{path('rss_mb', 0, rss_hi)}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>
<path d="{path('fds', 0, fd_hi)}" fill="none" stroke="#d62728" stroke-width="1.5"/>
<text x="{P}" y="{P - 22}">{client['protocol']}: {client['runs_in_flight']} runs in flight, {client['finished']} runs, {client['model_calls']} model calls, {fake.get('random_faults', 0)} faults</text>
<text x="{P}" y="{P - 8}" fill="#1f77b4">RSS MB (0 to {rss_hi:.0f})</text>
<text x="{W - P - 150}" y="{P - 8}" fill="#d62728">open fds (0 to {fd_hi:.0f})</text>
<text x="{P}" y="{H - P + 15}">0 s</text><text x="{W - P - 30}" y="{H - P + 15}">{tmax:.0f} s</text>
<text x="{wx + 4:.1f}" y="{H - P - 6}" fill="#777">checked from {window:.0f} s</text>
</svg>
"""
(out / "soak.svg").write_text(svg)
print(f"runs {client['finished']} ({client['outcomes']}), model calls {client['model_calls']}, "
      f"faults {fake.get('random_faults')}, chat requests {fake['served']}")
print(f"ledger: fake billed ${billed:.9f}, runs counted ${counted:.9f}, difference {counted - billed:+.2e}")
print(f"RSS growth over the window {rss_growth:+.2f} MB, fd growth {fd_growth:+.0f}, "
      f"healthy {client['healthy']}/{client['health_runs']}")
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
print(f"output: {out}")
sys.exit(0 if all(checks.values()) else 1)
PY
