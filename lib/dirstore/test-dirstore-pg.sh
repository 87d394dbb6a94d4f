#!/bin/sh
# lib/dirstore/test-dirstore against a private PostgreSQL 15 server
# (tests/lib/pg.sh): every test of the store that applies to PostgreSQL;
# the ones about SQLite's files and migrations say SKIP and why.
top=${top_srcdir:-.}
if ! grep -q '^#define HAVE_LIBPQ 1' ./config.h 2>/dev/null; then
	echo "1..0 # SKIP built without libpq (configure --with-postgresql)"
	exit 0
fi
. "$top/tests/lib/pg.sh"
pg_start
rc=$?
if [ "$rc" = 77 ]; then
	echo "1..0 # SKIP $pg_why"
	exit 0
fi
if [ "$rc" != 0 ]; then
	echo "Bail out! $pg_why"
	exit 1
fi
./lib/dirstore/test-dirstore
rc=$?
pg_stop
exit $rc
