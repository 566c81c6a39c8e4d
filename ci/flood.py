#!/usr/bin/env python3
"""Floods a segment with VRRPv3 IPv4 adverts of a lower priority, for measuring what a master
does under such a flood (issue 9: a master must not be an amplifier). Run it inside a lab node,
never on the host; ci/bench-flood.sh does it all:

    vrlab up ci/flood.toml --daemon vrlabd         # in one terminal
    vrlab exec h1 -- python3 ci/flood.py --pps 50000 --seconds 10 --sources 200
    vrlab exec r1 -- vrlabd status                 # tx_adverts before and after

Every frame is a well-formed advert (TTL 255, checksum over the pseudo-header, RFC 9568 §5.1,
§5.2) for VRID --vrid with priority --priority from --sources source addresses (192.0.2.200 +
i up to 50 of them, else 198.18.x.y), so that a master that answers every lower priority at once
would answer each.
Prints how many frames it sent and the rate it reached.
"""

import argparse
import socket
import struct
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def advert(src: bytes, vrid: int, priority: int, vip: bytes, mac: bytes) -> bytes:
    dst = socket.inet_aton("224.0.0.18")
    body = struct.pack("!BBBBH", 0x31, vrid, priority, 1, 100) + b"\0\0" + vip
    pseudo = src + dst + struct.pack("!BBH", 0, 112, len(body))
    c = checksum(pseudo + body)
    body = body[:6] + struct.pack("!H", c) + body[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(body), 0, 0, 255, 112, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("01005e000012") + mac + b"\x08\x00"
    return eth + ip + body


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--iface", default="eth0")
    a.add_argument("--vrid", type=int, default=51)
    a.add_argument("--priority", type=int, default=50)
    a.add_argument("--vip", default="192.0.2.100")
    a.add_argument("--sources", type=int, default=1, help="distinct source addresses")
    a.add_argument("--pps", type=int, default=50000)
    a.add_argument("--seconds", type=float, default=10.0)
    o = a.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((o.iface, 0))
    with open(f"/sys/class/net/{o.iface}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    vip = socket.inet_aton(o.vip)
    frames = [
        advert(socket.inet_aton(f"192.0.2.{200 + i % 50}") if o.sources <= 50
               else socket.inet_aton(f"198.18.{i // 250}.{1 + i % 250}"),
               o.vrid, o.priority, vip, mac)
        for i in range(max(1, o.sources))
    ]
    sent, start = 0, time.monotonic()
    end = start + o.seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * o.pps)
        while sent < due:
            s.send(frames[sent % len(frames)])
            sent += 1
    took = time.monotonic() - start
    print(f"sent {sent} adverts in {took:.2f} s ({sent / took:.0f} per second) "
          f"from {len(frames)} source address(es)")


if __name__ == "__main__":
    main()
