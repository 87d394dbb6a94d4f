#!/bin/sh
# orgbook-agent against a third-party SyncML server: SyncEvolution's own
# syncevo-http-server (Debian syncevolution-http) serving a file-backend
# address book, on a private session D-Bus, bound to 127.0.0.1. The agent
# slow-syncs it, then receives an edit, a delete and an add made on the
# server's side, and finds people in its copy. Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/lib/slow.sh"
top_builddir=${top_builddir:-.}
AGENT="$top_builddir/agent/orgbook-agent"
tmp=$(mktemp -d)
pgid=""
cleanup() {
	[ -n "$pgid" ] && kill -- "-$pgid" 2>/dev/null
	# the bus daemonizes: stop what it started, then the bus
	if [ -s "$tmp/dbus.pid" ]; then
		bus=$(cat "$tmp/dbus.pid")
		pkill -P "$bus" 2>/dev/null
		kill "$bus" 2>/dev/null
	fi
	sleep 0.2
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/tests/lib/tap.sh"
for cmd in syncevolution dbus-daemon; do
	command -v $cmd >/dev/null || { echo "1..1"; echo "not ok 1 - $cmd is not installed"; exit 1; }
done
[ -e /usr/bin/syncevo-http-server ] || { echo "1..1"; echo "not ok 1 - syncevolution-http is not installed"; exit 1; }

export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
	XDG_DATA_HOME="$tmp/home/.local/share" XDG_CACHE_HOME="$tmp/home/.cache"
mkdir -p "$HOME" "$tmp/ab"
card() {
	printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nN:%s;%s;;;\r\nFN:%s\r\nTEL;TYPE=CELL:%s\r\nEMAIL:%s\r\nORG:Example;Lab\r\nEND:VCARD\r\n' "$1" "$2" "$3" "$4" "$5"
}
card Tester Ada "Ada Tester" "+49 170 555 0001" ada@example.org >"$tmp/ab/1.vcf"
card Tester Bob "Bob Tester" "+49 170 555 0002" bob@example.org >"$tmp/ab/2.vcf"
card 李 雷 李雷 "+86 139 1234 5678" li.lei@example.cn >"$tmp/ab/3.vcf"
# the server side: a peer for the agent's device, its address book in files
syncevolution --configure --template "SyncEvolution Client" keyring=no \
	username=agent password=agent-password remoteDeviceId=orgbook-agent-test \
	agentpeer >"$tmp/cfg.log" 2>&1
syncevolution --configure backend=file database="file://$tmp/ab" \
	databaseFormat=text/vcard sync=two-way uri=contacts \
	agentpeer addressbook >>"$tmp/cfg.log" 2>&1
syncevolution --configure sync=disabled agentpeer calendar memo todo >>"$tmp/cfg.log" 2>&1
port=$(/usr/bin/python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
# private D-Bus and the server in one process group
setsid sh -c "
	export DBUS_SESSION_BUS_ADDRESS=\$(dbus-daemon --session --print-address=1 --print-pid=3 --fork --nopidfile 3>'$tmp/dbus.pid')
	exec /usr/bin/python3 '$top_srcdir/tests/interop/syncevo-server.py' http://127.0.0.1:$port/syncevolution
" >"$tmp/server.log" 2>&1 &
spid=$!
i=0
while ! grep -q "listening on port" "$tmp/server.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pgid=$(ps -o pgid= -p $spid | tr -d ' ')
grep -q "listening on port" "$tmp/server.log" && ok "syncevo-http-server runs on 127.0.0.1:$port" ||
	{ notok "syncevo-http-server runs"; cat "$tmp/server.log" | head -20 | sed 's/^/# /'; }

check "agent init" 0 sh -c "echo agent-password | '$AGENT' --dir '$tmp/agent' init --server http://127.0.0.1:$port/syncevolution --user agent --password-stdin --device orgbook-agent-test"
check "first sync with SyncEvolution's server" 0 "$AGENT" --dir "$tmp/agent" sync
has "everyone arrives in a slow sync" "slow sync: 3 added"
check "search by pinyin initials" 0 "$AGENT" --dir "$tmp/agent" search ll
has "李雷 found" "李雷"
check "caller ID" 0 "$AGENT" --dir "$tmp/agent" lookup-number 5678
has "found by number" "李雷"
sed -i 's/Bob Tester/Robert Tester/; s/N:Tester;Bob/N:Tester;Robert/' "$tmp/ab/2.vcf"
touch -d "+3 seconds" "$tmp/ab/2.vcf"
rm "$tmp/ab/1.vcf"
card 王 新 王新 "+86 139 0000 4242" wang.xin@example.cn >"$tmp/ab/4.vcf"
check "two-way sync" 0 "$AGENT" --dir "$tmp/agent" sync
has "exactly the server's changes" "two-way sync: 1 added, 1 updated, 1 deleted; 3 people"
check "the edit arrived" 0 "$AGENT" --dir "$tmp/agent" search robert
check "the delete arrived" 3 "$AGENT" --dir "$tmp/agent" search ada
check "the add arrived" 0 "$AGENT" --dir "$tmp/agent" search 王新
check "nothing changed" 0 "$AGENT" --dir "$tmp/agent" sync
has "a sync without changes" "two-way sync: 0 added, 0 updated, 0 deleted"
check "wrong password refused (4)" 0 sh -c "echo wrong | '$AGENT' --dir '$tmp/bad' init --server http://127.0.0.1:$port/syncevolution --user agent --password-stdin --device orgbook-agent-test"
check "wrong password: exit 4" 4 "$AGENT" --dir "$tmp/bad" sync
echo "1..$n"
exit $failed
