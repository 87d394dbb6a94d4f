#!/bin/sh
# orgbook-server across a PostgreSQL outage: while the database is down
# SyncML, the admin pages and /healthz answer 503 with Retry-After, fast;
# when it is back the next sync succeeds without restarting the server.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
PY=${PYTHON:-python3}
# In the valgrind build the server runs under valgrind too.
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$(mktemp -u /tmp/vg-outage.XXXXXX).%p"
fi
OB_TEST_BACKEND=pg
tmp=$(mktemp -d)
n=0 failed=0 spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid"
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
now() { date +%s.%N; }
ORGBOOK_ADMIN=$top_builddir/admin/orgbook-admin \
	sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null 2>&1 ||
	{ echo "Bail out! demo load failed"; exit 1; }
$VG "$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port 0 \
	--port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cut -d' ' -f1 "$tmp/ports")
aport=$(cut -d' ' -f2 "$tmp/ports")
url="http://127.0.0.1:$port/sync"
sync() {
	st=$1
	shift
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/$st.json" \
		--device "dev-$st" "$@" 2>&1)
	echo "$res" | grep -q "http-5" && return 1
	return 0
}
sync a
check "first sync succeeds" '[ $? = 0 ]'
want=$(echo "$res" | sed -n 's/.*"count": \([0-9]*\).*/\1/p')
# code URL [curl args]: the status and the Retry-After header
code() {
	curl -s -m 10 -o /dev/null -D "$tmp/h" -w '%{http_code}' "$@"
}
retry() { grep -qi '^Retry-After: [0-9]' "$tmp/h"; }

t0=$(now)
pg_pause
c=$(code "http://127.0.0.1:$aport/")
check "admin page while down: 503 + Retry-After ($c)" '[ "$c" = 503 ] && retry'
c=$(code "http://127.0.0.1:$aport/healthz")
check "/healthz while down: 503 + Retry-After ($c)" '[ "$c" = 503 ] && retry'
t1=$(now)
echo "# PG down to three 503 answers: $(echo "$t1 - $t0" | bc) s"
sync a
check "sync while down: 503 ($res)" 'echo "$res" | grep -q http-503'
check "server still running" 'kill -0 $spid'

t0=$(now)
pg_resume
sync a
rc=$?
t1=$(now)
check "sync after PG returns: fast sync, alert 200 (same server)" \
	'[ $rc = 0 ] && echo "$res" | grep -q "\"alert_status\": 200,"'
echo "# PG start to a good sync: $(echo "$t1 - $t0" | bc) s"
echo "$res" | sed 's/^/# /' | tail -3
c=$(code "http://127.0.0.1:$aport/healthz")
check "/healthz ok again ($c)" '[ "$c" = 200 ]'
lost=$(grep -c "cannot open" "$tmp/server.log")
check "outage logged once, not per request ($lost)" '[ "$lost" -le 1 ]'

# PG killed in the middle of a slow sync; the retry converges
rm -f "$tmp/b.json"
# the client stops after its third message (creating the pause file)
# until the test removes it: PostgreSQL goes down in between
$PY "$CLIENT" --url "$url" --user zhang.wei@acme --password orgbook-demo \
	--state "$tmp/b.json" --device dev-b --max-msg 4096 \
	--pause-after-msg 3 --pause-file "$tmp/pause" >"$tmp/cut.out" 2>&1 &
cpid=$!
i=0
while [ ! -e "$tmp/pause" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
pg_pause
rm -f "$tmp/pause"
wait "$cpid"
check "the slow sync is cut by the outage ($(head -c 80 "$tmp/cut.out"))" \
	'grep -q "http-503" "$tmp/cut.out"'
pg_resume
# (4096: the server keeps no reply under 2048 bytes, MSG_MIN)
sync b --max-msg 4096
sync b --max-msg 4096
rc=$?
echo "$res" | sed "s/^/# /" | tail -2
check "slow sync converges after the outage (want $want: $(echo "$res" | grep -o "\"count\": [0-9]*"))" \
	'[ $rc = 0 ] && echo "$res" | grep -q "\"count\": $want,"'
check "server still running at the end" 'kill -0 $spid'
kill "$spid"
wait "$spid"
st=$?
spid=""
# under valgrind, 99 is a memory error or a definite leak
check "SIGTERM stops the server cleanly (exit $st)" '[ "$st" = 0 ]'
echo "1..$n"
[ "$failed" = 0 ]
