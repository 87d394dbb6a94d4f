#!/bin/sh
# orgbook-admin migrate end to end: the demo in SQLite, a device synced
# against it, migrated into PostgreSQL; the device fast-syncs against the
# new store, the export is the same, and the hostile cases are refused.
if ! grep -q '^#define HAVE_LIBPQ 1' ./config.h 2>/dev/null; then
	echo "1..0 # SKIP built without libpq (configure --with-postgresql)"
	exit 0
fi
top=${top_srcdir:-.}
. "$top/tests/lib/pg.sh"
pg_start || { echo "1..0 # SKIP $pg_why"; exit 0; }
A=$PWD/admin/orgbook-admin
S=$PWD/server/orgbook-server
tmp=$(mktemp -d)
chmod 755 "$tmp"
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
start() {
	rm -f "$tmp/p"
	"$S" "$@" --listen 127.0.0.1 --port 0 --admin-port 0 --port-file "$tmp/p" 2>>"$tmp/log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/p" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/p")/sync"
}
stop() { kill "$spid"; wait "$spid"; }
sync() { python3 "$top/tests/integration/smlclient.py" --url "$url" --user zhang.wei@acme --password orgbook-demo --state "$tmp/S" --device D1; }
# northwind signs in with basic authentication
sync2() { python3 "$top/tests/integration/smlclient.py" --url "$url" --user anna@northwind --password northwind-demo --state "$tmp/S2" --device D2; }
echo "1..12"
ORGBOOK_ADMIN=$A sh "$top/testdata/load-demo.sh" "$tmp/o.db" >/dev/null 2>&1
# a unit moved under one created after it: its parent's id is higher
"$A" --db "$tmp/o.db" unit add --tenant acme 后来部门 >/dev/null
"$A" --db "$tmp/o.db" unit move --tenant acme 人力资源部 后来部门 >/dev/null
"$A" --db "$tmp/o.db" unit list --tenant acme >"$tmp/u1"
"$A" --db "$tmp/o.db" export --tenant acme --format json >"$tmp/e1"
start --db "$tmp/o.db"
sync >"$tmp/r1"
sync2 >"$tmp/q1"
stop
"$A" migrate --to "$OB_TEST_DB_URL" --key-file "$tmp/k" >/dev/null 2>&1
ok $([ $? = 1 ]; echo $?) "no --from: usage error"
"$A" migrate --from "$tmp/o.db" --to "$tmp/x.db" --key-file "$tmp/k" >/dev/null 2>&1
ok $([ $? = 1 ]; echo $?) "--to not a PostgreSQL URI: usage error"
echo other >"$tmp/k"
"$A" migrate --from "$tmp/o.db" --to "$OB_TEST_DB_URL" --key-file "$tmp/k" >/dev/null 2>&1
ok $([ $? = 4 ]; echo $?) "a different key file: refused"
rm -f "$tmp/k"
"$A" migrate --from "$tmp/o.db" --to "$OB_TEST_DB_URL" --key-file "$tmp/k" >"$tmp/counts"
ok $? "migrate"
grep -q '^person  *344  *344$' "$tmp/counts"
ok $? "the count table says 344 people on both sides"
"$A" migrate --from "$tmp/o.db" --to "$OB_TEST_DB_URL" --key-file "$tmp/k" >/dev/null 2>"$tmp/err2"
ok $([ $? = 4 ] && grep -q "not empty" "$tmp/err2"; echo $?) "a non-empty destination: refused"
"$A" --db "$OB_TEST_DB_URL" --key-file "$tmp/k" export --tenant acme --format json >"$tmp/e2"
cmp -s "$tmp/e1" "$tmp/e2"
ok $? "the export is the same"
"$A" --db "$OB_TEST_DB_URL" --key-file "$tmp/k" unit list --tenant acme >"$tmp/u2"
cmp -s "$tmp/u1" "$tmp/u2"
ok $? "the unit tree is the same (a unit moved under a newer one)"
start --db "$OB_TEST_DB_URL" --key-file "$tmp/k"
sync >"$tmp/r2"
stop
grep -q '"alert_status": 200, "mode": 200,.*"adds": 0,' "$tmp/r2"
ok $? "the device fast-syncs on PostgreSQL (MD5 login, no adds)"
start --db "$OB_TEST_DB_URL" --key-file "$tmp/k"
sync2 >"$tmp/q2"
grep -q '"alert_status": 200, "mode": 200,.*"adds": 0,' "$tmp/q2"
ok $? "northwind's device fast-syncs too (basic login)"
"$A" --db "$OB_TEST_DB_URL" --key-file "$tmp/k" person update --tenant acme \
	demo-000001 --title "迁移后的职位" >/dev/null
sync >"$tmp/r3"
grep -q '"alert_status": 200, "mode": 200,.*"adds": 0, "replaces": 1, "deletes": 0,' "$tmp/r3"
ok $? "an edit on PostgreSQL reaches the device as exactly one Replace"
# ids made on PostgreSQL after the copy do not collide with copied ones
"$A" --db "$OB_TEST_DB_URL" --key-file "$tmp/k" unit add --tenant acme 新部门/新组 >/dev/null
ok $? "new units get fresh ids after the copy"
stop
rm -rf "$tmp"
