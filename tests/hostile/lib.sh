# Sourced by the hostile tests: a fresh demo database in $tmp and
# orgbook-server on 127.0.0.1 (ports chosen by the kernel), under valgrind
# in the valgrind build. After start_server: $port $aport $url $spid.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/db.sh"
db_setup_tap "$tmp"
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null

# start_server [flags]: exits the test (TAP) when the server does not start
start_server() {
	rm -f "$tmp/ports"
	$VG "$SERVER" --db "$db" $DBKEYARGS --listen 127.0.0.1 --port 0 --admin-port 0 \
		--port-file "$tmp/ports" "$@" 2>>"$tmp/server.log" &
	spid=$!
	i=0
	while [ ! -s "$tmp/ports" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$tmp/ports" ]; then
		echo "1..1"
		echo "not ok 1 - the server starts"
		sed 's/^/# /' "$tmp/server.log"
		exit 1
	fi
	port=$(cut -d' ' -f1 "$tmp/ports")
	aport=$(cut -d' ' -f2 "$tmp/ports")
	url="http://127.0.0.1:$port/sync"
}

# stop_server: 0, or 1 when valgrind found errors (printed as TAP comments)
stop_server() {
	kill "$spid"
	wait "$spid"
	vg=$?
	spid=""
	if [ -n "$VG" ] && [ "$vg" -eq 99 ]; then
		echo "# valgrind:"
		sed 's/^/# /' "$tmp"/vg.*
		return 1
	fi
	if grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$tmp/server.log"; then
		echo "# sanitizer report in the server log:"
		grep -A20 "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$tmp/server.log" |
			head -40 | sed 's/^/# /'
		return 1
	fi
	return 0
}
