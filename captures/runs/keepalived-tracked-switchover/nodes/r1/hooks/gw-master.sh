#!/bin/sh
# The master hook of virtual router gw on node r1, rendered by vrlab.
ip addr add 192.0.2.200/24 dev eth0
