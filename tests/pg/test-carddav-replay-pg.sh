#!/bin/sh
# tests/interop/test-carddav-replay.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end.
pg_script=tests/interop/test-carddav-replay.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
