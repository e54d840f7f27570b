#!/usr/bin/env bash
# Installs every Debian 12 package the project needs; skips what is already there.
# Idempotent. Run as root (or with sudo) on a fresh machine.
#   --bench   also what bench/side_by_side.sh measures with: jemalloc (the -jemalloc row) and
#             nghttp2's h2load (the floor section), and the TLS libraries bench/tls_footprint.sh
#             compares with OpenSSL (GnuTLS, wolfSSL). Node.js and npm it expects on the machine.
set -euo pipefail

packages=(
    g++ clang libclang-rt-14-dev cmake ninja-build pkg-config ca-certificates openssl python3 curl
    libboost1.81-dev libboost-json1.81-dev
    libssl-dev libnghttp2-dev libsqlite3-dev libsqlitecpp-dev
    libgtest-dev libgmock-dev libbenchmark-dev
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

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
