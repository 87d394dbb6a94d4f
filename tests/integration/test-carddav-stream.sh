#!/bin/sh
# Streamed CardDAV answers (carddav/dav.h dav_handle_stream, server/httpd.c)
# against the real orgbook-server with a generated book of OB_PEOPLE
# (default 100,000) people:
#   - the whole-book sync-collection is chunked, complete, every visible
#     person once, and the server's peak RSS (VmHWM, reset after a
#     warm-up request) grows by less than 12 MB for it, where the same
#     answer held in memory (carddav-max-bytes 256 MiB) grows it by
#     more than 50 MB: the bound can fail;
#   - a multiget of 105,000 hrefs (4.2 MB, over max-body) gets through
#     once its Basic login is checked, 401 without one; every href one
#     answer in the order sent: unknown, duplicate, hidden, another
#     enterprise's and another book's hrefs 404 (or the card twice);
#   - one snapshot: a write committed while a client is halfway through
#     the answer is not in it (the writer is not blocked), and the
#     SQLite WAL cannot be checkpointed past the reader meanwhile;
#   - a client that goes away mid-answer: the server's stream worker and
#     its read snapshot are let go (the WAL checkpoints, the next big
#     answer takes the same worker), the log says "cut";
#   - a client that stops reading and stays: stream-timeout cuts it (the
#     chunked body has no last chunk) and lets the snapshot go.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
# -O0 without valgrind would only repeat the ASan build's run: 100,000
# people are too many for valgrind, and the streamed path runs under it in
# tests/interop/test-carddav.sh (its 2,000-person book is streamed)
if [ -n "${OB_VALGRIND:-}" ]; then
	echo "1..0 # SKIP under valgrind: see tests/interop/test-carddav.sh"
	exit 0
fi
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
GEN="$top_srcdir/testdata/gen-directory.py"
CLIENT="$top_srcdir/tests/integration/dav-client.py"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/db.sh"
tmp=$(mktemp -d)
spid=""
cpid=""
stop_server() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	spid=""
}
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	stop_server
	[ -z "${KEEP:-}" ] || cp -r "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
db_setup_tap "$tmp"
ob() { "$ADMIN" "$@"; }
people=${OB_PEOPLE:-100000}
U=r@big:big-secret
# the sanitizers' allocator keeps freed memory in quarantine: small
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"

$PY "$GEN" --people "$people" --out "$tmp/gen" >/dev/null
ob enterprise create big --display "Big" >/dev/null
echo big-secret | ob account create --tenant big r@big --password-stdin >/dev/null
ob import --tenant big "$tmp/gen/people.csv" >/dev/null ||
	notok "import $people people"
ob enterprise create other --display "Other" >/dev/null
ob person add --tenant other --uid other-only-1 --name "Other One" >/dev/null
visible=$(db_sql "SELECT count(*) FROM person WHERE hidden = 0 AND tenant_id = (SELECT id FROM tenant WHERE name = 'big')")
echo "# $visible of $people people visible"

# start [ARGS]: the server with ARGS; $port, $spid
start() {
	rm -f "$tmp/ports"
	# shellcheck disable=SC2086 # DBARGS is two options
	"$SERVER" $DBARGS --listen 127.0.0.1 --port 0 --admin-port off \
		--port-file "$tmp/ports" "$@" 2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(cut -d' ' -f1 "$tmp/ports")
}
status_of() { grep "^$1:" "/proc/$spid/status" | tr -s ' \t' ' ' | cut -d' ' -f2; }
# warm up (the login's password hash, the store) and reset the peak
warm() {
	curl -s -o /dev/null -u "$U" "http://127.0.0.1:$port/dav/books/all/none.vcf"
	echo 5 >"/proc/$spid/clear_refs"
	base_kb=$(status_of VmHWM)
}
# WAL pinned? "1" when a checkpoint cannot get past a reader (SQLite)
wal_busy() { sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" | cut -d'|' -f1; }

cat >"$tmp/sync.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/><C:address-data/></D:prop></D:sync-collection>
EOF

# -- the whole book, streamed, and the peak RSS ---------------------------------
start
warm
out=$($PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" whole "$tmp/whole.xml")
[ "$out" = "207 chunked complete" ] && ok "whole-book sync-collection: 207, chunked, complete" ||
	notok "whole-book sync-collection: 207, chunked, complete (got: $out)"
grown=$(($(status_of VmHWM) - base_kb))
echo "# streamed: VmHWM $base_kb kB + $grown kB"
[ "$grown" -lt 12288 ] && ok "streamed: peak RSS grew by less than 12 MB ($grown kB)" ||
	notok "streamed: peak RSS grew by less than 12 MB ($grown kB)"
xmllint --noout "$tmp/whole.xml" 2>/dev/null && ok "... the answer is well-formed XML" ||
	notok "... the answer is well-formed XML"
got=$(grep -c '^<D:response><D:href>/dav/books/all/' "$tmp/whole.xml")
dups=$(grep -o '^<D:response><D:href>[^<]*' "$tmp/whole.xml" | sort | uniq -d | wc -l)
[ "$got" = "$visible" ] && [ "$dups" = 0 ] && ok "... every visible person once ($got)" ||
	notok "... every visible person once (got $got, $dups twice, want $visible)"
rev=$(db_sql "SELECT revision FROM tenant WHERE name = 'big'")
grep -q "<D:sync-token>urn:x-orgbook:sync:[0-9]*:all:[0-9a-f]*:$rev</D:sync-token>" "$tmp/whole.xml" &&
	ok "... the sync-token of revision $rev" || notok "... the sync-token of revision $rev"
grep -q 'members=.*streamed' "$tmp/server.log" && ok "... logged as streamed" ||
	notok "... logged as streamed"
stop_server

start --carddav-max-bytes 268435456
warm
out=$($PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" whole "$tmp/held.xml")
grown=$(($(status_of VmHWM) - base_kb))
echo "# held in memory: VmHWM $base_kb kB + $grown kB"
[ "$grown" -gt 51200 ] && ok "control: held in memory it grows by more than 50 MB ($grown kB)" ||
	notok "control: held in memory it grows by more than 50 MB ($grown kB)"
[ "$out" = "207 length complete" ] && cmp -s "$tmp/held.xml" "$tmp/whole.xml" &&
	ok "... the same bytes as the streamed answer, with a Content-Length" ||
	notok "... the same bytes as the streamed answer, with a Content-Length ($out)"
stop_server

# -- a multiget of 105,000 hrefs ---------------------------------------------------
other_book=$(db_sql "SELECT id FROM unit WHERE tenant_id = (SELECT id FROM tenant WHERE name = 'big') AND parent_id IS NULL LIMIT 1")
db_sql "SELECT uid, hidden FROM person WHERE tenant_id = (SELECT id FROM tenant WHERE name = 'big') ORDER BY id" >"$tmp/uids"
$PY - "$tmp/uids" "$tmp/mg.xml" "$tmp/mg.want" "$other_book" <<'EOF'
import random, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
uids = [r[0] for r in rows]
shown = {r[0] for r in rows if r[1] == "0"}
rnd = random.Random(17)
hrefs = [f"/dav/books/all/{u}.vcf" for u in uids]
extra = []
extra += [f"/dav/books/all/no-such-{i}.vcf" for i in range(2000)]
extra += [f"/dav/books/all/{rnd.choice(uids)}.vcf" for i in range(1000)]
extra += ["/dav/books/all/other-only-1.vcf"] * 500
extra += [f"/dav/books/u{sys.argv[4]}/{rnd.choice(uids)}.vcf" for i in range(500)]
extra += ["/dav/books/all/%zz.vcf", "/dav/books/all/", "/elsewhere/x.vcf"] * 333
extra += ["/dav/books/all/a.vcf"]
for h in extra:
    hrefs.insert(rnd.randrange(len(hrefs) + 1), h)
assert len(hrefs) == 105000, len(hrefs)
with open(sys.argv[2], "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<C:addressbook-multiget '
            'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            '<D:prop><D:getetag/></D:prop>')
    for h in hrefs:
        f.write(f"<D:href>{h}</D:href>")
    f.write("</C:addressbook-multiget>\n")
pre = "/dav/books/all/"
with open(sys.argv[3], "w") as f:
    for h in hrefs:
        u = h[len(pre):-4] if h.startswith(pre) and h.endswith(".vcf") else None
        f.write(f"{h} {200 if u in shown else 404}\n")
EOF
size=$(wc -c <"$tmp/mg.xml")
echo "# multiget body: $size bytes"
start
code=$(curl -s -o /dev/null -w '%{http_code}' -X REPORT -H 'Depth: 1' \
	--data-binary @"$tmp/mg.xml" "http://127.0.0.1:$port/dav/books/all/")
[ "$code" = 401 ] && ok "multiget of $size bytes without a login: 401" ||
	notok "multiget of $size bytes without a login: 401 (got $code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -u r@big:wrong-pass -X REPORT \
	-H 'Depth: 1' --data-binary @"$tmp/mg.xml" "http://127.0.0.1:$port/dav/books/all/")
[ "$code" = 401 ] && ok "... with a wrong password: 401" ||
	notok "... with a wrong password: 401 (got $code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$U" -H 'Content-Type: application/vnd.syncml+xml' \
	--data-binary @"$tmp/mg.xml" "http://127.0.0.1:$port/sync")
[ "$code" = 413 ] && ok "... the same body to /sync: 413 (max-body)" ||
	notok "... the same body to /sync: 413 (max-body) (got $code)"
out=$($PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/mg.xml" whole "$tmp/mg.out")
[ "$out" = "207 chunked complete" ] && ok "... with its login: 207, streamed, complete" ||
	notok "... with its login: 207, streamed, complete (got: $out)"
$PY - "$tmp/mg.out" "$tmp/mg.want" <<'EOF' >"$tmp/mg.check"
import re, sys
body = open(sys.argv[1], encoding="utf-8").read()
got = [(h.replace("&amp;", "&"), s) for h, s in re.findall(
    r"<D:response><D:href>([^<]*)</D:href>.*?<D:status>HTTP/1.1 (\d+)", body)]
want = [tuple(l.split()) for l in open(sys.argv[2])]
bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
print(len(got), len(want), len(bad), sum(1 for w in want if w[1] == "404"))
for i in bad[:5]:
    print("#", i, got[i], want[i])
EOF
read -r ngot nwant nbad n404 <"$tmp/mg.check"
[ "$ngot" = 105000 ] && [ "$nwant" = 105000 ] && [ "$nbad" = 0 ] &&
	ok "... 105,000 answers in the order asked, $n404 of them 404 (unknown, hidden, other enterprise, other book, malformed)" ||
	{ notok "... 105,000 answers in the order asked (got $ngot, $nbad wrong)"; sed 1d "$tmp/mg.check"; }

# -- one snapshot; a writer is not blocked; the WAL is held meanwhile ------------
last=$(tail -1 "$tmp/uids" | cut -d'|' -f1)
last_hidden=$(tail -1 "$tmp/uids" | cut -d'|' -f2)
[ "$last_hidden" = 0 ] || last=$(grep '|0$' "$tmp/uids" | tail -1 | cut -d'|' -f1)
rm -f "$tmp/ctl"
mkfifo "$tmp/ctl"
$PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" stall 1000000 \
	<"$tmp/ctl" >"$tmp/stall.out" &
cpid=$!
exec 3>"$tmp/ctl"
i=0
while ! grep -q stalled "$tmp/stall.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
t0=$(date +%s%N)
ob person update --tenant big "$last" --title "Changed Mid-Stream" >/dev/null &&
	ok "a write while a client is halfway through: committed" ||
	notok "a write while a client is halfway through: committed"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 5000 ] && ok "... without waiting for the reader (${ms} ms)" ||
	notok "... without waiting for the reader (${ms} ms)"
if [ "$db_backend" = sqlite ]; then
	[ "$(wal_busy)" = 1 ] && ok "... the WAL is held by the answer's snapshot meanwhile" ||
		notok "... the WAL is held by the answer's snapshot meanwhile"
fi
echo "rest $tmp/rest.xml" >&3
exec 3>&-
wait "$cpid"
cpid=""
grep -q "207 chunked complete" "$tmp/stall.out" && ok "... the answer then ends complete" ||
	notok "... the answer then ends complete ($(cat "$tmp/stall.out"))"
grep -c "Changed Mid-Stream" "$tmp/rest.xml" >"$tmp/n" || true
[ "$(cat "$tmp/n")" = 0 ] && grep -q ":all:[0-9a-f]*:$rev</D:sync-token>" "$tmp/rest.xml" &&
	ok "... as of before the write: old card, old revision's token" ||
	notok "... as of before the write: old card, old revision's token"
if [ "$db_backend" = sqlite ]; then
	i=0
	while [ "$(wal_busy)" != 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(wal_busy)" = 0 ] && ok "... and the WAL is let go after it" ||
		notok "... and the WAL is let go after it"
fi

# -- a client that goes away mid-answer ------------------------------------------
cuts=$(grep -c 'REPORT /dav/books/all/ .* cut' "$tmp/server.log")
rm -f "$tmp/ctl"
mkfifo "$tmp/ctl"
$PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" stall 500000 \
	<"$tmp/ctl" >"$tmp/stall.out" &
cpid=$!
exec 3>"$tmp/ctl"
i=0
while ! grep -q stalled "$tmp/stall.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
threads=$(status_of Threads)
echo close >&3
exec 3>&-
wait "$cpid"
cpid=""
i=0
while [ "$(grep -c 'REPORT /dav/books/all/ .* cut' "$tmp/server.log")" = "$cuts" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 100 ] && ok "the client went away: the answer was cut (logged)" ||
	notok "the client went away: the answer was cut (logged)"
sleep 0.3
out=$($PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" whole "$tmp/again.xml")
[ "$out" = "207 chunked complete" ] && [ "$(status_of Threads)" -le "$threads" ] &&
	ok "... its worker is free: the next big answer takes it (no new thread)" ||
	notok "... its worker is free: the next big answer takes it ($out; $(status_of Threads) threads, $threads before)"
if [ "$db_backend" = sqlite ]; then
	[ "$(wal_busy)" = 0 ] && ok "... its read snapshot ended (the WAL checkpoints)" ||
		notok "... its read snapshot ended (the WAL checkpoints)"
fi
ob person update --tenant big "$last" --title "Changed Again" >/dev/null &&
	ok "... a writer goes on" || notok "... a writer goes on"
stop_server

# -- a client that stops reading and stays: the deadline ---------------------------
# long enough for the write below even when the machine is loaded (the
# deadline runs from the answer's start); the cut is waited for in the log
start --stream-timeout 6
cuts=$(grep -c 'REPORT /dav/books/all/ .* cut' "$tmp/server.log")
rm -f "$tmp/ctl"
mkfifo "$tmp/ctl"
$PY "$CLIENT" "$port" "$U" REPORT /dav/books/all/ "$tmp/sync.xml" stall 500000 \
	<"$tmp/ctl" >"$tmp/stall.out" &
cpid=$!
exec 3>"$tmp/ctl"
i=0
while ! grep -q stalled "$tmp/stall.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
ob person update --tenant big "$last" --title "Changed Thrice" >/dev/null
if [ "$db_backend" = sqlite ]; then
	[ "$(wal_busy)" = 1 ] && ok "a silent client: the snapshot is held at first" ||
		notok "a silent client: the snapshot is held at first"
fi
i=0
while [ "$(grep -c 'REPORT /dav/books/all/ .* cut' "$tmp/server.log")" = "$cuts" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ "$db_backend" = sqlite ]; then
	[ "$(wal_busy)" = 0 ] && ok "... stream-timeout 6: let go after it" ||
		notok "... stream-timeout 6: let go after it"
fi
echo "rest $tmp/rest.xml" >&3
exec 3>&-
wait "$cpid"
cpid=""
grep -q "207 chunked cut" "$tmp/stall.out" && ok "... and the client sees a cut answer, no last chunk" ||
	notok "... and the client sees a cut answer, no last chunk ($(cat "$tmp/stall.out"))"
stop_server
tap_done
