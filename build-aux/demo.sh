#!/bin/sh
# The README's first command: install what is needed, build Orgbook, load
# the demo directory into an embedded SQLite database and start the server
# on 127.0.0.1. Run as root on Debian 12, from the source folder.
#   OB_DEMO_DIR   where the database and key live (default ./run)
#   OB_PORT       SyncML port (default 8080); OB_ADMIN_PORT (default 8081)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
run=${OB_DEMO_DIR:-$top/run}
port=${OB_PORT:-8080}
admin_port=${OB_ADMIN_PORT:-8081}

sh build-aux/install-deps.sh
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p build
if [ ! -f build/Makefile ]; then
	(cd build && ../configure -q CFLAGS="-O2 -g")
fi
make -s -C build -j"$(nproc 2>/dev/null || echo 2)"

mkdir -p "$run"
chmod 700 "$run"
db="$run/orgbook.db"
if [ ! -f "$db" ]; then
	echo "demo: loading the demo directory into $db"
	ORGBOOK_ADMIN="$top/build/admin/orgbook-admin" \
		sh testdata/load-demo.sh "$db"
fi

acct() { sed -n "s/^$1=//p" testdata/demo/accounts.txt; }
server="$top/build/server/orgbook-server"
admin="$top/build/admin/orgbook-admin --db $db"
if [ ! -x "$server" ]; then
	# The SyncML server is not part of this build yet: show the directory
	# and how to work with it.
	$admin unit list --tenant acme
	cat <<MSG

Orgbook demo directory loaded into $db
  enterprises: acme ($(acct admin) / $(acct admin_password), user $(acct user) / $(acct user_password))
               northwind (user $(acct user2) / $(acct user2_password))
  try:   $admin person list --tenant acme --unit 销售部
         $admin export --tenant acme --format vcf30 --output acme.vcf
         $admin changes --tenant acme --since 0 --log
MSG
	exit 0
fi
cat <<MSG

Orgbook demo
  SyncML URL:   http://127.0.0.1:$port/sync
  Web admin:    http://127.0.0.1:$admin_port/  (sign in as $(acct admin))
  Health:       http://127.0.0.1:$admin_port/healthz  (and /metrics)
  .vcf export:  curl -u $(acct user):$(acct user_password) "http://127.0.0.1:$port/export.vcf?format=vcf30"
  Accounts:     $(acct user) / $(acct user_password) (acme user)
                $(acct admin) / $(acct admin_password) (acme admin)
                $(acct user2) / $(acct user2_password) (northwind user)
  Database:     $db
Stop with Ctrl-C.
MSG
exec "$server" --db "$db" --listen 127.0.0.1 --port "$port" \
	--admin-port "$admin_port"
