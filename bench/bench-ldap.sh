#!/bin/sh
# make bench-ldap: desk-phone LDAP searches on 100,000 people (BENCH_PEOPLE),
# orgbook-server's LDAP listener side by side with OpenLDAP slapd (mdb,
# indexed as tests/interop/slapd.sh does) on the same data: the generated
# directory (testdata/gen-directory.py) imported into a store, and its
# JSON export as LDIF (tests/interop/ldif.py) slapadd-ed into slapd.
# bench/bench-ldap (the client) runs, on each server in turn (the other
# stopped):
#   name    (|(cn=zh*)(sn=zh*)) sizeLimit 50, what a Yealink sends for
#           "zh"; slapd has no pinyin matching, so it gets
#           (|(cn=zh*)(sn=zh*)(orgbookPinyin=zh*)), the same hits
#   number  (|(telephoneNumber=X)(mobile=X)(homePhone=X)), X the caller id
#           of an incoming call ("+8613187791542"), 1,000 people's numbers
#           in turn
# with 1 client and with 200 concurrent clients, each on its own
# connection bound as its own account (Orgbook: 200 accounts; slapd: 200
# people given a userPassword). Prints one table: p50/p99 latency, the
# searches per second, the server's CPU per search (utime + stime, all
# threads, over the searches only) and searches per CPU-second. Each
# server first gets one untimed search (reported: Orgbook builds its
# tree then).
# Without an LDAP listener in orgbook-server, slapd's rows only.
#   bench-ldap.sh   (run from the build directory; BENCH_SEARCHES: per
#                    client with 1 client, default 2000; with 200 clients
#                    each sends a tenth of that)
set -u
top_srcdir=${top_srcdir:-.}
people=${BENCH_PEOPLE:-100000}
searches=${BENCH_SEARCHES:-2000}
PY=/usr/bin/python3
ADMIN=./admin/orgbook-admin
SERVER=./server/orgbook-server
CLIENT=./bench/bench-ldap
. "$top_srcdir/tests/interop/slapd.sh"
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	slapd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
ob() { "$ADMIN" --db "$tmp/ob.db" "$@"; }
say() { echo "bench-ldap: $*" >&2; }

say "generating $people people"
$PY "$top_srcdir/testdata/gen-directory.py" --people "$people" --out "$tmp/gen" \
	--uid-prefix p >/dev/null || exit 1
ob init >/dev/null
ob enterprise create bench --display "Bench 集团" >/dev/null
ob import --tenant bench "$tmp/gen/people.csv" >/dev/null || exit 1
{
	echo login,role
	i=0
	while [ $i -lt 200 ]; do
		echo "u$i@bench,user"
		i=$((i + 1))
	done
} >"$tmp/acc.csv"
ob account import --tenant bench "$tmp/acc.csv" 2>/dev/null |
	sed -n 's/^\(u[0-9]*@bench\),\(.*\)$/\1\t\2/p' >"$tmp/ob-accounts" || exit 1
ob export --tenant bench --format json --no-photos >"$tmp/bench.json"
# slapd's LDIF: 200 people get a password; their DNs bind; the numbers
$PY - "$top_srcdir/tests/interop" "$tmp" <<'EOF' || exit 1
import json, sys
sys.path.insert(0, sys.argv[1])
import ldif
tmp = sys.argv[2]
ents = ldif.entries(json.load(open(tmp + "/bench.json", encoding="utf-8")),
                    "bench", None, "Bench 集团")
accounts, numbers, k = [], [], 0
for dn, a in ents:
    if "inetOrgPerson" in a["objectClass"]:
        if len(accounts) < 200:
            a["userPassword"] = ["bench-%d" % len(accounts)]
            accounts.append("%s\t%s" % (dn, a["userPassword"][0]))
        k += 1
        if k % 97 == 0 and len(numbers) < 1000:
            v = (a.get("mobile") or a.get("telephoneNumber") or [""])[0]
            if v:
                numbers.append(v.replace(" ", "").replace("-", ""))
with open(tmp + "/bench.ldif", "w", encoding="utf-8") as f:
    ldif.write_ldif(ents, f)
open(tmp + "/slapd-accounts", "w").write("\n".join(accounts) + "\n")
open(tmp + "/numbers", "w").write("\n".join(numbers) + "\n")
EOF

rows=""
first=""
# run SERVER-NAME PORT PID ACCOUNTS EXTRA: the four rows of one server,
# after one untimed name search (its wall time into $first: a cold
# server's first search, which builds Orgbook's in-memory tree)
run() {
	t0=$(date +%s%N)
	# shellcheck disable=SC2086 # $5 is one option or none
	"$CLIENT" --port "$2" --accounts "$4" --base dc=bench --kind name \
		--clients 1 --searches 1 $5 >/dev/null 2>&1
	t1=$(date +%s%N)
	first="$first$1 $(((t1 - t0) / 1000000)) ms; "
	for kind in name number; do
		for clients in 1 200; do
			n=$searches
			[ "$clients" = 1 ] || n=$((searches / 10))
			[ "$n" -ge 1 ] || n=1
			extra=""
			[ "$kind" = name ] && extra=$5
			# shellcheck disable=SC2086 # extra is one option or none
			r=$("$CLIENT" --port "$2" --pid "$3" --accounts "$4" \
				--base dc=bench --kind $kind --clients $clients \
				--searches $n --numbers "$tmp/numbers" $extra 2>"$tmp/client.err")
			[ -n "$r" ] || r="- - - - - $(head -1 "$tmp/client.err")"
			rows="$rows$1 $kind $clients $r
"
		done
	done
}

say "slapd: slapadd of $people people"
SLAPD_CERT="" slapd_start "$tmp/slapd" dc=bench "$tmp/bench.ldif" || exit 1
say "slapd: searching"
run slapd "$slapd_port" "$slapd_pid" "$tmp/slapd-accounts" --pinyin
slapd_stop

if timeout 5 "$SERVER" --ldap yes --port bogus 2>&1 | grep -q "unknown setting 'ldap'"; then
	say "orgbook-server has no LDAP listener: slapd's rows only"
else
	"$SERVER" --db "$tmp/ob.db" --listen 127.0.0.1 --port 0 --admin-port off \
		--ldap yes --ldap-listen 127.0.0.1 --ldap-port 0 \
		--ldap-max-connections-per-ip 1000 \
		--log-level warn --port-file "$tmp/ports" 2>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	say "orgbook: searching"
	run orgbook "$(cut -d' ' -f3 "$tmp/ports")" "$spid" "$tmp/ob-accounts" ""
	kill "$spid" && wait "$spid"
	spid=""
fi

echo "LDAP searches, $people people (bench-ldap; latency from the request to SearchResultDone)"
echo "the first search of a cold server, bind included: $first"
printf '%-8s %-7s %7s %9s %9s %10s %12s %12s %8s %6s\n' server search clients \
	"p50 ms" "p99 ms" searches/s "CPU us/srch" "srch/CPU-s" entries errors
printf '%s' "$rows" | while read -r srv kind cl p50 p99 rate cpu ent err; do
	if [ "$cpu" = - ] || [ "$cpu" = 0.0 ]; then per=-; else
		per=$(awk -v c="$cpu" 'BEGIN { printf "%.0f", 1e6 / c }')
	fi
	printf '%-8s %-7s %7s %9s %9s %10s %12s %12s %8s %6s\n' "$srv" "$kind" \
		"$cl" "$p50" "$p99" "$rate" "$cpu" "$per" "$ent" "$err"
done
