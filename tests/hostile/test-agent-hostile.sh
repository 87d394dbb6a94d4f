#!/bin/sh
# orgbook-agent against a server that misbehaves on purpose (issue 12,
# items 6 to 8): the real orgbook-server on loopback behind
# hostile-proxy.py, which rewrites its replies.
# - RespURI to another port, to gopher://, from a pinned HTTPS server to
#   plain HTTP: refused with exit 5 and the URI named, and a listener on
#   the other address sees no connection; same-origin RespURIs (other
#   case, relative) are still followed.
# - A malformed card, one over the size cap and one without a server id
#   among good ones, also as large objects (chunks): exit 7, the summary
#   counts and names them, the server hears an error status for each, the
#   good cards of the same message are stored and found, the bad ones not;
#   the next sync brings them.
# - agent.conf readable by others or owned by someone else: refused with
#   exit 2, the file, its mode and the fix named.
# - Under umask 000 the agent still creates its directory 0700 and its
#   files 0600.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=/usr/bin/python3
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
PROXY="$top_srcdir/tests/hostile/hostile-proxy.py"
CMP="$top_srcdir/tests/interop/cardcompare.py"
tmp=$(mktemp -d)
db="$tmp/orgbook.db"
. "$top_srcdir/tests/lib/tap.sh"
spid=""
ppid_=""
kpid=""
cleanup() {
	for p in $spid $ppid_ $kpid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${OB_TEST_KEEP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
ob() { "$ADMIN" --db "$db" "$@"; }
VG=""
if [ -n "${OB_VALGRIND:-}" ]; then
	VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --log-file=$tmp/vg.%p"
fi
agent() { d=$1; shift; $VG "$AGENT" --dir "$tmp/$d" "$@"; }
init() { d=$1; shift; echo orgbook-demo | $VG "$AGENT" --dir "$tmp/$d" init --user zhang.wei@acme --password-stdin "$@"; }
# wait_file FILE: until it exists (at most 15 s)
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}
# same NAME DIR: the agent's copy == the directory
same() {
	mkdir -p "$tmp/cmp"
	rm -f "$tmp/cmp"/*
	agent "$2" export --format vcf30 >"$tmp/cmp/agent.vcf"
	ob export --tenant acme --format vcf30 >"$tmp/server.vcf" 2>/dev/null
	if o=$($PY "$CMP" "$tmp/cmp" "$tmp/server.vcf"); then ok "$1"; else
		notok "$1"
		echo "$o" | tail -5 | sed 's/^/# /'
	fi
}
people() { agent "$1" status | sed -n 's/^people: *//p'; }

ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$db" >/dev/null
"$SERVER" --db "$db" --listen 127.0.0.1 --port 0 --admin-port off \
	--port-file "$tmp/ports" 2>>"$tmp/server.log" &
spid=$!
wait_file "$tmp/ports" || { notok "the server starts"; tap_done; }
url="http://127.0.0.1:$(cut -d' ' -f1 "$tmp/ports")/sync"
n_dir=$(ob person list --tenant acme | wc -l)

# a listener that must never hear from the agent
$PY "$PROXY" sink "$tmp/sink.port" "$tmp/sink.log" &
kpid=$!
wait_file "$tmp/sink.port" || { notok "the sink starts"; tap_done; }
sink=$(cat "$tmp/sink.port")
# proxy MODE [CERT KEY]: (re)start the rewriting proxy; sets $purl
proxy() {
	[ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null && wait "$ppid_" 2>/dev/null
	rm -f "$tmp/proxy.port" "$tmp/proxy.port.plain" "$tmp/proxy.port.refused"
	$PY "$PROXY" proxy "$tmp/proxy.port" "$url" "$@" &
	ppid_=$!
	wait_file "$tmp/proxy.port" || notok "the proxy starts ($1)"
	pport=$(cat "$tmp/proxy.port")
}
nothing_at_sink() {
	if [ -s "$tmp/sink.log" ]; then
		notok "$1"
		sed 's/^/# /' "$tmp/sink.log"
		: >"$tmp/sink.log"
	else ok "$1"; fi
}

# -- item 6: RespURI ----------------------------------------------------------
proxy pass
check "init an agent behind the proxy" 0 init h --server "http://127.0.0.1:$pport/sync"
# every proxy listens on a port of its own: point the agent at it
use_proxy() { sed -i "s|^server=.*|server=http://127.0.0.1:$pport/sync|" "$tmp/${1:-h}/agent.conf"; }
check "a sync through the proxy works" 0 agent h sync
has "a first, slow sync" "slow sync: $n_dir added"
before=$(people h)
ob person update --tenant acme demo-000002 --title "RespURI test" >/dev/null
for t in "port:http://127.0.0.1:$sink/sync{q}" \
	"gopher:gopher://127.0.0.1:$sink/_POST%20/sync%20HTTP/1.1" \
	"host:http://localhost:{self}/sync{q}" \
	"authority:http://127.0.0.1:{self}@127.0.0.1:$sink/sync{q}"; do
	kind=${t%%:*}
	ru=${t#*:}
	proxy "respuri=$ru"
	use_proxy
	check "RespURI to another $kind: refused, exit 5" 5 agent h sync
	has "RespURI to another $kind: the message names the URI" \
		"RespURI '$(echo "$ru" | sed "s/{self}/$pport/; s/{q}.*//")"
	nothing_at_sink "RespURI to another $kind: nothing reached the other address"
done
[ "$(people h)" = "$before" ] && ok "refused RespURIs: the local copy is unchanged" ||
	notok "refused RespURIs: the local copy is unchanged ($(people h), was $before)"
proxy "respuri=HTTP://127.0.0.1:{self}/sync{q}"
use_proxy
check "RespURI of the same origin in capitals: followed" 0 agent h sync
has "the change arrived" "1 updated"
ob person update --tenant acme demo-000002 --title "RespURI test 2" >/dev/null
proxy "respuri=/sync{q}"
use_proxy
check "relative RespURI: resolved against the server, followed" 0 agent h sync
has "the change arrived through it" "1 updated"
same "behind a rewriting proxy: the agent equals the directory" h

# HTTPS with a pinned key, then a RespURI to plain HTTP on the same port
certtool --generate-privkey --key-type ecdsa --outfile "$tmp/key.pem" >/dev/null 2>&1
printf 'cn = localhost\nexpiration_days = 2\ntls_www_server\nip_address = 127.0.0.1\n' >"$tmp/cert.tmpl"
certtool --generate-self-signed --load-privkey "$tmp/key.pem" --template "$tmp/cert.tmpl" \
	--outfile "$tmp/cert.pem" >/dev/null 2>&1
pin=$(certtool --pubkey-info --load-certificate "$tmp/cert.pem" 2>/dev/null | sed -n 's/^[[:space:]]*pin-sha256://p')
proxy pass "$tmp/cert.pem" "$tmp/key.pem"
check "init a pinned HTTPS agent" 0 init t --server "https://127.0.0.1:$pport/sync" --pin "sha256//$pin"
check "a pinned HTTPS sync works" 0 agent t sync
before=$(people t)
for ru in "http://127.0.0.1:{self}/sync{q}" "http://127.0.0.1:$sink/sync{q}"; do
	proxy "respuri=$ru" "$tmp/cert.pem" "$tmp/key.pem"
	sed -i "s|^server=.*|server=https://127.0.0.1:$pport/sync|" "$tmp/t/agent.conf"
	check "HTTPS to $ru: refused, exit 5" 5 agent t sync
	has "HTTPS to http: the message names the URI" "RespURI 'http://127.0.0.1:"
	if [ -s "$tmp/proxy.port.plain" ]; then
		notok "HTTPS to $ru: no plain-text request reached the server"
		sed 's/^/# /' "$tmp/proxy.port.plain"
	else ok "HTTPS to $ru: no plain-text request reached the server"; fi
	nothing_at_sink "HTTPS to $ru: nothing reached the other port"
done
[ "$(people t)" = "$before" ] && ok "refused downgrade: the local copy is unchanged" ||
	notok "refused downgrade: the local copy is unchanged"

# -- item 7: a malformed card and one over the size cap among good ones --------
proxy badcards
check "init an agent taking 4 MiB messages" 0 init b --server "http://127.0.0.1:$pport/sync" --max-msg 4194304
check "bad cards among good ones: the sync ends with exit 7" 7 agent b sync
echo "$out" | sed 's/^/# /'
mal=$(sed -n 's/^malformed //p' "$tmp/proxy.port.refused")
big=$(sed -n 's/^size //p' "$tmp/proxy.port.refused")
good=$(sed -n 's/^good \([^ ]*\) .*/\1/p' "$tmp/proxy.port.refused")
good_fn=$(sed -n 's/^good [^ ]* //p' "$tmp/proxy.port.refused")
noid=$(sed -n 's/^noid //p' "$tmp/proxy.port.refused")
[ -n "$mal" ] && [ -n "$big" ] && [ -n "$noid" ] && [ -n "$good" ] &&
	ok "the proxy broke three cards of one message" ||
	notok "the proxy broke three cards of one message"
has "the good ones are stored and counted" "slow sync: $((n_dir - 3)) added"
has "the summary counts the refused by reason" "3 items refused: 1 malformed vCard (server id $mal, line 4"
has "and the oversized one" "1 over the size cap of 1048576 bytes (server id $big, 12"
has "and the one without an id" "1 without a usable id (server id (none), an Add without a server id)"
check "the malformed card is not stored" 3 agent b show "$mal"
check "the oversized card is not stored" 3 agent b show "$big"
check "the card without an id is not stored" 3 agent b show "$noid"
check "a good card of the same message is stored" 0 agent b show "$good"
check "and found by its name" 0 agent b search "$good_fn"
has "the search lists it" "$good_fn"
[ "$(people b)" = "$((n_dir - 3))" ] && ok "all but the three refused cards are stored" ||
	notok "all but the three refused cards are stored ($(people b) of $n_dir)"
grep -q "client answered Add with 415" "$tmp/server.log" && ok "the server heard 415 for the malformed card" ||
	notok "the server heard 415 for the malformed card"
grep -q "client answered Add with 413" "$tmp/server.log" && ok "the server heard 413 for the oversized card" ||
	notok "the server heard 413 for the oversized card"
grep -q "client answered Add with 412" "$tmp/server.log" && ok "the server heard 412 for the card without an id" ||
	notok "the server heard 412 for the card without an id"
check "--help documents exit status 7" 0 "$AGENT" --help
has "--help: 7" "7 sync finished with refused items"
proxy pass
use_proxy b
check "the next sync: exit 0" 0 agent b sync
has "it is a slow sync" "slow sync: "
check "the malformed card came back" 0 agent b show "$mal"
check "the oversized card came back" 0 agent b show "$big"
check "the card without an id came back" 0 agent b show "$noid"
same "then the agent equals the directory" b
check "and the sync after is two-way again" 0 agent b sync
has "nothing left to bring" "two-way sync: 0 added, 0 updated, 0 deleted"

# the same as large objects (MoreData): an object that grows over the cap
# is refused once, whatever chunks follow; one whose rest never comes is
# refused when the next item starts
proxy badchunks
check "init another agent taking 4 MiB messages" 0 init c --server "http://127.0.0.1:$pport/sync" --max-msg 4194304
check "bad large objects: exit 7" 7 agent c sync
echo "$out" | sed 's/^/# /'
mal=$(sed -n 's/^malformed //p' "$tmp/proxy.port.refused")
big=$(sed -n 's/^size //p' "$tmp/proxy.port.refused")
has "the good ones are stored" "slow sync: $((n_dir - 2)) added"
has "the oversized object counted once" "1 over the size cap of 1048576 bytes (server id $big, at least 1200"
has "the unfinished object counted" "1 malformed vCard (server id $mal, a large object whose last chunk never came)"
has "two in all" "2 items refused:"
check "the oversized object is not stored" 3 agent c show "$big"
check "the unfinished object is not stored" 3 agent c show "$mal"
proxy pass
use_proxy c
check "the next sync brings both" 0 agent c sync
same "and the agent equals the directory" c

# -- item 8: agent.conf holds the password ------------------------------------
mode_is() { # NAME FILE MODE
	m=$(stat -c %a "$2" 2>/dev/null)
	[ "$m" = "$3" ] && ok "$1" || notok "$1 (mode ${m:-missing})"
}
check "init under umask 000" 0 sh -c "umask 000; echo orgbook-demo | $VG '$AGENT' --dir '$tmp/p' init --server '$url' --user zhang.wei@acme --password-stdin"
mode_is "umask 000: the data directory is 0700" "$tmp/p" 700
mode_is "umask 000: agent.conf is 0600" "$tmp/p/agent.conf" 600
mode_is "umask 000: directory.db is 0600" "$tmp/p/directory.db" 600
check "sync under umask 000" 0 sh -c "umask 000; $VG '$AGENT' --dir '$tmp/p' sync"
mode_is "umask 000: directory.db is still 0600 after a sync" "$tmp/p/directory.db" 600
for f in directory.db-wal directory.db-shm; do
	[ -e "$tmp/p/$f" ] && mode_is "umask 000: $f is 0600" "$tmp/p/$f" 600
done
conf="$tmp/p/agent.conf"
chmod 644 "$conf"
check "agent.conf mode 0644: sync refused, exit 2" 2 agent p sync
has "the refusal names the file" "$conf"
has "the refusal names the mode" "mode 0644"
has "the refusal names the fix" "chmod 600 $conf"
check "agent.conf mode 0644: status refused too" 2 agent p status
chmod 640 "$conf"
check "agent.conf readable by the group: refused" 2 agent p sync
has "names mode 0640" "mode 0640"
chmod 620 "$conf"
check "agent.conf writable by the group: refused" 2 agent p sync
has "says it can be changed" "can be changed by others (mode 0620)"
chmod 600 "$conf"
check "agent.conf 0600 again: the sync runs" 0 agent p sync
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$conf"
	check "agent.conf owned by another user: refused, exit 2" 2 agent p sync
	has "names the owner and the fix" "belongs to uid 65534, not to you (uid 0); refusing it. Fix: chown 0 $conf"
	chown 0 "$conf"
else
	ok "agent.conf owned by another user # SKIP not root, cannot chown"
	ok "names the owner and the fix # SKIP not root"
fi

if [ -n "$VG" ]; then
	if cat "$tmp"/vg.* 2>/dev/null | grep -q .; then
		notok "agent valgrind-clean"
		cat "$tmp"/vg.* | head -30 | sed 's/^/# /'
	else
		ok "agent valgrind-clean"
	fi
fi
tap_done
