# A private PostgreSQL server for a test script (sourced; POSIX sh).
#   pg_start      initdb into a fresh temp dir and start the server there:
#                 unix socket in that dir only (no TCP listener), trust
#                 auth for the user "orgbook", C locale, UTF8, fsync off;
#                 sets OB_TEST_DB_URL (a libpq URI of database "postgres")
#                 and stops and removes it all when the script exits.
#                 Returns 77 (and says why in $pg_why) when there is no
#                 PostgreSQL server to start.
#                 PG_DURABLE=1 keeps fsync and synchronous commit on
#                 (benchmarks: the cost a deployment pays).
#   pg_stop       stop it now (the exit trap does it otherwise)
# As root (CI on a fresh Debian 12) the server runs as "nobody": postgres
# refuses to run as root.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=""
pg_why=""

pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate -s stop \
			>/dev/null 2>&1
		rm -rf "$pg_dir"
	fi
	pg_dir=""
}

pg_start() {
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		pg_why="no PostgreSQL server in $PG_BIN (apt-get install postgresql)"
		return 77
	fi
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/obpg.XXXXXX") || return 1
	trap pg_stop EXIT
	trap 'pg_stop; exit 1' INT TERM
	chmod 700 "$pg_dir"
	[ "$(id -u)" = 0 ] && chown nobody "$pg_dir"
	if ! pg_as "$PG_BIN/initdb" -D "$pg_dir/data" -U orgbook \
		--auth=trust --no-locale -E UTF8 --no-sync \
		>"$pg_dir/initdb.log" 2>&1; then
		pg_why="initdb failed: $(tail -3 "$pg_dir/initdb.log")"
		return 1
	fi
	# any port: with no TCP listener it only names the socket file
	port=$((20000 + $$ % 20000))
	pg_fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	[ -n "${PG_DURABLE:-}" ] && pg_fast=""
	if ! pg_as "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" \
		-w -t 30 -s -o "-k $pg_dir -p $port -c listen_addresses= \
		$pg_fast -c max_connections=40 -c max_pred_locks_per_transaction=256" \
		start >/dev/null 2>&1; then
		pg_why="PostgreSQL did not start: $(tail -3 "$pg_dir/server.log")"
		return 1
	fi
	# root's client reaches nobody's socket: the directory is the
	# server's own, root passes its mode
	OB_TEST_DB_URL="postgresql:///postgres?host=$pg_dir&port=$port&user=orgbook"
	export OB_TEST_DB_URL
	return 0
}

# pg_pause: stop the server (fast), keeping its data, socket dir and port.
# pg_resume: start it again there. For outage tests.
pg_pause() {
	pg_as "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m fast -w -s stop \
		>/dev/null 2>&1
}

pg_resume() {
	# the port pg_start chose (a caller may have reused $port)
	pg_port=${OB_TEST_DB_URL##*port=}
	pg_port=${pg_port%%&*}
	pg_as "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" \
		-w -t 30 -s -o "-k $pg_dir -p $pg_port -c listen_addresses= \
		$pg_fast -c max_connections=40 -c max_pred_locks_per_transaction=256" \
		start >/dev/null 2>&1
}
