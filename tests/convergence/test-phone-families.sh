#!/bin/sh
# Recorded phone-shaped sequences (testdata/syncml/phone-*/: Nokia, Sony
# Ericsson, Motorola) through slow -> fast -> stale -> slow against the real
# orgbook-server on the demo directory; after every sync the simulated
# phone must hold exactly the directory's view (tests/convergence/phones.py).
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
spid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -n "${OB_KEEP_TMP:-}" ] && echo "# kept $tmp" && return
	rm -rf "$tmp"
}
trap cleanup EXIT

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full"
	VG="$VG --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi
$VG "$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" --max-photo 65536 --log-level debug \
	2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"

fams=""
# phone-moto-v3@2048: the Motorola at MaxMsgSize 2048, where a card with
# everything (~1,050 bytes of 2.1 quoted-printable) meets 993 free bytes:
# it must arrive with what the phone's CTCap lists
for f in ${OB_PHONES:-phone-nokia-6630 phone-se-c510 phone-moto-v3 phone-moto-v3@2048}; do
	fams="$fams --family $top_srcdir/testdata/syncml/$f"
done
# shellcheck disable=SC2086
$PY "$top_srcdir/tests/convergence/phones.py" --url "$url" --admin "$ADMIN" \
	--db "$db" --user zhang.wei@acme --password orgbook-demo \
	--log "$tmp/phones.log" $fams >"$tmp/tap"
rc=$?
n=$(grep -c '^\(not \)\?ok ' "$tmp/tap")
grep -v '^1\.\.' "$tmp/tap"
n=$((n + 1))
san="runtime error\|AddressSanitizer\|LeakSanitizer"
if grep -qi "$san" "$tmp/server.log"; then
	echo "not ok $n - server log free of sanitizer reports"
	grep -i -A5 "$san" "$tmp/server.log" | head -30 | sed 's/^/# /'
	rc=1
else
	echo "ok $n - server log free of sanitizer reports"
fi
if [ -n "$VG" ]; then
	kill "$spid" && wait "$spid"
	spid=""
	n=$((n + 1))
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		echo "not ok $n - server valgrind-clean"
		cat "$tmp"/vg.* | head -40 | sed 's/^/# /'
		rc=1
	else
		echo "ok $n - server valgrind-clean"
	fi
fi
echo "1..$n"
if [ $rc -ne 0 ]; then
	echo "# phones.log (each sync; OB_KEEP_TMP=1 keeps the whole log):"
	grep -v '^  applied' "$tmp/phones.log" | tail -60 | sed 's/^/# /'
	echo "# server.log (info and warnings, tail):"
	grep -v '^debug:' "$tmp/server.log" | tail -30 | sed 's/^/# /'
fi
exit $rc
