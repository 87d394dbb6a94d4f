#!/bin/sh
# tests/integration/test-phonebook.sh with its store on a private PostgreSQL server
# (tests/lib/db.sh): the same checks on the second back end, with the
# generated directory at 2,000 people (the import dominates on PostgreSQL).
OB_PEOPLE=${OB_PEOPLE:-2000}
export OB_PEOPLE
pg_script=tests/integration/test-phonebook.sh
. "${top_srcdir:-.}/tests/pg/on-pg.sh"
