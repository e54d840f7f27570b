#!/usr/bin/env python3
"""A small MCP server over stdio whose misbehaviour a test picks (argv[1]):

  legacy        session-based (initialize); server/discover is an unknown method
  modern        the stateless revision: server/discover, and _meta checked on every request
  crash_once    exits with status 3 on its first tools/call (a marker file in argv[2] says it did)
  garbage       answers tools/call with a line that is not JSON
  hang          never answers tools/call
  huge          answers tools/call with an endless line
  paged         lists its tools three to a page
  list_changed  adds a tool after the first call and says so

Tools: "add" (a, b numbers), "fail" (an isError result), and with list_changed "late".
Every line it reads is appended to the file named by MCP_TRANSCRIPT, when set.
"""
import json
import os
import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "legacy"
marker = sys.argv[2] if len(sys.argv) > 2 else ""
transcript = os.environ.get("MCP_TRANSCRIPT")
tools = [
    {"name": "add", "description": "Adds two numbers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"]}},
    {"name": "fail", "description": "Always fails.", "inputSchema": {"type": "object", "properties": {}}},
]
if mode == "paged":
    tools += [{"name": f"extra{i}", "description": f"Extra tool {i}.", "inputSchema": {"type": "object"}} for i in range(5)]
calls = 0


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result(id, value):
    send({"jsonrpc": "2.0", "id": id, "result": value})


def error(id, code, message):
    send({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})


print(f"scripted MCP server started in mode {mode}", file=sys.stderr, flush=True)
for line in sys.stdin:
    if transcript:
        with open(transcript, "a") as t:
            t.write(line)
    message = json.loads(line)
    method = message.get("method")
    id = message.get("id")
    params = message.get("params") or {}
    if id is None:
        continue  # notifications
    if method == "server/discover":
        if mode == "modern":
            result(id, {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                        "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "scripted-modern", "version": "1"}},
                        "resultType": "complete"})
        else:
            error(id, -32601, "Method not found")
        continue
    if mode == "modern":
        meta = params.get("_meta") or {}
        if meta.get("io.modelcontextprotocol/protocolVersion") != "2026-07-28":
            error(id, -32602, "missing io.modelcontextprotocol/protocolVersion")
            continue
    if method == "initialize":
        if mode == "modern":
            error(id, -32601, "initialize is not part of 2026-07-28")
            continue
        result(id, {"protocolVersion": "2025-06-18", "capabilities": {"tools": {"listChanged": True}},
                    "serverInfo": {"name": "scripted-" + mode, "version": "1"}})
    elif method == "tools/list":
        if mode == "paged":
            start = int(params.get("cursor") or 0)
            page = {"tools": tools[start:start + 3]}
            if start + 3 < len(tools):
                page["nextCursor"] = str(start + 3)
            result(id, page)
        else:
            result(id, {"tools": tools})
    elif method == "tools/call":
        calls += 1
        name = params.get("name")
        if mode == "crash_once" and not os.path.exists(marker):
            open(marker, "w").close()
            print("crashing on purpose", file=sys.stderr, flush=True)
            sys.exit(3)
        if mode == "garbage":
            sys.stdout.write("this is not JSON-RPC\n")
            sys.stdout.flush()
            continue
        if mode == "hang":
            continue
        if mode == "huge":
            chunk = "x" * 65536
            while True:
                sys.stdout.write(chunk)
        if name == "add":
            args = params.get("arguments") or {}
            total = args.get("a", 0) + args.get("b", 0)
            result(id, {"content": [{"type": "text", "text": f"{total:g}"}], "structuredContent": {"sum": total}})
        elif name == "fail":
            result(id, {"content": [{"type": "text", "text": "the fail tool failed, as it always does"}], "isError": True})
        elif name == "late":
            result(id, {"content": [{"type": "text", "text": "late tool ran"}]})
        else:
            error(id, -32602, f"Unknown tool: {name}")
        if mode == "list_changed" and calls == 1:
            tools.append({"name": "late", "description": "Added after the first call.", "inputSchema": {"type": "object"}})
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    elif method == "ping":
        result(id, {})
    else:
        error(id, -32601, f"Method not found: {method}")
