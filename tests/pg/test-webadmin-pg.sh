#!/bin/sh
# tests/browser/test-webadmin.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end.
pg_script=tests/browser/test-webadmin.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
