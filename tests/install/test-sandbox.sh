#!/bin/sh
# orgbook-server under the unit's sandbox as far as it can be had without
# systemd as PID 1: run as nobody with no capabilities, no_new_privs and
# UMask=0027 (setpriv), traced (strace -f) through HTTPS (GnuTLS) syncs
# with MD5 logins, /healthz, /metrics, SQLite WAL, housekeeping and a
# SIGTERM stop. Every system call it made must pass the unit's
# SystemCallFilter (@system-service minus @privileged @resources, as
# systemd-analyze expands them); every socket() must be AF_UNIX, AF_INET
# or AF_INET6 (RestrictAddressFamilies); no mapping may be writable and
# executable (MemoryDenyWriteExecute). Needs root, strace, setpriv,
# certtool, curl and systemd-analyze; skipped otherwise. Prints TAP.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
UNIT_IN="$top_srcdir/server/orgbook-server.service.in"
for t in strace setpriv certtool curl systemd-analyze; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "1..0 # SKIP needs $t"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and the user nobody"
	exit 0
fi
. "$top_srcdir/tests/lib/tap.sh"
tmp=$(mktemp -d)
spid=""
srv=""
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; [ -n "$spid" ] && kill "$spid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cp "$SERVER" "$tmp/orgbook-server"
mkdir "$tmp/state"
ORGBOOK_ADMIN="$ADMIN" sh "$top_srcdir/testdata/load-demo.sh" "$tmp/state/orgbook.db" >/dev/null 2>&1
chown -R nobody: "$tmp/state"
chmod 750 "$tmp/state"
val() { sed -n "s/^$1=//p" "$top_srcdir/testdata/demo/accounts.txt"; }

# a self-signed certificate for 127.0.0.1
cat >"$tmp/cert.cfg" <<EOF
cn = 127.0.0.1
ip_address = 127.0.0.1
expiration_days = 2
tls_www_server
EOF
certtool --generate-privkey --key-type ecdsa --outfile "$tmp/key.pem" 2>/dev/null
certtool --generate-self-signed --load-privkey "$tmp/key.pem" \
	--template "$tmp/cert.cfg" --outfile "$tmp/cert.pem" 2>/dev/null
chmod 644 "$tmp/key.pem"

# the unit's own values, read from the unit
filter=$(sed -n 's/^SystemCallFilter=//p' "$UNIT_IN")
check "the unit filters @system-service minus @privileged @resources" 0 \
	test "$filter" = "@system-service
~@privileged @resources"
expand() {
	systemd-analyze syscall-filter "$1" | sed -n '2,$p' | sed 's/^ *//' |
		grep -v '^#' | grep -v '^$' | while read -r s; do
		case "$s" in @*) expand "$s" ;; *) echo "$s" ;; esac
	done
}
expand @system-service | sort -u >"$tmp/allow"
{ expand @privileged; expand @resources; } | sort -u >"$tmp/deny"
comm -23 "$tmp/allow" "$tmp/deny" >"$tmp/ok"
check "the filter expands to a list" 0 test "$(wc -l <"$tmp/ok")" -gt 200

cd "$tmp"
# LeakSanitizer cannot run under ptrace (a sanitizer build)
(umask 027 && ASAN_OPTIONS=detect_leaks=0 exec strace -f -q -o "$tmp/trace" \
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	--no-new-privs --inh-caps=-all --bounding-set=-all \
	"$tmp/orgbook-server" --db "$tmp/state/orgbook.db" --listen 127.0.0.1 \
	--port 0 --admin-listen 127.0.0.1 --admin-port 0 --cert "$tmp/cert.pem" \
	--key "$tmp/key.pem" --housekeeping-interval 1 \
	--port-file "$tmp/state/ports") >"$tmp/server.log" 2>&1 &
spid=$!
i=0
while [ ! -s "$tmp/state/ports" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the server starts sandboxed" 0 test -s "$tmp/state/ports"
# the server is strace's child (setpriv became it): signals go to it
srv=$(pgrep -P "$spid" | head -1)
read -r port aport <"$tmp/state/ports"
check "/healthz over HTTPS" 0 curl -sf --cacert "$tmp/cert.pem" "https://127.0.0.1:$aport/healthz"
check "/metrics over HTTPS" 0 curl -sf --cacert "$tmp/cert.pem" -o /dev/null "https://127.0.0.1:$aport/metrics"
url="https://127.0.0.1:$port/sync"
user=$(val user)
check "agent init (HTTPS, MD5, WBXML)" 0 sh -c "val() { sed -n \"s/^\$1=//p\" '$top_srcdir/testdata/demo/accounts.txt'; }; val user_password | '$AGENT' --dir '$tmp/a' init --server '$url' --user '$user' --password-stdin --md5 --wbxml --ca-file '$tmp/cert.pem'"
check "first sync (slow)" 0 "$AGENT" --dir "$tmp/a" sync
check "second sync (two-way, nothing new)" 0 "$AGENT" --dir "$tmp/a" sync
"$ADMIN" --db "$tmp/state/orgbook.db" person update --tenant acme "$(sed -n 2p "$top_srcdir/testdata/demo/acme/people.csv" | cut -d, -f1)" --title "Sandboxed" >/dev/null 2>&1
check "a sync bringing a change" 0 "$AGENT" --dir "$tmp/a" sync
sleep 2 # a housekeeping sweep or two
kill -TERM "$srv"
wait "$spid"
# strace pads the pid to the width of the largest (two spaces before
# +++ for a four-digit pid on a machine whose pids reach five)
check "the server stops cleanly on SIGTERM" 0 grep -q "^$srv  *+++ exited with 0 +++" "$tmp/trace"
srv=""
spid=""
check "it wrote the database as nobody" 0 test "$(stat -c %U "$tmp/state/orgbook.db")" = nobody

# Only the server's calls: strace's own start (the setpriv process)
# ends at its execve of the server; setpriv's setresuid etc. come first.
awk 'f; /execve\(".*orgbook-server"/ { f = 1 }' "$tmp/trace" >"$tmp/server.trace"
check "the trace has the server's calls" 0 test "$(wc -l <"$tmp/server.trace")" -gt 500
sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$tmp/server.trace" | sort -u >"$tmp/used"
out=$(comm -23 "$tmp/used" "$tmp/ok" | tr '\n' ' ')
check "every system call passes the filter (${out:-none outside})" 0 test -z "$out"
out=$(grep -o 'socket(AF_[A-Z0-9]*' "$tmp/server.trace" | sort -u | sed 's/socket(//' | grep -v -x -e AF_UNIX -e AF_INET -e AF_INET6 | tr '\n' ' ')
check "sockets only AF_UNIX, AF_INET, AF_INET6 (${out:-none other})" 0 test -z "$out"
out=$(grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE\|PROT_EXEC|PROT_EXEC\|PROT_WRITE' "$tmp/server.trace" | head -3)
check "no writable and executable mapping" 0 test -z "$out"
tap_done
