#!/bin/sh
# tests/integration/test-carddav-stream.sh with its store on a private
# PostgreSQL server (tests/lib/db.sh): the streamed answers, the snapshot,
# the 105,000-href multiget and the peak RSS on the second back end (the
# WAL checks are SQLite's and are left out).
pg_script=tests/integration/test-carddav-stream.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
