#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (fuzz/), from the recorded OpenRouter exchanges and the
inputs the tests use: one folder per target under OUT.
usage: fuzz_seeds.py SHARED_DIR OUT"""
import json
import pathlib
import sys


def h2_frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def hpack_literal(name_index: int, value: bytes) -> bytes:
    # Literal header field without indexing, indexed name (RFC 7541 6.2.2), no Huffman.
    head = bytes([name_index]) if name_index < 15 else bytes([15, name_index - 15])
    return head + bytes([len(value)]) + value


def h2_seeds(shared: pathlib.Path) -> list[bytes]:
    """Frames for stream 1: whole answers from the recordings (HEADERS :status 200 and the
    body in DATA frames), and the frames a server sends besides (each seed's first byte picks a
    streamed (odd) or a whole (even) request)."""
    seeds = []
    for f in sorted((shared / "fixtures" / "openrouter").glob("*.json"))[:12]:
        body = json.loads(f.read_text())["response"]["body_text"].encode()
        streamed = b"data:" in body
        content_type = b"text/event-stream" if streamed else b"application/json"
        headers = h2_frame(1, 0x4, 1, b"\x88" + hpack_literal(31, content_type))  # :status 200
        data = b"".join(h2_frame(0, 0, 1, body[i:i + 4000]) for i in range(0, len(body), 4000))
        seeds.append((b"\x01" if streamed else b"\x00") + headers + data + h2_frame(0, 0x1, 1, b""))
    ping = h2_frame(6, 0, 0, b"12345678")
    settings = h2_frame(4, 0, 0, (3).to_bytes(2, "big") + (1).to_bytes(4, "big"))  # MAX_CONCURRENT_STREAMS 1
    goaway = h2_frame(7, 0, 0, (1).to_bytes(4, "big") + (0).to_bytes(4, "big"))
    rst = h2_frame(3, 0, 1, (7).to_bytes(4, "big"))  # REFUSED_STREAM
    window = h2_frame(8, 0, 1, (1 << 20).to_bytes(4, "big"))
    continuation = h2_frame(1, 0, 1, b"\x88") + h2_frame(9, 0x4, 1, hpack_literal(31, b"application/json"))
    seeds += [b"\x00" + ping + settings + goaway, b"\x00" + rst, b"\x01" + window + continuation,
              b"\x00" + h2_frame(1, 0x5, 1, b"\x88"), b"\x01" + h2_frame(1, 0x4, 3, b"\x88")]
    return seeds


def main() -> None:
    shared, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    seeds: dict[str, list[bytes]] = {t: [] for t in (
        "sse_stream", "answer_body", "generation_bill", "partial_json", "tool_arguments", "fts_query", "chat_request",
        "config_key", "h2_frames")}
    for f in sorted((shared / "fixtures" / "openrouter").glob("*.json")):
        fixture = json.loads(f.read_text())
        body = fixture["response"]["body_text"].encode()
        request = fixture.get("request", {}).get("body")
        if b"data:" in body:
            seeds["sse_stream"].append(b"\x10" + body)  # one choice byte: 17-byte reads
            seeds["sse_stream"].append(b"\x00" + body)  # byte by byte
        else:
            seeds["answer_body"].append(b"\x00" + body)
            try:
                message = json.loads(body)["choices"][0]["message"]
                for call in message.get("tool_calls") or []:
                    seeds["tool_arguments"].append((call["function"].get("arguments") or "{}").encode())
                content = message.get("content")
                if isinstance(content, str) and content.lstrip().startswith("{"):
                    seeds["partial_json"].append(b"\x03" + content.encode())
            except (ValueError, KeyError, IndexError, TypeError):
                pass
        if request is not None:
            seeds["chat_request"].append(json.dumps(request).encode())
    seeds["generation_bill"] += [
        b'{"data":{"id":"gen-1","total_cost":0.0012,"tokens_prompt":31,"tokens_completion":21,"model":"x"}}',
        b'{"data":{"total_cost":-1}}', b'{"data":{"total_cost":1e309,"tokens_prompt":1.5}}', b'{"data":null}']
    seeds["partial_json"] += [b'\x02{"city":"Paris, Fr", "temp": 21, "tags": ["a", "b"]}',
                              b'\x01Here it is: {"a": {"b": [1, {"c": "}"}]}, "d": "\\"q\\""}']
    seeds["tool_arguments"] += [
        b'{"ticket_id":"4821","count":3,"big":9007199254740993,"small":7,"ratio":0.5,"urgent":true,'
        b'"note":null,"tags":["a"],"items":[{"name":"x","weight":1.5}],"numbers":[1,2]}',
        b'{"count":1e309}', b'{"count":-2147483649}', b'{"small":-1}', b'{"items":[{"weight":"x"}]}']
    seeds["fts_query"] += [b"refund policy", b'"NEAR(a b)" OR * -x :y', b"a & b | !c :* <-> d",
                           "caf\u00e9 na\u00efve \u65e5\u672c".encode(), b"\xff\xfe invalid utf-8 \xc3"]
    seeds["config_key"] += [b"api_key = not-a-real-key-fuzz-seed\n", b"# comment\napi_key: 'sk-or-v1-q'\r\n",
                            b"other = 1\napi_key=\n api_key = \"sk\" \n", b"api_key"]
    seeds["h2_frames"] += h2_seeds(shared)
    repro = shared / "repro"
    if repro.is_dir():
        for f in sorted(repro.iterdir()):
            if f.is_file() and f.suffix == ".json":
                seeds["answer_body"].append(b"\x00" + f.read_bytes())
    for target, items in seeds.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(items):
            (folder / f"seed-{i:03d}").write_bytes(data)


if __name__ == "__main__":
    main()
