#!/bin/sh
# Session takeover: orgbook-server on the demo directory, probed by
# takeover.py (a victim's session, then an attacker who knows only its
# device id and SessionID). Prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
people=$("$ADMIN" --db "$db" export --tenant acme --format vcf30 | grep -c '^BEGIN:VCARD')
start_server
$PY "$top_srcdir/tests/hostile/takeover.py" "$url" \
	"http://127.0.0.1:$aport/metrics" "$tmp/server.log" "$people" "$db"
rc=$?
stop_server || rc=1
exit $rc
