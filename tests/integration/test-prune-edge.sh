#!/bin/sh
# The change log pruned up to a device's own revision (what housekeeping
# does when a device seen inside the retention window holds pruning back:
# lib/dirstore/changes.c dstore_prune stops at that device's revision)
# against the real server: the device's next sync is a fast one (mode 200)
# with exactly the change made since, not a needless slow sync of the
# whole directory; a device one revision behind the pruned history gets
# the slow sync (508 refresh-required, mode 201), and orgbook-admin
# device list says which is which before either syncs. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
tmp=$(mktemp -d)
VG=""
[ -z "${OB_VALGRIND:-}" ] || VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
db="$tmp/orgbook.db"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/tap.sh"
ob() { "$ADMIN" --db "$db" "$@"; }
field() {
	printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$1'))"
}
# sync NAME: device dev-NAME of zhang.wei, its state in $tmp/NAME.json
sync() {
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/$1.json" --device "dev-$1" 2>&1)
}
rev_of() { sqlite3 "$db" "SELECT rev FROM sync_state WHERE device = 'dev-$1'"; }
state_of() { ob device list --tenant acme --json | $PY -c '
import json, sys
for d in json.load(sys.stdin):
    if d["device"] == sys.argv[1]:
        print("past" if d["past_retention"] else "kept")' "dev-$1"; }

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
$VG "$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port off \
	--housekeeping-interval 3600 --port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"

sync behind
ob person add --tenant acme --uid prune-edge-1 --name "Prune Edge One" >/dev/null
sync edge
[ "$(field status)" = ok ] && [ "$(field mode)" = 201 ] &&
	ok "first syncs: slow" || notok "first syncs: slow ($res)"
r=$(rev_of edge)
rb=$(rev_of behind)
[ "$rb" -lt "$r" ] && ok "one device at revision $r, one at $rb" ||
	notok "one device at revision $r, one at $rb"
# what dstore_prune leaves when dev-edge holds it back: history up to r gone
sqlite3 "$db" "DELETE FROM change_log WHERE tenant_id = (SELECT id FROM tenant WHERE name = 'acme') AND rev <= $r; UPDATE tenant SET pruned_rev = $r WHERE name = 'acme';"
ob person add --tenant acme --uid prune-edge-2 --name "Prune Edge Two" >/dev/null
[ "$(state_of edge)" = kept ] && [ "$(state_of behind)" = past ] &&
	ok "device list: the device at the pruned revision is inside, the other past" ||
	notok "device list: inside / past ($(state_of edge) / $(state_of behind))"
sync edge
[ "$(field status)" = ok ] && [ "$(field mode)" = 200 ] && [ "$(field adds)" = 1 ] &&
	ok "the device at the pruned revision: a fast sync with the one new person" ||
	notok "the device at the pruned revision: a fast sync with the one new person ($res)"
sync behind
[ "$(field status)" = ok ] && [ "$(field mode)" = 201 ] &&
	ok "the device behind the pruned history: a slow sync" ||
	notok "the device behind the pruned history: a slow sync ($res)"
grep -q 'change history pruned' "$tmp/server.log" &&
	ok "... logged with its reason" || notok "... logged with its reason"
kill "$spid"
wait "$spid"
rc=$?
spid=""
[ "$rc" = 0 ] && ok "server exits cleanly" || notok "server exits cleanly ($rc)"
if [ -n "$VG" ]; then
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "valgrind: the server is clean"
		head -30 "$tmp"/vg.* | sed 's/^/# /'
	else
		ok "valgrind: the server is clean"
	fi
fi
tap_done
