#!/bin/sh
# kill -9 of orgbook-admin in the middle of a large import: afterwards the
# database passes its integrity check, the enterprise's revision and people
# are exactly as before, and the same import then succeeds in full.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ADMIN="$top_builddir/admin/orgbook-admin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/k.db"
n=0
failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

/usr/bin/python3 "$top_srcdir/testdata/gen-directory.py" --people 30000 \
	--seed 5 --out "$tmp/big" >/dev/null
"$ADMIN" --db "$db" enterprise create k >/dev/null
"$ADMIN" --db "$db" import --tenant k "$top_srcdir/testdata/demo/northwind/people.csv" >/dev/null
before_rev=$("$ADMIN" --db "$db" enterprise list | awk '{print $3}')
before_people=$("$ADMIN" --db "$db" person list --tenant k --all | wc -l)

"$ADMIN" --db "$db" import --tenant k "$tmp/big/people.csv" >"$tmp/out" 2>&1 &
pid=$!
# wait until the import is writing (the WAL grows), at most 60 s
i=0
while [ $i -lt 600 ]; do
	size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
	[ "$size" -gt 400000 ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
killed=$?
ok "$([ $killed -eq 137 ] && echo 0 || echo 1)" "import killed mid-transaction (exit $killed)"

check=$(/usr/bin/sqlite3 "$db" "PRAGMA integrity_check; PRAGMA foreign_key_check;")
ok "$([ "$check" = ok ] && echo 0 || echo 1)" "integrity check after kill -9 ($check)"
after_rev=$("$ADMIN" --db "$db" enterprise list | awk '{print $3}')
after_people=$("$ADMIN" --db "$db" person list --tenant k --all | wc -l)
ok "$([ "$after_rev" = "$before_rev" ] && echo 0 || echo 1)" "revision unchanged ($before_rev -> $after_rev)"
ok "$([ "$after_people" = "$before_people" ] && echo 0 || echo 1)" "people unchanged ($before_people -> $after_people)"

out=$("$ADMIN" --db "$db" import --tenant k "$tmp/big/people.csv" 2>&1)
case "$out" in
*"30000 rows: 30000 added"*) ok 0 "the same import then succeeds in full" ;;
*) ok 1 "the same import then succeeds in full: $out" ;;
esac
echo "1..$n"
exit $failed
