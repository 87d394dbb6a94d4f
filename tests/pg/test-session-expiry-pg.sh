#!/bin/sh
# tests/hostile/test-session-expiry.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end.
if [ -n "${OB_TEST_SKIP_PG:-}" ]; then
	echo "1..0 # SKIP OB_TEST_SKIP_PG: PostgreSQL runs in the other builds"
	exit 0
fi
OB_TEST_BACKEND=pg
export OB_TEST_BACKEND
exec sh "${top_srcdir:-.}/tests/hostile/test-session-expiry.sh"
