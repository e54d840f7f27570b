#!/usr/bin/env python3
"""A loopback OTLP/HTTP receiver for benchmarks: takes every POST, answers 200 `{}` on a kept-alive
HTTP/1.1 connection, and counts requests and bytes. It checks nothing (the tests decode every
payload with OpenTelemetry's own definitions); it only has to be cheap. Prints "port N" when
listening; on SIGTERM writes {"requests": .., "bytes": ..} to the file named by its argument."""
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {"requests": 0, "bytes": 0}


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        counts["requests"] += 1
        counts["bytes"] += length
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)

    def stop(*_):
        with open(sys.argv[1], "w") as out:
            json.dump(counts, out)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
