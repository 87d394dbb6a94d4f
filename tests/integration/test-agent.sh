#!/bin/sh
# orgbook-agent against the real orgbook-server on loopback: first and
# later syncs, the admin's changes, search (characters, pinyin, initials,
# email, phone suffix), caller ID, the unit tree, 508 recovery, refresh,
# WBXML + MD5, a unit datastore, the agent killed mid-sync, a wrong
# password, a server that is down, a server sending garbage, and a real
# server behind a proxy that turns statuses into errors or breaks a card
# (exit 7, and the next sync brings it). After
# each sync the agent's export is compared by content with the directory's
# own (tests/interop/cardcompare.py). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
CMP="$top_srcdir/tests/interop/cardcompare.py"
tmp=$(mktemp -d)
. "$top_srcdir/tests/lib/tap.sh"
spid=""
mpid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
ob() { "$ADMIN" --db "$db" "$@"; }
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi
agent() { d=$1; shift; $VG "$AGENT" --dir "$tmp/$d" "$@"; }
# same NAME DIR TENANT [export args]: the agent's copy == the directory
same() {
	name=$1 d=$2 t=$3
	shift 3
	mkdir -p "$tmp/cmp"
	rm -f "$tmp/cmp"/*
	agent "$d" export --format vcf30 >"$tmp/cmp/agent.vcf"
	ob export --tenant "$t" --format vcf30 "$@" >"$tmp/server.vcf" 2>/dev/null
	if o=$($PY "$CMP" "$tmp/cmp" "$tmp/server.vcf"); then ok "$name"; else
		notok "$name"
		echo "$o" | tail -5 | sed 's/^/# /'
	fi
}

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
start_server() {
	rm -f "$tmp/ports"
	"$SERVER" $DBARGS --listen 127.0.0.1 --port "${1:-0}" --admin-port off \
		--port-file "$tmp/ports" 2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cut -d' ' -f1 "$tmp/ports")
	url="http://127.0.0.1:$port/sync"
}
start_server

# -- set up, first sync, later syncs -------------------------------------------
check "init reads the password from stdin" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/a' init --server '$url' --user zhang.wei@acme --password-stdin"
mode=$(stat -c %a "$tmp/a/agent.conf")
[ "$mode" = 600 ] && ok "the stored password file is mode 0600" || notok "the stored password file is mode 0600 ($mode)"
check "first sync" 0 agent a sync
has "first sync is slow and gets everyone" "slow sync: 311 added"
same "agent equals the directory" a acme
check "second sync" 0 agent a sync
has "nothing changed: two-way, nothing received" "two-way sync: 0 added, 0 updated, 0 deleted"
ob person add --tenant acme --uid ag-new --name "王新人" --family 王 --given 新人 \
	--unit 总部/总裁办 --cell "+86 139 0000 0001" --email xinren.wang@demo.orgbook.cn >/dev/null
ob person update --tenant acme demo-000002 --title "副总裁" >/dev/null
ob person delete --tenant acme demo-000003 >/dev/null
ob person update --tenant acme demo-000004 --hidden yes >/dev/null
ob person move --tenant acme demo-000006 研发中心/平台部 >/dev/null
check "sync after the admin's changes" 0 agent a sync
has "exactly the changes arrive" "two-way sync: 1 added, 2 updated, 2 deleted"
same "agent equals the directory after the changes" a acme

# -- search --------------------------------------------------------------------
check "search by Chinese name" 0 agent a search 王新人
has "Chinese name found" "王新人"
check "search by a given name alone" 0 agent a search 新人
has "given name found" "王新人"
check "search by full pinyin" 0 agent a search wangxinren
has "full pinyin found" "王新人"
check "search by pinyin initials" 0 agent a search wxr
has "initials found" "王新人"
check "search by email" 0 agent a search xinren.wang
has "email found" "王新人"
check "search by title" 0 agent a search 副总裁
has "title found" "副总裁"
check "search by phone suffix" 0 agent a search 00001
has "phone suffix found" "王新人"
check "caller ID with +86 and spaces" 0 agent a lookup-number "+86 139-0000-0001"
has "caller ID found" "王新人"
check "caller ID needs 4 digits" 2 agent a lookup-number 123
check "no match: exit 3" 3 agent a search qqqqzzzz
check "search --json" 0 agent a search 王新人 --json
echo "$out" | $PY -c "import json,sys; d=json.load(sys.stdin); assert d[0]['uid']=='ag-new'" &&
	ok "--json is JSON with the uid" || notok "--json is JSON with the uid"
check "units at the top" 0 agent a units
has "top units with counts" "研发中心/"
check "a unit's people" 0 agent a units 总部/总裁办
has "unit lists its people" "王新人"
check "show by uid" 0 agent a show ag-new
has "show prints the card" "FN:王新人"
check "status" 0 agent a status
has "status counts the people" "people:     310"

# -- anchors, refresh ----------------------------------------------------------
db_sql "UPDATE sync_state SET client_last = 'restored' WHERE device LIKE 'orgbook-agent-%'"
check "sync after an anchor mismatch" 0 agent a sync
has "508 turns into a slow sync" "slow sync"
same "no duplicates after the slow sync" a acme
check "status after" 0 agent a status
has "still 310 people" "people:     310"
check "refresh" 0 agent a sync --refresh
has "refresh from server" "refresh sync"
same "agent equals the directory after a refresh" a acme

# -- WBXML + MD5, a unit ---------------------------------------------------------
check "init a WBXML + MD5 agent" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/w' init --server '$url' --user zhang.wei@acme --password-stdin --wbxml --md5 --max-msg 10240"
check "WBXML + MD5 sync in 10 KB messages" 0 agent w sync
same "WBXML agent equals the directory" w acme
check "init a unit agent" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/u' init --server '$url' --user zhang.wei@acme --password-stdin --unit 研发中心 --syncml 1.1"
check "unit sync" 0 agent u sync
same "unit agent holds exactly the unit" u acme --unit 研发中心

# -- moves in and out of a unit ------------------------------------------------------
mover_in=$(ob person list --tenant acme --unit 总部 | awk 'NR==1{print $1}')
mover_out=$(ob person list --tenant acme --unit 研发中心 | awk 'NR==1{print $1}')
ob person move --tenant acme "$mover_in" 研发中心/平台部 >/dev/null
ob person move --tenant acme "$mover_out" 行政部 >/dev/null
check "unit sync after moves in and out" 0 agent u sync
has "moved in: added; moved out: deleted" "two-way sync: 1 added, 0 updated, 1 deleted"
same "unit agent after the moves" u acme --unit 研发中心

# -- killed mid-sync ---------------------------------------------------------------
check "init an agent with small messages" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/k' init --server '$url' --user zhang.wei@acme --password-stdin --max-msg 4096"
"$AGENT" --dir "$tmp/k" sync >/dev/null 2>&1 &
kpid=$!
i=0
while [ $i -lt 1500 ]; do
	c=$(sqlite3 "$tmp/k/directory.db" "SELECT count(*) FROM person" 2>/dev/null || echo 0)
	[ "${c:-0}" -gt 20 ] && break
	sleep 0.02
	i=$((i + 1))
done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
c=$(sqlite3 "$tmp/k/directory.db" "SELECT count(*) FROM person")
[ "$c" -gt 0 ] && [ "$c" -lt 310 ] && ok "killed mid-sync with part of the directory ($c)" ||
	notok "killed mid-sync with part of the directory ($c)"
check "the next sync converges" 0 agent k sync
same "after a kill: nothing lost or duplicated" k acme

# -- the server restarted mid-sync ----------------------------------------------------
check "init another agent with small messages" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/r' init --server '$url' --user zhang.wei@acme --password-stdin --max-msg 4096"
"$AGENT" --dir "$tmp/r" sync >"$tmp/r.out" 2>&1 &
rpid=$!
i=0
while [ $i -lt 1500 ]; do
	c=$(sqlite3 "$tmp/r/directory.db" "SELECT count(*) FROM person" 2>/dev/null || echo 0)
	[ "${c:-0}" -gt 20 ] && break
	sleep 0.02
	i=$((i + 1))
done
kill -9 "$spid"
wait "$spid" 2>/dev/null
wait $rpid
rc=$?
[ $rc = 5 ] && ok "server killed mid-sync: the agent stops with exit 5" ||
	notok "server killed mid-sync: the agent stops with exit 5 ($rc)"
start_server "$port"
check "after the restart the next sync converges" 0 agent r sync
same "nothing lost or duplicated across the server restart" r acme

# -- errors ---------------------------------------------------------------------------
check "init with a wrong password" 0 sh -c "echo wrong-password | '$AGENT' --dir '$tmp/x' init --server '$url' --user zhang.wei@acme --password-stdin"
check "wrong password: exit 4" 4 agent x sync
has "says the login was refused" "refused the login"
before=$(agent a status | grep people)
kill "$spid"
wait "$spid" 2>/dev/null
spid=""
check "server down: exit 5" 5 agent a sync
has "names the network error" "sync failed"
# a server that answers garbage, then one that never stops answering
cat >"$tmp/bad.py" <<'PYEOF'
import http.server, sys
mode = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.syncml+xml")
        if mode == "garbage":
            body = b"<SyncML><SyncHdr><VerDTD>1.2</Ver"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"10000\r\n" + b"<a>" * 21845 + b"x\r\n")
            except Exception:
                pass
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
open(sys.argv[3], "w").close()  # listening: the test may connect
srv.serve_forever()
PYEOF
# start the bad server in mode $1 and wait until it listens
bad_server() {
	rm -f "$tmp/bad.up"
	$PY "$tmp/bad.py" "$port" "$1" "$tmp/bad.up" &
	bpid=$!
	i=0
	while [ ! -e "$tmp/bad.up" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
}
bad_server garbage
check "malformed reply: exit 5" 5 agent a sync
has "names the malformed reply" "reply"
kill $bpid
wait $bpid 2>/dev/null
bad_server endless
check "endless chunked reply: stopped at the cap, exit 5" 5 agent a sync
has "names the cap" "larger than"
kill $bpid
wait $bpid 2>/dev/null
after=$(agent a status | grep people)
[ "$before" = "$after" ] && ok "bad servers leave the local copy unchanged" ||
	notok "bad servers leave the local copy unchanged ($before / $after)"

# -- wrong statuses and a bad card from an otherwise real server ----------------
# A proxy in front of the real server rewrites its replies: RespURI back to
# the proxy, then (by mode) one status or the first card of a sync.
start_server "$port"
cat >"$tmp/mangle.py" <<'PYEOF'
import http.server, re, sys, urllib.request
listen, real, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        rq = urllib.request.Request(real + self.path[len("/sync"):], data=body,
            headers={"Content-Type": self.headers["Content-Type"]})
        out = urllib.request.urlopen(rq).read().decode("utf-8")
        out = out.replace(real, "http://127.0.0.1:%d/sync" % listen)
        def status(cmd, code):
            return re.sub(r"(<Status>(?:(?!</Status>).)*?<Cmd>%s</Cmd>(?:(?!</Status>).)*?<Data>)\d+(</Data>)" % cmd,
                          r"\g<1>%d\2" % code, out, count=1, flags=re.S)
        if mode == "hdr500":
            out = status("SyncHdr", 500)
        elif mode == "alert500":
            out = status("Alert", 500)
        elif mode == "sync500":
            out = status("Sync", 500)
        elif mode == "badcard":
            out = re.sub(r"BEGIN:VCARD(?:(?!END:VCARD).)*END:VCARD",
                         "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;\r\nX-BROKEN", out,
                         count=1, flags=re.S)
        data = out.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.syncml+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", listen), H).serve_forever()
PYEOF
pport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mangle() {
	[ -n "${mpid:-}" ] && kill "$mpid" 2>/dev/null && wait "$mpid" 2>/dev/null
	$PY "$tmp/mangle.py" "$pport" "$url" "$1" &
	mpid=$!
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$pport/" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
mangle pass
check "init an agent behind the proxy" 0 sh -c "echo orgbook-demo | '$AGENT' --dir '$tmp/m' init --server 'http://127.0.0.1:$pport/sync' --user zhang.wei@acme --password-stdin"
check "a sync through the proxy works" 0 agent m sync
before=$(agent m status | grep -v "last sync")
ob person update --tenant acme demo-000002 --title "Status test" >/dev/null
for m in hdr500:"answered status 500" alert500:"refused the sync (status 500)" sync500:"refused our Sync (status 500)"; do
	mangle "${m%%:*}"
	check "${m%%:*}: a clear error, exit 5" 5 agent m sync
	has "${m%%:*}: the message names the status" "${m#*:}"
done
after=$(agent m status | grep -v "last sync")
[ "$before" = "$after" ] && ok "wrong statuses leave the local copy unchanged" ||
	notok "wrong statuses leave the local copy unchanged"
mangle pass
check "the next good sync converges" 0 agent m sync
same "and equals the directory" m acme
mangle badcard
check "a bad card from the server: the slow sync goes on, exit 7" 7 agent m sync --slow
has "the summary names the refused card" "1 item refused: 1 malformed vCard (server id "
check "the rest of the directory arrived" 0 agent m search 张伟
n_agent=$(agent m status | sed -n 's/^people: *//p')
n_dir=$(ob person list --tenant acme | wc -l)
# the person whose card was refused keeps the copy the agent had (a slow
# sync's sweep must not delete it), and nothing of the bad card is stored
[ "$n_agent" = "$n_dir" ] && ok "the refused card's person is not swept ($n_agent)" ||
	notok "the refused card's person is not swept ($n_agent of $n_dir)"
same "the refused card's person keeps its last good copy" m acme
mangle pass
check "the next sync brings the refused card" 0 agent m sync
same "and then equals the directory" m acme
kill "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null
mpid=""
if [ -n "$VG" ]; then
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "agent valgrind-clean"
		cat "$tmp"/vg.* | head -30 | sed 's/^/# /'
	else
		ok "agent valgrind-clean"
	fi
fi
echo "1..$n"
exit $failed
