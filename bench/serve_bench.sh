#!/usr/bin/env bash
# The serving benchmark: N concurrent streaming clients (bench/serve_load.cpp, one connection
# each) through a server to one loopback fake OpenRouter (`agentroute fake-server`), for each
# server side by side in one invocation:
#   agentroute      `agentroute serve --config` (one I/O thread)
#   vercel-ai       a Node server with the Vercel AI SDK's streamText (bench/serve_peers)
#   openai-agents   a Node server with the OpenAI Agents SDK JS, run(..., {stream: true})
# and the fake alone (the clients straight to it, over HTTPS). The same agent everywhere: the peers' scenario instructions, one model call, the
# answer streamed. The fake holds every answer `-l` ms, so all N streams are open at once.
# Per server: CPU per request (the server process's user + system time over the load / N), RSS
# per open stream ((peak RSS during the load - RSS before it) / N), time to first token p50/p99
# and what it adds over the model's own (the fake's hold), failures. The fake alone's row (the
# clients straight to it, each with its own TLS handshake) is the reference for the load itself.
#
# usage: bench/serve_bench.sh [-n "1000 10000"] [-l 4000] [-r 4000] [-s "agentroute vercel-ai openai-agents"]
#                             [-o DIR] [-c agentroute] [-b agentroute_bench_serve_load]
#   -r: client connections opened per second (a ramp); without -c and -b it builds them (Release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes="1000 10000"; latency=4000; rate=4000; servers="agentroute vercel-ai openai-agents"; out=""; cli=""; load=""
while getopts "n:l:r:s:o:c:b:h" opt; do
  case $opt in
    n) sizes=$OPTARG ;; l) latency=$OPTARG ;; r) rate=$OPTARG ;; s) servers=$OPTARG ;; o) out=$OPTARG ;;
    c) cli=$OPTARG ;; b) load=$OPTARG ;; h) sed -n '2,20p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
if [ -z "$cli" ] || [ -z "$load" ]; then
  "$root/scripts/install-deps.sh"
  build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_BENCH=ON \
    -DAGENTROUTE_BUILD_TESTS=OFF -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target agentroute_cli agentroute_bench_serve_load
  cli=$build/cli/agentroute; load=$build/bench/agentroute_bench_serve_load
fi
peers=$root/bench/serve_peers
if [[ " $servers " == *" vercel-ai "* || " $servers " == *" openai-agents "* ]]; then
  if ! cmp -s "$peers/package-lock.json" "$peers/node_modules/.agentroute-lock" 2>/dev/null; then
    npm ci --prefix "$peers" --no-audit --no-fund --loglevel=error
    cp "$peers/package-lock.json" "$peers/node_modules/.agentroute-lock"
  fi
fi
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")}
mkdir -p "$out"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"  # 10,000 streams in and 10,000 out
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

wait_ready() {  # FILE: the first JSON line saying ready
  for _ in $(seq 300); do grep -q '"ready"' "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; cat "${1%.out}.err" >&2 || true; return 1
}
json_field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }

"$cli" fake-server --latency-ms "$latency" > "$out/fake.out" 2> "$out/fake.err" &
pids+=($!)
wait_ready "$out/fake.out"
fake_url=$(json_field "$out/fake.out" url); fake_ca=$(json_field "$out/fake.out" ca)
text="Ticket #4821 is blocked: the nightly export fails because the reporting disk is full. I rotated logs older than 14 days and raised the quota to 200 GB; the next scheduled export run should pass tonight."

cat > "$out/agents.json" <<'JSON'
{
  "listen": {"host": "127.0.0.1", "port": 0},
  "limits": {"max_concurrent_runs": 100000, "max_connections": 100000},
  "access_log": false,
  "agents": [{"name": "support", "model": "anthropic/claude-sonnet-4.5", "max_turns": 5,
              "instructions": "You are a support engineer. Look tickets up with lookup_ticket before you answer, then reply in two sentences."}]
}
JSON

start_server() {  # NAME -> sets server_pid, server_url
  local name=$1
  case $name in
    agentroute)
      AGENTROUTE_BASE_URL=$fake_url AGENTROUTE_CA_FILE=$fake_ca AGENTROUTE_API_KEY=sk-or-fake \
        "$cli" serve --config "$out/agents.json" --threads 1 > "$out/$name.out" 2> "$out/$name.err" & ;;
    vercel-ai)
      FAKE_URL=$fake_url NODE_EXTRA_CA_CERTS=$fake_ca node "$peers/vercel_ai_server.mjs" > "$out/$name.out" 2> "$out/$name.err" & ;;
    openai-agents)
      FAKE_URL=$fake_url NODE_EXTRA_CA_CERTS=$fake_ca node "$peers/openai_agents_server.mjs" > "$out/$name.out" 2> "$out/$name.err" & ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_ready "$out/$name.out"
  server_url="http://127.0.0.1:$(json_field "$out/$name.out" port)/v1/chat/completions"
}

# Runs the clients against URL while sampling PID's CPU and peak RSS; one JSON line to stdout.
measure() {  # LABEL N URL PID [--ca CA]
  local label=$1 n=$2 url=$3 pid=$4; shift 4
  python3 - "$label" "$n" "$url" "$pid" "$load" "$rate" "$text" "$@" <<'PY'
import json, os, subprocess, sys, threading, time
label, n, url, pid, load, rate, text = sys.argv[1:8]
extra = sys.argv[8:]
n, pid = int(n), int(pid)
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
cmd = [load, "--url", url, "--n", str(n), "--rate", rate, "--expect", text] + extra
# A small warm-up (connections to the fake, TLS sessions, a JIT's first compile), small beside
# N so that what N streams take is still measured.
subprocess.run([load, "--url", url, "--n", "20", "--rate", rate, "--expect", text] + extra,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
rss_before, cpu_before, peak = rss(), cpu(), 0
stop = threading.Event()
def sample():
    global peak
    while not stop.is_set():
        peak = max(peak, rss())
        time.sleep(0.02)
sampler = threading.Thread(target=sample)
sampler.start()
run = subprocess.run(cmd, capture_output=True, text=True)
stop.set()
sampler.join()
cpu_used = cpu() - cpu_before
result = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {"ok": 0, "failed": n}
result.update(server=label, cpu_ms_per_request=1000 * cpu_used / n,
              rss_kb_per_stream=(peak - rss_before) / n, rss_before_mb=rss_before / 1024, peak_rss_mb=peak / 1024)
print(json.dumps(result))
PY
}

results=$out/results.jsonl
: > "$results"
for n in $sizes; do
  # The fake alone: its own CPU is not the point here, its time to first token is.
  measure fake "$n" "$fake_url/chat/completions" "${pids[0]}" --ca "$fake_ca" | tee -a "$results"
  for s in $servers; do
    start_server "$s"
    measure "$s" "$n" "$server_url" "$server_pid" | tee -a "$results"
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  done
done

python3 - "$results" "$latency" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
latency = float(sys.argv[2])
print(f"\nfake latency {sys.argv[2]} ms; CPU per request and RSS per open stream of the server process")
print("| N | server | ok | failed | CPU ms/request | RSS KB/stream | TTFT p50 ms | TTFT p99 ms | over the model's p50 / p99 ms |")
print("|---|---|---|---|---|---|---|---|---|")
for n in sorted({r["n"] for r in rows}):
    base = next((r for r in rows if r["n"] == n and r["server"] == "fake"), None)
    group = [r for r in rows if r["n"] == n and r["server"] != "fake"]
    for r in group:
        # Over the fake's own hold of every answer: what the server (and the load) adds.
        added = f'{r["ttft_p50_ms"] - latency:.1f} / {r["ttft_p99_ms"] - latency:.1f}'
        print(f'| {n} | {r["server"]} | {r["ok"]} | {r["failed"]} | {r["cpu_ms_per_request"]:.3f} | '
              f'{r["rss_kb_per_stream"]:.1f} | {r["ttft_p50_ms"]:.1f} | {r["ttft_p99_ms"]:.1f} | {added} |')
    if base:
        print(f'| {n} | (fake alone) | {base["ok"]} | {base["failed"]} | | | {base["ttft_p50_ms"]:.1f} | {base["ttft_p99_ms"]:.1f} | |')
    ours = next((r for r in group if r["server"] == "agentroute"), None)
    peers = [r for r in group if r["server"] != "agentroute" and r["failed"] == 0]
    if ours and peers:
        best_cpu = min(p["cpu_ms_per_request"] for p in peers)
        best_rss = min(p["rss_kb_per_stream"] for p in peers)
        print(f'\nN = {n}: agentroute / best peer: CPU {ours["cpu_ms_per_request"] / best_cpu:.3f}, '
              f'RSS per stream {ours["rss_kb_per_stream"] / best_rss:.3f}\n')
PY
echo "results: $results"
