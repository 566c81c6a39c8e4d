#!/bin/sh
# Tracked script 1 of virtual router gw2 on node r2, rendered by vrlab: exit 0 while what it watches is up.
test -f /run/service/MASTER
