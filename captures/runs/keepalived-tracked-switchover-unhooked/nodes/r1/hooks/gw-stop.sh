#!/bin/sh
# The stop hook of virtual router gw on node r1, rendered by vrlab.
ip addr del 192.0.2.200/24 dev eth0 2>/dev/null || true
