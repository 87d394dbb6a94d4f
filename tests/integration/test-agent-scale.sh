#!/bin/sh
# orgbook-agent against the real orgbook-server with a large directory
# (testdata/gen-directory.py, 10,000 people): a slow sync over WBXML with
# the server's string table (its replies decode to far more than 16x their
# bytes, which the agent once refused with "message tree larger than",
# exit 5) and one over XML, then a later sync that brings an admin's
# change. Each time the agent's export must equal the directory's
# (tests/interop/cardcompare.py: count and every person's fields).
# Under valgrind (OB_VALGRIND=1) the directory is 2,000 people, still past
# the old bound, so the case stays within ~30 s; 100,000 people over WBXML
# is `make soak` (OB_PEOPLE=100000). Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
CMP="$top_srcdir/tests/interop/cardcompare.py"
GEN="$top_srcdir/testdata/gen-directory.py"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
. "$top_srcdir/tests/lib/tap.sh"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ob() { "$ADMIN" --db "$db" "$@"; }
VG=""
people=${OB_PEOPLE:-10000}
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
	people=${OB_PEOPLE:-2000}
fi
agent() { d=$1; shift; $VG "$AGENT" --dir "$tmp/$d" "$@"; }
same() {
	name=$1 d=$2
	mkdir -p "$tmp/cmp"
	rm -f "$tmp/cmp"/*
	agent "$d" export --format vcf30 >"$tmp/cmp/agent.vcf"
	ob export --tenant big --format vcf30 >"$tmp/server.vcf" 2>/dev/null
	if o=$($PY "$CMP" "$tmp/cmp" "$tmp/server.vcf"); then ok "$name"; else
		notok "$name"
		echo "$o" | tail -5 | sed 's/^/# /'
	fi
}

$PY "$GEN" --people "$people" --out "$tmp/gen" >/dev/null
ob init >/dev/null
ob enterprise create big --display "Big 集团" >/dev/null
echo big-secret | ob account create --tenant big reader@big --password-stdin >/dev/null
check "import $people people" 0 ob import --tenant big "$tmp/gen/people.csv"
# the directory's visible people: the agent gets these
visible=$(ob export --tenant big --format vcf30 2>/dev/null | grep -c "^BEGIN:VCARD")
echo "# $visible visible people"

rm -f "$tmp/ports"
"$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" 2>>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"

for enc in wbxml xml; do
	flag=""
	[ $enc = wbxml ] && flag=--wbxml
	check "init an agent over $enc" 0 sh -c "echo big-secret | '$AGENT' --dir '$tmp/$enc' init --server '$url' --user reader@big --password-stdin $flag"
	check "slow sync of $people people over $enc" 0 agent $enc sync
	has "$enc: everyone arrives" "slow sync: $visible added"
	same "$enc: the agent's copy equals the directory" $enc
done
grep -q "sync done.*mode=slow adds=$visible .*encoding=wbxml+table " "$tmp/server.log" &&
	ok "the server sent the WBXML sync with its string table" ||
	notok "the server sent the WBXML sync with its string table ($(grep 'sync done' "$tmp/server.log" | head -2))"

uid=$(sed -n '2s/,.*//p' "$tmp/gen/people.csv")
ob person update --tenant big "$uid" --title "总经理助理" >/dev/null
for enc in wbxml xml; do
	check "$enc: two-way sync after a change" 0 agent $enc sync
	has "$enc: exactly the change arrives" "two-way sync: 0 added, 1 updated, 0 deleted"
	same "$enc: equal after the change" $enc
done

if [ -n "$VG" ]; then
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "valgrind is clean"
		cat "$tmp"/vg.* | head -20 | sed 's/^/# /'
	else ok "valgrind is clean"; fi
fi
echo "1..$n"
exit $failed
