#!/bin/sh
# One owner for a database: orgbook-admin and orgbook-server run as root
# on a database another user owns (the service's, user orgbook) leave the
# key file, -wal and -shm owned by that user; a database root creates in
# that user's folder is theirs too; a third user is refused with the fix
# rather than leave a key the owner cannot read; a key the owner cannot
# read is named in the error with the chown that mends it. Needs root
# (the suite runs as root here) and the user nobody; skipped otherwise.
# Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ADMIN="$top_builddir/admin/orgbook-admin"
SERVER="$top_builddir/server/orgbook-server"
AGENT="$top_builddir/agent/orgbook-agent"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (chown to another user)"
	exit 0
fi
if ! id nobody >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
	echo "1..0 # SKIP needs the user nobody and setpriv"
	exit 0
fi
. "$top_srcdir/tests/lib/tap.sh"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
ngid=$(id -g nobody)
nuid=$(id -u nobody)
# the binaries may sit in a root-only build tree: nobody runs copies
cp "$ADMIN" "$tmp/orgbook-admin"
chmod 755 "$tmp" "$tmp/orgbook-admin"
mkdir "$tmp/state"
chown nobody:"$ngid" "$tmp/state"
chmod 750 "$tmp/state"
db="$tmp/state/orgbook.db"
key="$db.key"
owner() { stat -c '%u:%g %a' "$1" 2>&1; }
as_nobody() { setpriv --reuid="$nuid" --regid="$ngid" --clear-groups "$@"; }
pw() { echo 'long-password-1' | "$@"; }

# root creates the database in nobody's folder (before the service's
# first start): it is nobody's
check "root: init in nobody's folder" 0 "$ADMIN" --db "$db" init
out=$(owner "$db")
has "the new database is nobody's, 0600" "$nuid:$ngid 600"
check "root: an MD5 enterprise" 0 "$ADMIN" --db "$db" enterprise create acme --md5-auth yes
check "no key file yet" 1 test -e "$key"
check "root: an account with a password creates the key" 0 \
	pw "$ADMIN" --db "$db" account create --tenant acme alice --password-stdin
out=$(owner "$key")
has "the key file is nobody's, 0600" "$nuid:$ngid 600"
check "nobody (the service) reads the key root created" 0 \
	pw as_nobody "$tmp/orgbook-admin" --db "$db" account create --tenant acme bob --password-stdin
out=$(find "$tmp/state" -user 0)
check "no file of root's left in the folder (-wal, -shm)" 0 test -z "$out"

# A database nobody made; root's orgbook-server keeps -wal and -shm
# (SQLite's own) nobody's while it runs.
db2="$tmp/state/two.db"
check "nobody: init" 0 as_nobody "$tmp/orgbook-admin" --db "$db2" init
check "root: an MD5 enterprise on nobody's database" 0 "$ADMIN" --db "$db2" enterprise create beta --md5-auth yes
check "root: a password on nobody's database" 0 \
	pw "$ADMIN" --db "$db2" account create --tenant beta carol --password-stdin
out=$(owner "$db2.key")
has "that key file is nobody's too" "$nuid:$ngid 600"
"$SERVER" --db "$db2" --listen 127.0.0.1 --port 0 --admin-listen 127.0.0.1 \
	--admin-port 0 --port-file "$tmp/ports" >"$tmp/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "root: the server runs on nobody's database" 0 test -s "$tmp/ports"
out=$(owner "$db2-wal")
has "-wal beside it is nobody's" "$nuid:$ngid 600"
out=$(owner "$db2-shm")
has "-shm beside it is nobody's" "$nuid:$ngid 600"
kill "$pid"
wait "$pid"
pid=""
out=$(find "$tmp/state" -user 0)
check "nothing in the folder is root's" 0 test -z "$out"

# What older versions left: the key root's. The service (nobody) refuses
# MD5 logins, and its log names the key file and the fix.
chown root:root "$db2.key"
cp "$SERVER" "$tmp/orgbook-server"
chmod 755 "$tmp/orgbook-server"
rm -f "$tmp/ports"
as_nobody "$tmp/orgbook-server" --db "$db2" --listen 127.0.0.1 --port 0 \
	--admin-port off --port-file "$tmp/state/ports" >"$tmp/server2.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/state/ports" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(cut -d' ' -f1 "$tmp/state/ports")
check "an MD5 login with the key unreadable is refused" 4 sh -c \
	"echo long-password-1 | '$AGENT' --dir '$tmp/agent' init --server http://127.0.0.1:$port/sync --user carol --password-stdin --md5 && '$AGENT' --dir '$tmp/agent' sync"
kill "$pid"
wait "$pid"
pid=""
out=$(cat "$tmp/server2.log")
has "the log names the key file" "no MD5 secret for the account: $db2.key: Permission denied"
has "the log gives the fix" "chown --reference=$db2 $db2.key"
chown nobody:"$ngid" "$db2.key"

# A key nobody cannot read (what older versions left): the error names
# the key and the fix.
db3="$tmp/state/three.db"
check "nobody: init a third" 0 as_nobody "$tmp/orgbook-admin" --db "$db3" init
check "nobody: MD5 enterprise" 0 as_nobody "$tmp/orgbook-admin" --db "$db3" enterprise create gamma --md5-auth yes
head -c 32 /dev/urandom >"$db3.key"
chmod 600 "$db3.key"
check "nobody: a root-owned key refused" 5 \
	pw as_nobody "$tmp/orgbook-admin" --db "$db3" account create --tenant gamma dave --password-stdin
has "the key file named" "$db3.key: Permission denied"
has "the fix given" "chown --reference=$db3 $db3.key"

# A third user who may write the database (group) but is not its owner
# is refused before creating a key its owner could not read.
rm -f "$db3.key"
chgrp daemon "$tmp/state" "$db3"
chmod 770 "$tmp/state"
chmod 660 "$db3"
check "daemon: refused to create the key" 2 \
	pw setpriv --reuid=daemon --regid=daemon --clear-groups "$tmp/orgbook-admin" --db "$db3" account create --tenant gamma erin --password-stdin
has "the refusal says whose it is" "belongs to uid $nuid"
has "the refusal gives the fix" "run this as the database's owner"
check "no key file left by the refusal" 1 test -e "$db3.key"
tap_done
