#!/bin/sh
# Written by vrlab: ucarp runs it as `$0 INTERFACE ADDRESS` to take the address.
exec ip address add "$2"/32 dev "$1"
