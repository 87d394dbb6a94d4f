#!/bin/sh
# A SyncML message whose transaction loses a conflict on PostgreSQL
# (a lock it waits for past lock_timeout: 55P03, retryable like 40001 and
# 40P01) is run again from the start, not answered with an error: a
# psql session holds sync_state locked for longer than the server's lock
# timeout while a device fast-syncs. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
tmp=$(mktemp -d)
spid=""
lpid=""
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "${OB_TEST_SKIP_PG:-}" ]; then
	echo "1..0 # SKIP OB_TEST_SKIP_PG: PostgreSQL runs in the other builds"
	exit 0
fi
OB_TEST_BACKEND=pg
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
. "$top_srcdir/tests/lib/tap.sh"
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
"$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"
sync() {
	$PY "$CLIENT" --url "$url" --user zhang.wei@acme --password orgbook-demo \
		--state "$tmp/s.json" --device dev-conflict
}
field() { printf '%s' "$1" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2'))"; }
res=$(sync)
check "slow sync first" 0 test "$(field "$res" status)" = ok
# sync_state locked against writes for 7 s: the fast sync's last message
# waits 5 s (lock_timeout), fails with 55P03, and its rerun waits for the
# lock to go
psql -X -q "$db" -c "BEGIN; LOCK TABLE sync_state IN EXCLUSIVE MODE; \
	SELECT pg_sleep(7); COMMIT;" >/dev/null 2>&1 &
lpid=$!
sleep 0.5
t0=$(date +%s)
res=$(sync)
t1=$(date +%s)
wait "$lpid"
lpid=""
check "the fast sync completes through the conflict" 0 \
	test "$(field "$res" status)" = ok
check "its alert is 200 (a fast sync)" 0 test "$(field "$res" alert_status)" = 200
check "it waited for the lock (over 5 s: $((t1 - t0)) s)" 0 test $((t1 - t0)) -ge 5
check "the server ran a message again" 0 grep -q "running it again" "$tmp/server.log"
res=$(sync)
check "the next fast sync has nothing to send" 0 \
	test "$(field "$res" adds)/$(field "$res" replaces)/$(field "$res" alert_status)" = 0/0/200
kill "$spid"
wait "$spid"
check "the server stops cleanly" 0 test $? = 0
spid=""
tap_done
