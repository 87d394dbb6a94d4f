#!/bin/sh
# Session takeover: orgbook-server on the demo directory, probed by
# takeover.py (a victim's session, then an attacker who knows only its
# device id and SessionID). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/webadmin/orgbook-admin"
SERVER="$top_builddir/syncml-server/orgbook-server"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
people=$("$ADMIN" --db "$db" export --tenant acme --format vcf30 | grep -c '^BEGIN:VCARD')
$VG "$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port 0 \
	--port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s "$tmp/ports" ]; then
	echo "1..1"
	echo "not ok 1 - the server starts"
	cat "$tmp/server.log" | sed 's/^/# /'
	exit 1
fi
port=$(cut -d' ' -f1 "$tmp/ports")
aport=$(cut -d' ' -f2 "$tmp/ports")
$PY "$top_srcdir/tests/hostile/takeover.py" "http://127.0.0.1:$port/sync" \
	"http://127.0.0.1:$aport/metrics" "$tmp/server.log" "$people" "$db"
rc=$?
kill "$spid"
wait "$spid"
vg=$?
spid=""
if [ -n "$VG" ] && [ "$vg" -eq 99 ]; then
	echo "# valgrind:"
	cat "$tmp"/vg.* | sed 's/^/# /'
	rc=1
fi
exit $rc
