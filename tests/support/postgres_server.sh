#!/usr/bin/env bash
# A PostgreSQL server of the test suite's own, from Debian's binaries: initdb into a fresh
# folder under /tmp (as the unprivileged `postgres` user when run as root: the server refuses
# root), listening on 127.0.0.1 (and AGENTROUTE_PG_LISTEN), password authentication over TCP.
#   start DIR    writes DIR/conninfo (a libpq connection string) and DIR/data_dir
#   restart DIR  a fast shutdown (sessions cut) and a start on the same port
#   stop DIR     stops it and removes its files
# fsync is off: these servers hold test data, and a killed client never needs it
# (AGENTROUTE_PG_FSYNC=on keeps it on, as bench/memory_stores.sh measures a real server).
# AGENTROUTE_PG_LISTEN=ADDR,... adds addresses to listen on (the multi-host test's veth links,
# tests/support/netns.sh), with password authentication from 10.231.0.0/16.
set -euo pipefail
cmd=${1:?start, restart or stop}; dir=${2:?a folder for conninfo}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "postgres_server.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1
fi
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case $cmd in
start)
    mkdir -p "$dir"
    data=$(mktemp -d /tmp/agentroute-pg.XXXXXX)
    if [ ${#as_owner[@]} -gt 0 ]; then chown postgres "$data"; fi
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    echo "$password" > "$data/pw"
    chmod 644 "$data/pw"
    "${as_owner[@]}" "$bindir/initdb" -D "$data/db" -U agentroute --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$data/pw" -E UTF8 --locale=C.UTF-8 > "$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
    rm -f "$data/pw"
    listen=127.0.0.1
    if [ -n "${AGENTROUTE_PG_LISTEN:-}" ]; then
        listen="127.0.0.1,$AGENTROUTE_PG_LISTEN"
        echo "host all all 10.231.0.0/16 scram-sha-256" >> "$data/db/pg_hba.conf"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" > "$data/port"
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=$listen -p $port -k $data -c fsync=${AGENTROUTE_PG_FSYNC:-off} -c max_connections=300" start > /dev/null \
        || { cat "$data/server.log" >&2; exit 1; }
    echo "host=127.0.0.1 port=$port user=agentroute password=$password dbname=postgres connect_timeout=5" > "$dir/conninfo"
    echo "$data" > "$dir/data_dir"
    ;;
restart)
    data=$(cat "$dir/data_dir")
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 -m fast restart > /dev/null
    ;;
stop)
    [ -f "$dir/data_dir" ] || exit 0
    data=$(cat "$dir/data_dir")
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data/db" -w -t 60 -m fast stop > /dev/null || true
    rm -rf "$data" "$dir/conninfo" "$dir/data_dir"
    ;;
*) echo "postgres_server.sh: unknown command $cmd" >&2; exit 2 ;;
esac
