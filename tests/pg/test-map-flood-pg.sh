#!/bin/sh
# tests/hostile/test-map-flood.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end.
pg_script=tests/hostile/test-map-flood.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
