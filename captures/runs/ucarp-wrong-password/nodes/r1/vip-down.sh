#!/bin/sh
# Written by vrlab: ucarp runs it as `$0 INTERFACE ADDRESS` to give up the address.
exec ip address del "$2"/32 dev "$1"
