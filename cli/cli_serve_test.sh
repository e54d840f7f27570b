#!/bin/sh
# `agentroute serve --config` offline (no key: the built-in stand-in): a tenant's token (401
# without it, never logged) and its SQLite ledger, an answer whole and streamed through curl, a
# conversation kept in the agent's SQLite memory and read back, the access log, SIGTERM with a
# run in flight (it finishes, then exit 0), a "telemetry" section (metrics and exported spans),
# an "mcp" section with an agent using an MCP server's tools, and a config with a misspelt limit refused (exit 3, naming it).
set -eu
cli=$1
dir=$(mktemp -d)
pid=
receiver_pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null; rm -rf "$dir"' EXIT
unset AGENTROUTE_API_KEY OPENROUTER_API_KEY || true
export AGENTROUTE_CONFIG="$dir/no-config"

# start_serve CONFIG SUFFIX [ARGS]: serves CONFIG in the background (pid), its output in
# $dir/outSUFFIX and $dir/errSUFFIX, and returns once it is ready.
start_serve() {
    config=$1 suffix=$2
    shift 2
    "$cli" serve --config "$config" "$@" > "$dir/out$suffix" 2> "$dir/err$suffix" &
    pid=$!
    i=0
    while ! grep -q '"ready"' "$dir/out$suffix" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { cat "$dir/err$suffix"; exit 1; }
        sleep 0.1
    done
}

cat > "$dir/agents.json" <<'JSON'
{
  "listen": {"host": "127.0.0.1", "port": 0},
  "limits": {"max_concurrent_runs": 8, "drain_timeout_ms": 10000},
  "tenants": [{"id": "acme", "token": "tok-acme-secret", "daily_budget_usd": 5, "max_concurrent_runs": 4}],
  "ledger": "ledger.db",
  "agents": [
    {"name": "support", "model": "anthropic/claude-sonnet-4.5", "instructions": "Be brief.",
     "max_cost": 0.5, "max_turns": 8, "memory": "support.db",
     "history": {"policy": "sliding_window", "messages": 20}},
    {"name": "triage", "model": "openai/gpt-4o-mini", "on_disconnect": "finish"}
  ]
}
JSON
start_serve "$dir/agents.json" "" --offline-latency-ms 700
grep -q '"agents":\["support","triage"\]' "$dir/out"
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$dir/out")

auth='Authorization: Bearer tok-acme-secret'
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$url/models")" = 401 ]
curl -sS -f -H "$auth" -H 'X-Agentroute-Conversation: t-1' \
    -d '{"model":"support","messages":[{"role":"user","content":"Why is ticket 4821 blocked?"}]}' \
    "$url/chat/completions" > "$dir/whole.json"
grep -q '"object":"chat.completion"' "$dir/whole.json"
grep -q '"content":"Ticket #4821 is blocked' "$dir/whole.json"
curl -sS -f -N -H "$auth" -d '{"model":"triage","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
    "$url/chat/completions" > "$dir/stream.txt"
grep -q '^data: {.*"chat.completion.chunk"' "$dir/stream.txt"
tail -n 2 "$dir/stream.txt" | grep -q '^data: \[DONE\]$'
curl -sS -f -H "$auth" "$url/conversations/t-1?model=support" > "$dir/conversation.json"
grep -q '"role":"user","content":"Why is ticket 4821 blocked?"' "$dir/conversation.json"
[ -s "$dir/support.db" ]  # beside the config file
curl -sS -f -H "$auth" "$url/models" | grep -q '"id":"triage"'
grep -q '"path":"/v1/chat/completions","status":200' "$dir/out"
grep -q '"tenant":"acme"' "$dir/out"
if grep -q 'tok-acme-secret' "$dir/out" "$dir/err"; then echo "a token was logged"; exit 1; fi
[ -s "$dir/ledger.db" ]

# SIGTERM with a run in flight: it is answered, then the server exits 0.
curl -sS -f -H "$auth" -d '{"model":"support","messages":[{"role":"user","content":"slow one"}]}' \
    "$url/chat/completions" > "$dir/inflight.json" &
curl_pid=$!
sleep 0.3
kill -TERM "$pid"
wait "$curl_pid"
grep -q '"finish_reason":"stop"' "$dir/inflight.json"
wait "$pid"
pid=
grep -q "drained" "$dir/err"

# A "telemetry" section: the agents' GenAI metrics on /metrics, and their spans exported over
# OTLP/HTTP to a receiver that decodes them with OpenTelemetry's own definitions
# (tests/clients/otlp_receiver.mjs), the last ones sent on SIGTERM after the drain.
node "$(dirname "$0")/../tests/clients/otlp_receiver.mjs" --out "$dir/spans.jsonl" > "$dir/receiver.out" &
receiver_pid=$!
i=0
while ! grep -q '^port ' "$dir/receiver.out" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
cat > "$dir/traced.json" <<JSON
{"listen": {"host": "127.0.0.1", "port": 0},
 "telemetry": {"otlp_endpoint": "http://127.0.0.1:$(cut -d' ' -f2 "$dir/receiver.out")/v1/traces",
               "service_name": "cli-test", "metric_names": "both"},
 "agents": [{"name": "support", "model": "anthropic/claude-sonnet-4.5"}]}
JSON
start_serve "$dir/traced.json" 2
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$dir/out2")
curl -sS -f -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' \
    -d '{"model":"support","messages":[{"role":"user","content":"hi"}]}' "$url/chat/completions" > /dev/null
metrics_url=${url%/v1}/metrics
curl -sS -f "$metrics_url" > "$dir/metrics.txt"
grep -q '^gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat"' "$dir/metrics.txt"
grep -q '^agentroute_runs_total{gen_ai_agent_name="support",outcome="completed"} 1$' "$dir/metrics.txt"
kill -TERM "$pid"
wait "$pid"
pid=
grep -q '"ok":true' "$dir/spans.jsonl"
if grep -q '"ok":false' "$dir/spans.jsonl"; then cat "$dir/spans.jsonl"; exit 1; fi
grep -q '"name":"invoke_agent support","kind":1' "$dir/spans.jsonl"
grep -q '"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"' "$dir/spans.jsonl"
grep -q '"service":"cli-test"' "$dir/spans.jsonl"
kill "$receiver_pid"
receiver_pid=

# "mcp": the agents offered over MCP's Streamable HTTP too, one of them using an MCP server's
# tools ("mcp_servers": tests/mcp/scripted_server.py over stdio).
cat > "$dir/mcp.json" <<JSON
{"listen": {"host": "127.0.0.1", "port": 0},
 "mcp": {"path": "/mcp"},
 "agents": [{"name": "support", "model": "anthropic/claude-sonnet-4.5",
             "mcp_servers": [{"name": "calc", "command": ["python3", "$(dirname "$0")/../tests/mcp/scripted_server.py", "legacy"],
                              "allow": ["add"]}]}]}
JSON
start_serve "$dir/mcp.json" 3
mcp_url=$(sed -n 's/.*"mcp_url":"\([^"]*\)".*/\1/p' "$dir/out3")
[ -n "$mcp_url" ]
mcp_headers="-H Content-Type:application/json -H Accept:application/json,text/event-stream"
curl -sS -f -D "$dir/mcp_head" $mcp_headers \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' \
    "$mcp_url" > "$dir/mcp_init.json"
grep -q '"protocolVersion":"2025-11-25"' "$dir/mcp_init.json"
session=$(sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([0-9a-f]*\).*/\1/p' "$dir/mcp_head")
[ -n "$session" ]
curl -sS -f $mcp_headers -H "Mcp-Session-Id: $session" -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$mcp_url" \
    | grep -q '"name":"support"'
curl -sS -f $mcp_headers -H "Mcp-Session-Id: $session" \
    -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"support","arguments":{"input":"What is 2 + 3?"}}}' \
    "$mcp_url" > "$dir/mcp_call.txt"
grep -q '"agentroute/usage"' "$dir/mcp_call.txt"
if grep -q '"isError":true' "$dir/mcp_call.txt"; then cat "$dir/mcp_call.txt"; exit 1; fi
kill -TERM "$pid"
wait "$pid"
pid=

# A misspelt limit is refused, by name, before anything is served.
printf '{"limits":{"max_concurent_runs":8},"agents":[{"name":"a","model":"openai/gpt-4o-mini"}]}' > "$dir/typo.json"
set +e
"$cli" serve --config "$dir/typo.json" > /dev/null 2> "$dir/typo.err"
rc=$?
set -e
[ "$rc" -eq 3 ] || { echo "expected exit 3, got $rc"; exit 1; }
grep -q "limits.max_concurent_runs is not a setting" "$dir/typo.err"
echo "serve: ok"
