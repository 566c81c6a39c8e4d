#!/usr/bin/env bash
# Manual test bench for vrlabd (test scaffolding only: it uses `ip`, the
# daemon never does). Builds a bridge and three namespaces (two routers and
# a host), writes configs, and leaves them for you to run:
#
#   sudo daemon/scripts/netns-demo.sh up        # create namespaces + configs in $DIR
#   sudo ip netns exec vrd-r1 target-daemon/debug/vrlabd -f $DIR/r1.toml -c $DIR/r1.sock &
#   sudo ip netns exec vrd-r2 target-daemon/debug/vrlabd -f $DIR/r2.toml -c $DIR/r2.sock &
#   sudo ip netns exec vrd-h tcpdump -eni h0 'ip proto 112 or ip6 proto 112 or arp or icmp6'
#   sudo daemon/scripts/netns-demo.sh down      # delete everything it created
set -euo pipefail
P=${PREFIX:-vrd}
DIR=${DIR:-/tmp/$P-demo}
INTERVAL=${INTERVAL:-10cs}

up() {
    mkdir -p "$DIR"
    for n in sw r1 r2 h; do ip netns add "$P-$n"; done
    ip -n "$P-sw" link add br0 type bridge
    ip -n "$P-sw" link set br0 up
    for n in r1 r2 h; do
        ip link add "$P-$n-p" netns "$P-sw" type veth peer name eth0 netns "$P-$n"
        ip -n "$P-sw" link set "$P-$n-p" master br0 up
        ip -n "$P-$n" link set lo up
        ip -n "$P-$n" link set eth0 up
    done
    ip -n "$P-h" link set eth0 name h0
    ip -n "$P-r1" addr add 10.9.0.2/24 dev eth0
    ip -n "$P-r2" addr add 10.9.0.3/24 dev eth0
    ip -n "$P-h" addr add 10.9.0.10/24 dev h0
    ip -n "$P-h" addr add 2001:db8:9::10/64 dev h0
    # hosts accept gratuitous ARP / unsolicited NA for new entries (DESIGN.md)
    ip netns exec "$P-h" sysctl -qw net.ipv4.conf.h0.arp_accept=1
    for r in r1:200 r2:100; do
        name=${r%%:*} prio=${r##*:}
        cat > "$DIR/$name.toml" <<CONF
[[instance]]
name = "v4"
interface = "eth0"
vrid = 51
version = 3
priority = $prio
vips = ["10.9.0.1/24"]
interval = "$INTERVAL"

[[instance]]
name = "v6"
interface = "eth0"
vrid = 51
version = 3
priority = $prio
vips = ["2001:db8:9::1/64"]
interval = "$INTERVAL"
CONF
    done
    sleep 2 # IPv6 link-local DAD on the routers
    echo "namespaces $P-{sw,r1,r2,h} ready; configs in $DIR"
}

down() {
    for n in sw r1 r2 h; do ip netns del "$P-$n" 2>/dev/null || true; done
    rm -rf "$DIR"
}

"${1:-up}"
