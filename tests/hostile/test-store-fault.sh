#!/bin/sh
# A store that fails mid-sync: tables the server reads are renamed away
# under the running server (storefault.py). A failed lookup is refused,
# never taken for a row that does not exist (no forced slow sync, no
# second Add of a person), and the phone converges once the store is
# whole. Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
start_server
$PY "$top_srcdir/tests/hostile/storefault.py" "$url" "$db" "$ADMIN" \
	"$top_srcdir/tests/integration/smlclient.py" \
	"$top_srcdir/tests/integration/viewcheck.py" "$tmp"
rc=$?
stop_server || rc=1
exit $rc
