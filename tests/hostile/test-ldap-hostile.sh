#!/bin/sh
# orgbook-server's LDAP listener against hostile clients (ldapprobe.py):
# a bind trickled byte by byte is cut at ldap-request-timeout, a silent
# connection at ldap-idle-timeout (each with a Notice of Disconnection),
# a request claiming 100 KB before a bind is refused before its body,
# bytes that are no LDAPMessage end the connection, connections over
# ldap-max-connections-per-ip are refused busy while another address is
# served, a search among 300 trickling connections still answers within
# a second, a client that asks for 20,000 people and never reads is cut
# while others are served, and six wrong passwords throttle the login.
# The server's log must hold no sanitizer report. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
PROBE="$top_srcdir/tests/hostile/ldapprobe.py"
GEN="$top_srcdir/testdata/gen-directory.py"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null
VG=""
[ -n "${OB_VALGRIND:-}" ] &&
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
ob() { "$ADMIN" --db "$db" "$@"; }

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
$PY "$GEN" --people 20000 --out "$tmp/gen" >/dev/null
ob enterprise create big --display "Big" >/dev/null
echo big-secret-1 | ob account create --tenant big reader@big --password-stdin >/dev/null
echo throttle-pw-1 | ob account create --tenant big victim@big --password-stdin >/dev/null
ob import --tenant big "$tmp/gen/people.csv" >/dev/null

# shellcheck disable=SC2086
$VG "$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port off \
	--ldap yes --ldap-listen 0.0.0.0 --ldap-port 0 \
	--ldap-request-timeout 2 --ldap-idle-timeout 2 \
	--ldap-max-connections-per-ip 10 --ldap-max-connections 600 \
	--port-file "$tmp/ports" 2>>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cut -d' ' -f3 "$tmp/ports")
[ -n "$port" ] && ok "server up with LDAP on $port" || {
	notok "server up"
	cat "$tmp/server.log" | sed 's/^/# /'
	tap_done
}

probe() {
	name=$1
	shift
	out=$($PY "$PROBE" "$@" 2>&1)
	case "$out" in ok:*) ok "$name: ${out#ok: }" ;; *)
		notok "$name"
		tap_show
		;;
	esac
}
# the big tenant warmed up first (its tree is built at the first search)
probe "a normal search" search "$port" reader@big big-secret-1 dc=big
probe "slowloris bind" slow "$port"
probe "idle connection" idle "$port"
probe "oversized request before a bind" big "$port"
probe "not LDAP" garbage "$port"
probe "per-address limit" perip "$port" 10
probe "a crowd of trickling connections" crowd "$port" 300 reader@big big-secret-1 dc=big
probe "a client that never reads" noread "$port" reader@big big-secret-1 dc=big
probe "failed binds throttled" throttle "$port" victim@big throttle-pw-1

kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=""
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$tmp/server.log" ||
	{ [ -n "$VG" ] && grep -qs 'ERROR SUMMARY: [1-9]' "$tmp"/vg.*; }; then
	notok "server log free of sanitizer reports"
	grep -m5 'ERROR\|runtime error' "$tmp/server.log" | sed 's/^/# /'
else ok "server log free of sanitizer reports"; fi
grep -q 'ldap: request too slow; closed' "$tmp/server.log" &&
	ok "the slow request's cut is logged" ||
	notok "the slow request's cut is logged"
grep -q 'ldap search base="dc=big" cut: the client left' "$tmp/server.log" &&
	ok "the reader that never reads was cut mid-answer" ||
	notok "the reader that never reads was cut mid-answer"
tap_done
