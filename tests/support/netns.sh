#!/usr/bin/env bash
# Network namespaces as separate hosts for the multi-host PostgreSQL test: each a namespace of
# its own with one veth link to this machine (10.231.N.1 here, 10.231.N.2 inside). The links
# reach nothing but this machine: no route, no forwarding.
#   check         exits 0 when this machine lets us create namespaces (root, CAP_NET_ADMIN)
#   up NAME N     creates namespace NAME and its link (N in 1..250)
#   down NAME     removes them
set -euo pipefail
cmd=${1:?check, up or down}
case $cmd in
check)
    probe=arprobe$$
    ip netns add "$probe" 2>/dev/null || exit 1
    ip link add "${probe}h" type veth peer name "${probe}n" 2>/dev/null || { ip netns del "$probe"; exit 1; }
    ip link del "${probe}h"; ip netns del "$probe"
    ;;
up)
    name=${2:?a namespace name}; n=${3:?a link number}
    ip netns add "$name"
    ip link add "${name}h" type veth peer name "${name}n"
    ip link set "${name}n" netns "$name"
    ip addr add "10.231.$n.1/30" dev "${name}h"
    ip link set "${name}h" up
    ip netns exec "$name" ip addr add "10.231.$n.2/30" dev "${name}n"
    ip netns exec "$name" ip link set "${name}n" up
    ip netns exec "$name" ip link set lo up
    ;;
down)
    name=${2:?a namespace name}
    ip link del "${name}h" 2>/dev/null || true  # its peer goes with it
    ip netns del "$name" 2>/dev/null || true
    ;;
*) echo "netns.sh: unknown command $cmd" >&2; exit 2 ;;
esac
