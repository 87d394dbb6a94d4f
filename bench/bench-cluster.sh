#!/bin/sh
# make bench-cluster: DEVICES devices, each with its own account, all
# fast-syncing at once through haproxy (round robin, no stickiness) to 1,
# 2 and 3 orgbook-server instances on one private PostgreSQL 15
# (tests/lib/pg.sh, fsync and synchronous commit on), then the same while
# ten changes are committed; bench/bench-sync.c "storm" does the runs and
# prints the table. PostgreSQL logs lock waits over 200 ms; their count
# is printed after the table.
#   bench-cluster.sh [DEVICES [PEOPLE]]
# (default $BENCH_DEVICES or 1000 devices, $BENCH_PEOPLE or 1000 people;
# $OB_BENCH_HAPROXY_CFG: another haproxy template than
# bench/haproxy-bench.cfg.in, with the same placeholders)
devices=${1:-${BENCH_DEVICES:-1000}}
people=${2:-${BENCH_PEOPLE:-1000}}
top=${top_srcdir:-.}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
export HAPROXY
if ! grep -q '^#define HAVE_LIBPQ 1' ./config.h 2>/dev/null; then
	echo "bench-cluster: built without libpq (configure --with-postgresql)" >&2
	exit 1
fi
if [ ! -x "$HAPROXY" ]; then
	echo "bench-cluster: no haproxy (apt-get install haproxy)" >&2
	exit 1
fi
PG_DURABLE=1
. "$top/tests/lib/pg.sh"
pg_start || {
	echo "bench-cluster: $pg_why" >&2
	exit 1
}
psql -X -q "$OB_TEST_DB_URL" -c "ALTER SYSTEM SET log_lock_waits = on" \
	-c "ALTER SYSTEM SET deadlock_timeout = '200ms'" \
	-c "SELECT pg_reload_conf()" >/dev/null || exit 1
OB_BENCH_PG=$OB_TEST_DB_URL ./bench/bench-sync "$people" storm "$devices" \
	"${OB_BENCH_HAPROXY_CFG:-$top/bench/haproxy-bench.cfg.in}"
rc=$?
waits=$(grep -c "still waiting for" "$pg_dir/server.log")
echo "PostgreSQL: $waits lock waits over 200 ms logged"
exit $rc
