#!/bin/sh
# A Map of made-up or another enterprise's ids writes nothing: probed by
# mapflood.py. Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
start_server
$PY "$top_srcdir/tests/hostile/mapflood.py" "$url" "$db"
rc=$?
stop_server || rc=1
exit $rc
