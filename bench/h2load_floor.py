#!/usr/bin/env python3
"""The floor of one round of N concurrent model calls on this machine: nghttp2's own load client
(`h2load`: C, no JSON, no agent) sends N copies of the scenario's first request at once to our
fake, over as many HTTP/2 connections as our client opens (256 streams each), and we read when
the slowest answer came. Our runs make two such rounds; what one round costs beyond its latency
with the leanest client is what two rounds cannot go below.

usage: h2load_floor.py AGENTROUTE_BIN PEERS_DIR "N ..." "LATENCY_MS ..." REPS
prints one JSON line per repetition."""
import json
import math
import re
import resource
import signal
import subprocess
import sys
import tempfile

STREAMS_PER_CONNECTION = 256  # what our fake allows, as Cloudflare does; our pool fills each


def first_request_body(peers: str) -> bytes:
    # The scenario's first request exactly as the peers build it (scenario.mjs is their source).
    script = f"""
import {{ MODEL, INSTRUCTIONS, PROMPT, TOOL_NAME, TOOL_DESCRIPTION }} from '{peers}/scenario.mjs';
process.stdout.write(JSON.stringify({{ model: MODEL,
  messages: [{{ role: 'system', content: INSTRUCTIONS }}, {{ role: 'user', content: PROMPT }}],
  tools: [{{ type: 'function', function: {{ name: TOOL_NAME, description: TOOL_DESCRIPTION,
    parameters: {{ type: 'object', properties: {{ ticket_id: {{ type: 'string' }} }},
      required: ['ticket_id'], additionalProperties: false }} }} }}] }}));"""
    return subprocess.run(["node", "--input-type=module", "-e", script], check=True,
                          capture_output=True).stdout


def seconds(duration: str) -> float:
    """h2load's durations: "201.84ms", "950us", "1.21s"."""
    for unit, scale in (("ms", 1e-3), ("us", 1e-6), ("s", 1.0)):
        if duration.endswith(unit):
            return float(duration[:-len(unit)]) * scale
    raise ValueError(f"not an h2load duration: {duration}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_round(agentroute: str, body_file: str, n: int, latency_ms: int) -> dict:
    fake = subprocess.Popen([agentroute, "fake-server", "--port", "0", "--latency-ms", str(latency_ms)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = json.loads(fake.stdout.readline())
        connections = math.ceil(n / STREAMS_PER_CONNECTION)
        before = children_cpu()
        out = subprocess.run(["h2load", "-n", str(n), "-c", str(connections), "-m", str(STREAMS_PER_CONNECTION),
                              "-H", "Authorization: Bearer floor", "-H", "Content-Type: application/json",
                              "-d", body_file, ready["url"] + "/chat/completions"],
                             capture_output=True, text=True, check=True).stdout
        client_cpu = children_cpu() - before
    finally:
        fake.send_signal(signal.SIGTERM)
        rest = fake.stdout.readlines()
        fake.wait()
    if not rest:
        sys.exit(f"h2load_floor.py: the fake server ended without its exit line (status {fake.returncode})")
    exit_line = json.loads(rest[-1])
    # "time for request:  min  max  mean  sd  +/- sd", each with its unit
    times = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
    ok = int(re.search(r"(\d+) succeeded", out).group(1))
    return {"n": n, "latency_ms": latency_ms, "connections": connections, "ok": ok,
            "fastest_s": seconds(times.group(1)), "slowest_s": seconds(times.group(2)),
            "mean_s": seconds(times.group(3)), "client_cpu_s": client_cpu,
            "server_cpu_s": exit_line["cpu_user_s"] + exit_line["cpu_sys_s"], "served": exit_line["served"]}


def main() -> None:
    agentroute, peers, ns, latencies, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    with tempfile.NamedTemporaryFile(suffix=".json") as body:
        body.write(first_request_body(peers))
        body.flush()
        for latency in map(int, latencies.split()):
            for n in map(int, ns.split()):
                for _ in range(reps):
                    print(json.dumps(one_round(agentroute, body.name, n, latency)), flush=True)


if __name__ == "__main__":
    main()
