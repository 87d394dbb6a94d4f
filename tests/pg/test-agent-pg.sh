#!/bin/sh
# tests/integration/test-agent.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end.
pg_script=tests/integration/test-agent.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
