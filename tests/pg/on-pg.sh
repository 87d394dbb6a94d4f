# Sourced by each tests/pg wrapper, pg_script naming the script it reruns:
#   pg_script=tests/integration/test-sync.sh; . tests/pg/on-pg.sh
# runs that script with its store on a private PostgreSQL server
# (tests/lib/db.sh), or skips under OB_TEST_SKIP_PG (distcheck).
if [ -n "${OB_TEST_SKIP_PG:-}" ]; then
	echo "1..0 # SKIP OB_TEST_SKIP_PG: PostgreSQL runs in the other builds"
	exit 0
fi
OB_TEST_BACKEND=pg
export OB_TEST_BACKEND
exec sh "${top_srcdir:-.}/$pg_script"
