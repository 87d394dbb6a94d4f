#!/bin/sh
# make bench-pg: the sync benchmark's slow sync and fast syncs on both
# back ends, one after the other on this machine: SQLite, then a private
# PostgreSQL 15 (tests/lib/pg.sh, fsync and synchronous commit on, as a
# deployment runs it). Server CPU is orgbook-server's own; PostgreSQL's
# backends are other processes and not in it.
#   bench-pg.sh [PEOPLE]   (default 100000)
people=${1:-100000}
top=${top_srcdir:-.}
if ! grep -q '^#define HAVE_LIBPQ 1' ./config.h 2>/dev/null; then
	echo "bench-pg: built without libpq (configure --with-postgresql)" >&2
	exit 1
fi
echo "== SQLite"
./bench/bench-sync "$people" store || exit 1
PG_DURABLE=1
. "$top/tests/lib/pg.sh"
pg_start || { echo "bench-pg: $pg_why" >&2; exit 1; }
echo "== PostgreSQL 15 (local socket, fsync on)"
OB_BENCH_PG=$OB_TEST_DB_URL ./bench/bench-sync "$people" store || exit 1
