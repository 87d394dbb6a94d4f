#!/bin/sh
# A full disk: the database on a small tmpfs, filled to the last block.
# A sync then gets a SyncML 503 its client understands (not an HTTP 500),
# /healthz says the disk is full, nothing half-written is left, and once
# space returns the server recovers by itself: /healthz ok, the same
# client syncs the whole directory. Needs root (mount); prints TAP.
. "${top_srcdir:-.}/tests/hostile/lib.sh"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
VIEW="$top_srcdir/tests/integration/viewcheck.py"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP mounting a tmpfs needs root"
	exit 0
fi
tfs="$tmp/tfs"
mkdir -p "$tfs"
if ! mount -t tmpfs -o size=48m tmpfs "$tfs"; then
	echo "1..0 # SKIP cannot mount a tmpfs here"
	exit 0
fi
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	umount "$tfs" 2>/dev/null
	rm -rf "$tmp"
}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
cp "$db" "$db.key" "$tfs/"
db="$tfs/orgbook.db"
start_server --min-free-space 1048576
health() { curl -s -o "$tmp/health" -w '%{http_code}' "http://127.0.0.1:$aport/healthz"; }
sync() {
	res=$($PY "$CLIENT" --url "$url" --user zhang.wei@acme \
		--password orgbook-demo --state "$tmp/phone.json" --device phone "$@")
}
field() { printf '%s' "$res" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

check "healthy before" '[ "$(health)" = 200 ]'
dd if=/dev/zero of="$tfs/filler" bs=1M 2>/dev/null
dd if=/dev/zero of="$tfs/filler2" bs=4k 2>/dev/null
check "a full disk: /healthz 503 naming it" \
	'[ "$(health)" = 503 ] && grep -q "disk full" "$tmp/health"'
sync --mode slow
check "a sync on a full disk gets the SyncML status 503 ($res)" \
	'[ "$(field status)" = hdr-503 ]'
check "the server names the store failure in its log" \
	'grep -q "answered 503" "$tmp/server.log"'
curl -s "http://127.0.0.1:$aport/metrics" >"$tmp/metrics"
check "and counts it" \
	'grep -q "^orgbook_store_unavailable_total [1-9]" "$tmp/metrics"'
check "the server is still running" 'kill -0 "$spid"'
rm -f "$tfs/filler" "$tfs/filler2"
i=0
while [ "$(health)" != 200 ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "space back: /healthz ok again by itself ($(cat "$tmp/health"))" \
	'[ "$(health)" = 200 ]'
sync --mode slow
check "the same phone then syncs ($res)" \
	'[ "$(field status)" = ok ] && [ "$(field adds)" = 311 ]'
"$ADMIN" --db "$db" export --tenant acme --format vcf30 >"$tmp/export.vcf" 2>/dev/null
check "its copy equals the directory" \
	'$PY "$VIEW" "$tmp/phone.json" "$tmp/export.vcf" >"$tmp/view.out"'
sync
check "and its next sync is a fast one with nothing to send ($res)" \
	'[ "$(field mode)" = 200 ] && [ "$(field adds)" = 0 ]'
check "the database is intact" \
	'[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ]'
stop_server || failed=1
echo "1..$n"
exit $failed
