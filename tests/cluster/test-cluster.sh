#!/bin/sh
# Three orgbook-server instances on one PostgreSQL store behind haproxy
# (round robin, no stickiness, a new server connection per request), so
# the messages of one SyncML session land on different instances: a slow
# sync in small messages and a fast sync after an edit; an instance
# killed with SIGKILL between two messages and while one is in flight; the
# same device twice at once and two devices of one account at once;
# PostgreSQL stopped and started again between two messages of a slow
# sync; SyncEvolution (curl-shim.so preloaded, as in tests/interop) and
# orgbook-agent syncing through haproxy. After each sync the client's copy
# is compared with the directory's export (viewcheck.py, cardcompare.py).
# The client resends a message whose exchange failed, as phones do
# (retryclient.py). KEEP=DIR copies the logs there. Prints TAP; skips
# without PostgreSQL or haproxy.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/cluster/retryclient.py"
VIEW="$top_srcdir/tests/integration/viewcheck.py"
OB_TEST_BACKEND=pg
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/db.sh"

if [ -n "${OB_TEST_SKIP_PG:-}" ]; then
	echo "1..0 # SKIP OB_TEST_SKIP_PG: PostgreSQL runs in the other builds"
	exit 0
fi
if [ ! -x "$HAPROXY" ]; then
	echo "1..0 # SKIP no haproxy (apt-get install haproxy)"
	exit 0
fi
tmp=$(mktemp -d)
spids="" hpid=""
cleanup() {
	for p in $spids $hpid; do kill "$p" 2>/dev/null; done
	for p in $spids $hpid; do wait "$p" 2>/dev/null; done
	pg_stop 2>/dev/null
	[ -z "${KEEP:-}" ] || cp "$tmp"/*.log "$KEEP"/
	rm -rf "$tmp"
}
db_setup "$tmp"
rc=$?
trap cleanup EXIT
if [ $rc = 77 ]; then
	echo "1..0 # SKIP $db_why"
	exit 0
elif [ $rc != 0 ]; then
	echo "1..1"
	echo "not ok 1 - PostgreSQL for the test: $db_why"
	exit 1
fi
ob() { "$ADMIN" "$@"; }
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null

# start_server N [PORT APORT]: instance N (1-3), logging to $tmp/sN.log
start_server() {
	rm -f "$tmp/ports$1"
	# shellcheck disable=SC2086 # DBARGS is two options
	"$SERVER" $DBARGS --listen 127.0.0.1 --port "${2:-0}" \
		--admin-port "${3:-0}" --port-file "$tmp/ports$1" \
		--log-level debug 2>>"$tmp/s$1.log" &
	eval "spid$1=$!"
	spids="$spids $!"
	i=0
	while [ ! -s "$tmp/ports$1" ] && [ $i -lt 300 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	eval "sport$1=$(cut -d' ' -f1 "$tmp/ports$1")"
	eval "aport$1=$(cut -d' ' -f2 "$tmp/ports$1")"
}
# healthy N: instance N answers /healthz
healthy() {
	eval "ap=\$aport$1"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ap/healthz")" = 200 ]
}
# wait_up: haproxy sees all three instances up (after its rise checks)
wait_up() {
	i=0
	while [ $i -lt 100 ]; do
		up=$(echo "show servers state orgbook" |
			$PY -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$tmp/hap.sock'); s.sendall(sys.stdin.buffer.read()); print(s.makefile().read())" 2>/dev/null |
			awk '$4 ~ /^s[123]$/ && $6 == 2' | wc -l)
		[ "$up" = 3 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
for s in 1 2 3; do start_server $s; done
hport=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
sed -e "s/@PORT@/$hport/" -e "s/@SN1@/$sport1/" -e "s/@AN1@/$aport1/" \
	-e "s/@SN2@/$sport2/" -e "s/@AN2@/$aport2/" \
	-e "s/@SN3@/$sport3/" -e "s/@AN3@/$aport3/" \
	-e "s|@SOCK@|$tmp/hap.sock|" \
	"$top_srcdir/tests/cluster/haproxy.cfg.in" >"$tmp/haproxy.cfg"
"$HAPROXY" -db -f "$tmp/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
hpid=$!
url="http://127.0.0.1:$hport/sync"
if wait_up; then ok "haproxy sees three instances up"; else
	notok "haproxy sees three instances up"
	sed 's/^/# /' "$tmp/haproxy.log" | head
fi
people=$(ob person list --tenant acme | wc -l)

# sync STATE [args]: the retrying client as zhang.wei@acme on device dev-STATE
sync() {
	st=$1
	shift
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/$st.json" --device "dev-$st" "$@")
}
# bsync STATE [args]: the same, its result on stdout (for a background run)
bsync() {
	sync "$@"
	printf '%s\n' "$res"
}
# expect NAME JSON-KEY VALUE: the last client result has key == value
expect() {
	got=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2'))" 2>&1)
	if [ "$got" = "$3" ]; then ok "$1"; else
		notok "$1 ($2=$got, want $3)"
		echo "# $res"
	fi
}
# view NAME STATE: the client holds the directory's people, no more, no fewer
view() {
	ob export --tenant acme --format vcf30 >"$tmp/export.vcf" 2>/dev/null
	cards=$($PY -c "import json; s=json.load(open('$tmp/$2.json')); print(sum('UID:' in c for c in s['items'].values()))" 2>&1)
	if out=$($PY "$VIEW" "$tmp/$2.json" "$tmp/export.vcf" 2>&1) &&
		[ "$cards" = "$people" ]; then
		ok "$1"
	else
		notok "$1 ($cards cards, $people people)"
		tap_show
	fi
}
# mark; ...; spread NAME MIN: the requests haproxy passed on since the mark
# followed the RespURI (back through haproxy) and were answered by at
# least MIN instances
mark() { hmark=$(wc -l <"$tmp/haproxy.log"); }
spread() {
	sleep 0.1
	tail -n +$((hmark + 1)) "$tmp/haproxy.log" >"$tmp/seg.log"
	resp=$(grep -c '?s=' "$tmp/seg.log")
	hit=$(awk '$2 == 200 {print $1}' "$tmp/seg.log" | sort | uniq -c |
		awk '{printf " %s:%s", $2, $1}')
	nhit=$(awk '$2 == 200 {print $1}' "$tmp/seg.log" | sort -u | wc -l)
	if [ "$resp" -gt 0 ] && [ "$nhit" -ge "$2" ]; then
		ok "$1: RespURI via haproxy, answered by$hit"
	else
		notok "$1: RespURI via haproxy, answered by$hit ($resp by RespURI)"
	fi
}

# -- 1. slow sync in small messages, then a fast sync after an edit ----------
mark
sync a --mode slow --max-msg 4000 --md5
expect "slow sync through haproxy" mode 201
expect "slow sync sends every visible person" adds "$people"
msgs=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('messages'))")
[ "$msgs" -gt 20 ] && ok "small MaxMsgSize: $msgs messages" ||
	notok "small MaxMsgSize: $msgs messages"
spread "slow sync" 3
view "client equals the directory after the slow sync" a
ob person update --tenant acme demo-000002 --title "Cluster VP" >/dev/null
mark
sync a --max-msg 4000 --md5
expect "fast sync after an edit" mode 200
expect "fast sync: exactly the edit (replaces)" replaces 1
expect "fast sync: no adds" adds 0
expect "fast sync: no deletes" deletes 0
spread "fast sync" 2
view "client equals the directory after the fast sync" a

# -- 2. an instance killed with SIGKILL during a slow sync ------------------
# between two messages: the client waits after message 3, the instance
# that will get the next request dies, haproxy moves on
bsync b --mode slow --max-msg 4000 --pause-after-msg 3 --pause-file "$tmp/pause" \
	>"$tmp/b.out" &
cpid=$!
i=0
while [ ! -e "$tmp/pause" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
next=$(tail -1 "$tmp/haproxy.log" | awk '{print $1}')
case "$next" in s1) victim=2 ;; s2) victim=3 ;; *) victim=1 ;; esac
eval "vpid=\$spid$victim"
kill -9 "$vpid"
wait "$vpid" 2>/dev/null
rm -f "$tmp/pause"
wait $cpid
res=$(tail -1 "$tmp/b.out")
expect "instance s$victim killed between messages: the sync ends" status ok
expect "... as the slow sync it was" mode 201
view "... and the client equals the directory" b
sync b --max-msg 4000
expect "next sync is fast" mode 200
expect "... with nothing to send" adds 0
view "... and the client still equals the directory" b
eval "start_server $victim \$sport$victim \$aport$victim"
if wait_up; then ok "s$victim restarted on its ports, back in haproxy"; else
	notok "s$victim restarted on its ports, back in haproxy"
fi

# while a message is in flight: the client waits after message 3, the
# SyncML session table is locked, message 4 goes to the next instance in
# the round, which blocks in the store holding the request; it is killed
# there, the lock let go; haproxy (or the client) sends it elsewhere
rm -f "$tmp/c.json"
bsync c --mode slow --max-msg 4000 --pause-after-msg 3 --pause-file "$tmp/pause" \
	>"$tmp/c.out" &
cpid=$!
i=0
while [ ! -e "$tmp/pause" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
next=$(tail -1 "$tmp/haproxy.log" | awk '{print $1}')
case "$next" in s1) victim=2 ;; s2) victim=3 ;; *) victim=1 ;; esac
psql -X -q "$db" -c "BEGIN; LOCK TABLE sml_session IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20);" \
	>/dev/null 2>&1 &
lpid=$!
waiting() {
	db_sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
}
i=0
while [ "$(db_sql "SELECT count(*) FROM pg_locks WHERE relation = 'sml_session'::regclass AND granted")" = 0 ] &&
	[ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
rm -f "$tmp/pause"
i=0
while [ "$(waiting)" = 0 ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
blocked=$(waiting)
eval "vpid=\$spid$victim"
kill -9 "$vpid"
wait "$vpid" 2>/dev/null
db_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()" >/dev/null
wait $lpid 2>/dev/null
[ "$blocked" -ge 1 ] && ok "message 4 held by s$victim in the store when it was killed" ||
	notok "message 4 held by s$victim in the store when it was killed ($blocked waiting)"
wait $cpid
res=$(tail -1 "$tmp/c.out")
expect "instance killed mid-request: the sync ends" status ok
expect "... as the slow sync it was" mode 201
expect "... every person sent once" adds "$people"
view "... and the client equals the directory" c
sync c --max-msg 4000
expect "next sync is fast with nothing to send" adds 0
view "... and the client still equals the directory" c
eval "start_server $victim \$sport$victim \$aport$victim"
if wait_up; then ok "s$victim restarted, back in haproxy"; else
	notok "s$victim restarted, back in haproxy"
fi

# -- 3. concurrent sessions ---------------------------------------------------
# the same device twice at once, from two copies of its state
cp "$tmp/a.json" "$tmp/a2.json"
ob person update --tenant acme demo-000003 --title "Twice" >/dev/null
$PY "$CLIENT" --url "$url" --user zhang.wei@acme --password orgbook-demo \
	--state "$tmp/a.json" --device dev-a --mode slow --max-msg 4000 >"$tmp/t1.out" 2>&1 &
p1=$!
$PY "$CLIENT" --url "$url" --user zhang.wei@acme --password orgbook-demo \
	--state "$tmp/a2.json" --device dev-a --mode slow --max-msg 4000 >"$tmp/t2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && ok "same device twice at once: both clients end" ||
	notok "same device twice at once: both clients end ($r1 $r2: $(tail -c 300 "$tmp/t1.out") $(tail -c 300 "$tmp/t2.out"))"
echo "# $(tail -1 "$tmp/t1.out")" | cut -c1-200
echo "# $(tail -1 "$tmp/t2.out")" | cut -c1-200
alive=0
for s in 1 2 3; do healthy $s && alive=$((alive + 1)); done
[ $alive = 3 ] && ok "... and no instance crashed" || notok "... and no instance crashed ($alive alive)"
sync a --max-msg 4000
view "... and the device's next sync converges" a
sync a --max-msg 4000
expect "... then a fast sync" mode 200
expect "... with nothing to send" adds 0

# two devices of one account at once
rm -f "$tmp/d1.json" "$tmp/d2.json"
bsync d1 --mode slow --max-msg 4000 >"$tmp/d1.out" &
p1=$!
bsync d2 --mode slow --max-msg 4000 --md5 >"$tmp/d2.out" &
p2=$!
wait $p1
wait $p2
for d in d1 d2; do
	res=$(tail -1 "$tmp/$d.out")
	expect "two devices at once: $d ends" status ok
	expect "two devices at once: $d gets every person" adds "$people"
	view "two devices at once: $d equals the directory" $d
done

# -- 4. PostgreSQL restarted in the middle of a slow sync ---------------------
# the client waits after message 3; PostgreSQL stops (fast: every backend
# is gone) and comes back after a second; meanwhile every instance answers
# 503 with Retry-After and /healthz 503, haproxy finds none up and answers
# 503 itself; the client resends the same message until one answers
rm -f "$tmp/r.json"
bsync r --retries 40 --mode slow --max-msg 4000 --pause-after-msg 3 \
	--pause-file "$tmp/pause" >"$tmp/r.out" &
cpid=$!
i=0
while [ ! -e "$tmp/pause" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
pg_pause
rm -f "$tmp/pause"
sleep 1
pg_resume
wait $cpid
res=$(tail -1 "$tmp/r.out")
expect "PostgreSQL restarted mid-sync: the sync ends" status ok
expect "... as the slow sync it was" mode 201
expect "... every person sent once" adds "$people"
retried=$(printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('retries'))" 2>&1)
[ "$retried" -ge 1 ] 2>/dev/null && ok "... the client resent while it was down ($retried times)" ||
	notok "... the client resent while it was down ($retried)"
view "... and the client equals the directory" r
if wait_up; then ok "all three instances healthy again without a restart"; else
	notok "all three instances healthy again without a restart"
fi
sync r --max-msg 4000
expect "next sync is fast with nothing to send" adds 0
lost=$(cat "$tmp"/s[123].log | grep -c "database connection lost; reconnecting")
[ "$lost" -ge 3 ] && ok "... each instance saw its connections lost and reconnected ($lost)" ||
	notok "... each instance saw its connections lost and reconnected ($lost)"

# -- 5. SyncEvolution and the agent through haproxy ---------------------------
SHIM="$top_builddir/tests/interop/curl-shim.so"
CMP="$top_srcdir/tests/interop/cardcompare.py"
AGENT="$top_builddir/agent/orgbook-agent"
if command -v syncevolution >/dev/null && [ -e "$SHIM" ]; then
	export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
		XDG_DATA_HOME="$tmp/home/.local/share" XDG_CACHE_HOME="$tmp/home/.cache"
	mkdir -p "$HOME" "$tmp/se"
	syncevolution --configure --template none keyring=no syncURL="$url" \
		username=zhang.wei@acme password=orgbook-demo deviceId=se-cluster \
		RetryDuration=20 RetryInterval=2 preventSlowSync=0 maxMsgSize=10240 \
		orgbook@se >"$tmp/se.cfg.log" 2>&1 &&
		syncevolution --configure backend=file database="file://$tmp/se" \
			databaseFormat=text/vcard uri=contacts sync=two-way \
			orgbook@se addressbook >>"$tmp/se.cfg.log" 2>&1
	se_sync() {
		LD_PRELOAD="$SHIM" timeout 120 syncevolution --sync "$1" \
			orgbook@se addressbook >"$tmp/se.out" 2>&1
	}
	se_same() {
		ob export --tenant acme --format vcf30 >"$tmp/export.vcf" 2>/dev/null
		if o=$($PY "$CMP" "$tmp/se" "$tmp/export.vcf" --client syncevolution); then
			ok "$1"
		else
			notok "$1"
			echo "$o" | tail -5 | sed 's/^/# /'
		fi
	}
	mark
	if se_sync slow; then ok "SyncEvolution slow sync through haproxy"; else
		notok "SyncEvolution slow sync through haproxy"
		tail -15 "$tmp/se.out" | sed 's/^/# /'
	fi
	spread "SyncEvolution slow sync" 3
	se_same "SyncEvolution's cards equal the directory"
	ob person update --tenant acme demo-000005 --title "Through haproxy" >/dev/null
	ob person delete --tenant acme demo-000007 >/dev/null
	people=$((people - 1))
	mark
	if se_sync two-way; then ok "SyncEvolution two-way sync through haproxy"; else
		notok "SyncEvolution two-way sync through haproxy"
		tail -15 "$tmp/se.out" | sed 's/^/# /'
	fi
	got=$(sed -n 's/^| *addressbook | *\([0-9]*\) *| *\([0-9]*\) *| *\([0-9]*\) *|.*/\1 \2 \3/p' "$tmp/se.out" | head -1)
	[ "$got" = "0 1 1" ] && ok "... exactly the edit and the deletion arrive" ||
		notok "... exactly the edit and the deletion arrive (new mod del: $got)"
	spread "SyncEvolution two-way sync" 2
	se_same "SyncEvolution's cards still equal the directory"
else
	notok "SyncEvolution through haproxy: no syncevolution or $SHIM"
fi
ag() { "$AGENT" --dir "$tmp/ag" "$@"; }
ag_same() {
	mkdir -p "$tmp/agcmp"
	rm -f "$tmp/agcmp"/*
	ag export --format vcf30 >"$tmp/agcmp/agent.vcf"
	ob export --tenant acme --format vcf30 >"$tmp/export.vcf" 2>/dev/null
	if o=$($PY "$CMP" "$tmp/agcmp" "$tmp/export.vcf"); then ok "$1"; else
		notok "$1"
		echo "$o" | tail -5 | sed 's/^/# /'
	fi
}
echo orgbook-demo | ag init --server "$url" --user zhang.wei@acme \
	--password-stdin --max-msg 4096 >/dev/null 2>&1
mark
out=$(ag sync 2>&1)
has "agent's first sync through haproxy" "slow sync: $people added"
spread "agent slow sync" 3
ag_same "the agent's copy equals the directory"
ob person add --tenant acme --uid cl-new --name "韩新" --family 韩 --given 新 \
	--unit 总部/总裁办 --cell "+86 139 0000 0777" >/dev/null
people=$((people + 1))
mark
out=$(ag sync 2>&1)
has "agent's next sync through haproxy gets the new person" "two-way sync: 1 added, 0 updated, 0 deleted"
spread "agent two-way sync" 2
ag_same "the agent's copy still equals the directory"

if grep -qi "runtime error\|AddressSanitizer\|LeakSanitizer" "$tmp"/s[123].log; then
	notok "server logs free of sanitizer reports"
	grep -hi -A5 "runtime error\|Sanitizer" "$tmp"/s[123].log | head -30 | sed 's/^/# /'
else
	ok "server logs free of sanitizer reports"
fi
if [ "$failed" != 0 ]; then
	for s in 1 2 3; do grep -h "warn\|error" "$tmp/s$s.log" | tail -5 | sed "s/^/# s$s: /"; done
fi
tap_done
