#!/usr/bin/env bash
# The iproute2 equivalent of `vrlab bench-topology`: the same topology (a switch namespace
# with one bridge, N node namespaces each joined by a veth, an IPv4 and an IPv6 address, the
# same sysctls), built and torn down with `ip` and `sysctl`, for comparison.
# Runs in a private mount + network namespace so nothing touches the host.
# Usage: ci/bench-topology-iproute2.sh [SIZES...]   (default 3 10 50; REPEAT=10)
set -euo pipefail
if [ -z "${VRLAB_BENCH_INNER:-}" ]; then
  exec env VRLAB_BENCH_INNER=1 unshare -m -n --propagation private bash "$0" "$@"
fi
mount -t tmpfs tmpfs /run && mkdir -p /run/netns
REPEAT=${REPEAT:-10}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(3 10 50)

node_sysctls=(net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.dad_transmits=0)
host_sysctls=(net.ipv4.conf.all.arp_accept=0 net.ipv4.conf.default.arp_accept=0
  net.ipv6.conf.all.drop_unsolicited_na=0 net.ipv6.conf.default.drop_unsolicited_na=0
  net.ipv6.conf.all.accept_untracked_na=0 net.ipv6.conf.default.accept_untracked_na=0
  "net.ipv4.ping_group_range=0 0")

build() {
  local n=$1
  ip netns add sw
  ip netns exec sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n sw link add br-lan type bridge mcast_snooping 0 forward_delay 0
  ip -n sw link set br-lan up
  for ((i = 0; i < n; i++)); do
    ip netns add "n$i"
    ip netns exec "n$i" sysctl -qw "${node_sysctls[@]}"
    if ((i % 5 != 0)); then ip netns exec "n$i" sysctl -qw "${host_sysctls[@]}" 2>/dev/null || true; fi
    ip -n "n$i" link set lo up
    ip -n sw link add "vp$i" type veth peer name "vn$i"
    ip -n sw link set "vn$i" netns "n$i"
    ip -n "n$i" link set "vn$i" name eth0 address "02:00:00:00:$(printf %02x $(((i + 1) % 256))):01"
    ip -n "n$i" addr add "10.0.$(((i + 1) / 256)).$(((i + 1) % 256))/8" dev eth0
    ip -n "n$i" addr add "2001:db8::$(printf %x $((i + 1)))/64" dev eth0
    ip -n "n$i" link set eth0 up
    ip -n sw link set "vp$i" master br-lan
    ip -n sw link set "vp$i" up
  done
}

teardown() {
  local n=$1
  for ((i = 0; i < n; i++)); do ip netns del "n$i"; done
  ip netns del sw
}

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%6s %12s %12s %12s\n" nodes "build ms" "teardown ms" "total ms"
for n in "${sizes[@]}"; do
  b=(); d=()
  for ((r = 0; r < REPEAT; r++)); do
    t0=$(now); build "$n"; t1=$(now); teardown "$n"; t2=$(now)
    b+=($(((t1 - t0) / 1000))); d+=($(((t2 - t1) / 1000)))
  done
  bm=$(printf "%s\n" "${b[@]}" | median); dm=$(printf "%s\n" "${d[@]}" | median)
  awk -v n="$n" -v b="$bm" -v d="$dm" 'BEGIN {printf "%6d %12.1f %12.1f %12.1f\n", n, b/1000, d/1000, (b+d)/1000}'
done
