#!/bin/sh
# Accounts against the real server (issue 14): the last sign-in is set by
# a SyncML sync and by a web sign-in, not by a refused one; a one-time
# reset link made by orgbook-admin sets a password through the admin
# listener's /reset page, once: afterwards the old password is refused
# and the new one works for a SyncML sync (basic and MD5) and a web
# sign-in; a used, garbled or huge token gets the one refusal.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
CLIENT="$top_srcdir/tests/integration/smlclient.py"
tmp=$(mktemp -d)
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
# sync NAME USER PASSWORD [client options]
sync() {
	st=$1 user=$2 pw=$3
	shift 3
	res=$($PY "$CLIENT" --url "$url" --user "$user" --password "$pw" \
		--state "$tmp/$st.json" --device "dev-$st" "$@" 2>&1)
}
# the account's "last sign-in" column of account list
last() { ob account list --tenant acme | awk -v l="$1" '$1 == l { print $4 }'; }
# http METHOD PATH [BODY]: status code into $code, body into $tmp/body
http() {
	if [ $# -gt 2 ]; then
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$1" \
			--data-binary "$3" "$admin$2")
	else
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' "$admin$2")
	fi
}
body_has() { grep -q -F "$1" "$tmp/body"; }

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
"$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-listen 127.0.0.1 \
	--admin-port 0 --port-file "$tmp/ports" 2>"$tmp/server.log" &
spid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"
admin="http://127.0.0.1:$(cut -d' ' -f2 "$tmp/ports")"

u=zhang.wei@acme
[ "$(last $u)" = never ] && ok "a new account never signed in" ||
	notok "a new account never signed in ($(last $u))"
sync a $u wrong-password --mode slow
[ "$(field status)" = auth-401 ] && ok "a wrong password is refused" ||
	notok "a wrong password is refused ($res)"
[ "$(last $u)" = never ] && ok "a refused sync sets no last sign-in" ||
	notok "a refused sync sets no last sign-in ($(last $u))"
sync a $u orgbook-demo --mode slow
[ "$(field mode)" = 201 ] && ok "a slow sync" || notok "a slow sync ($res)"
t1=$(last $u)
case "$t1" in 20*Z) ok "the sync set the last sign-in ($t1)" ;;
*) notok "the sync set the last sign-in ($t1)" ;; esac

# one write per session, not per message: count the UPDATEs of
# last_login with a trigger of the test's own, over a sync of many
# small messages
$PY -c "import sqlite3; d=sqlite3.connect('$db'); d.executescript('CREATE TABLE ll_writes (n); CREATE TRIGGER ll_count AFTER UPDATE OF last_login ON account BEGIN INSERT INTO ll_writes VALUES (1); END;'); d.close()"
sync m $u orgbook-demo --mode slow --max-msg 4000
msgs=$(field messages)
writes=$($PY -c "import sqlite3; print(sqlite3.connect('$db').execute('SELECT count(*) FROM ll_writes').fetchone()[0])")
[ "$(field mode)" = 201 ] && [ "${msgs:-0}" -gt 5 ] && [ "$writes" = 1 ] &&
	ok "a sync of $msgs messages writes the last sign-in once" ||
	notok "a sync of $msgs messages writes the last sign-in once ($writes writes; $res)"
$PY -c "import sqlite3; d=sqlite3.connect('$db'); d.executescript('DROP TRIGGER ll_count; DROP TABLE ll_writes;'); d.close()"

# the web: a refused sign-in leaves the administrator's never
http POST /login "login=admin@acme&password=wrong-password"
[ "$code" = 401 ] && ok "a wrong web password is refused" ||
	notok "a wrong web password is refused ($code)"
[ "$(last admin@acme)" = never ] && ok "a refused web sign-in sets nothing" ||
	notok "a refused web sign-in sets nothing ($(last admin@acme))"

# a reset link for the user and one for the administrator
check "reset link" 0 ob account reset-link $u --url "$admin"
link=$(printf '%s\n' "$out" | grep '/reset?token=')
tok=${link##*token=}
check "reset link: 64 hex" 0 test "${#tok}" -eq 64
http GET "/reset?token=$tok"
[ "$code" = 200 ] && body_has "Set a password" && ok "the link opens the form, no session" ||
	notok "the link opens the form, no session ($code)"
http POST /reset "token=$tok&password=new-demo-pw&password2=new-demo-pw"
[ "$code" = 200 ] && body_has "Password set" && ok "the form sets the password" ||
	notok "the form sets the password ($code)"
http POST /reset "token=$tok&password=third-demo-pw&password2=third-demo-pw"
[ "$code" = 404 ] && body_has "invalid or has expired" && ok "a used link is refused" ||
	notok "a used link is refused ($code)"
http GET "/reset?token=$tok"
[ "$code" = 404 ] && ok "a used link does not open the form" ||
	notok "a used link does not open the form ($code)"
for bad in "" "x" "%00" "$tok$tok" "$(printf '%02000d' 7)"; do
	http GET "/reset?token=$bad"
	[ "$code" = 404 ] && body_has "invalid or has expired" || {
		notok "a garbled token gets the one refusal (${#bad} bytes: $code)"
		continue
	}
	ok "a garbled token gets the one refusal (${#bad} bytes)"
done
kill -0 "$spid" 2>/dev/null && ok "the server is still up" || notok "the server is still up"

sync b $u orgbook-demo --mode slow
[ "$(field status)" = auth-401 ] && ok "the old password no longer syncs" ||
	notok "the old password no longer syncs ($res)"
sync b $u new-demo-pw --mode slow
[ "$(field mode)" = 201 ] && ok "the new password syncs" ||
	notok "the new password syncs ($res)"
sync c $u new-demo-pw --mode slow --md5
[ "$(field mode)" = 201 ] && ok "the new password syncs with MD5 too" ||
	notok "the new password syncs with MD5 too ($res)"
sync d $u orgbook-demo --mode slow --md5
[ "$(field status)" = auth-401 ] && ok "the old password fails MD5" ||
	notok "the old password fails MD5 ($res)"

check "reset link for the administrator" 0 ob account reset-link admin@acme --url "$admin" --hours 1
tok=$(printf '%s\n' "$out" | sed -n 's|.*/reset?token=||p')
http POST /reset "token=$tok&password=new-admin-pw&password2=new-admin-pw"
[ "$code" = 200 ] && ok "the administrator's password set" || notok "the administrator's password set ($code)"
http POST /login "login=admin@acme&password=orgbook-admin-demo"
[ "$code" = 401 ] && ok "the old web password is refused" ||
	notok "the old web password is refused ($code)"
http POST /login "login=admin@acme&password=new-admin-pw"
[ "$code" = 303 ] && ok "the new web password signs in" ||
	notok "the new web password signs in ($code)"
case "$(last admin@acme)" in 20*Z) ok "the web sign-in set the last sign-in" ;;
*) notok "the web sign-in set the last sign-in ($(last admin@acme))" ;; esac
grep -q "reset link used" "$tmp/server.log" && ok "the server log has the use" ||
	notok "the server log has the use"
grep -q -F "$tok" "$tmp/server.log" && notok "the token is not logged" ||
	ok "the token is not logged"
tap_done
