#!/bin/sh
# Builds the library (and the agentroute command) as a Release build, the way the README says
# to install it, and installs it into a fresh prefix. Extra cmake arguments (the sanitizer
# options of the build under test) follow the three paths.
set -eu
src=$1 build=$2 prefix=$3
shift 3
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTROUTE_BUILD_TESTS=OFF \
    -DAGENTROUTE_BUILD_DOC_EXAMPLES=OFF -DAGENTROUTE_BUILD_CLI=ON "$@" > "$build.configure.log"
cmake --build "$build" -j "$(nproc)"
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" > "$build.install.log"
