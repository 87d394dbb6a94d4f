# The database of a test script, on the back end the run asks for
# (sourced; POSIX sh).
#   db_setup DIR   OB_TEST_BACKEND=sqlite (the default): db=DIR/orgbook.db.
#                  OB_TEST_BACKEND=pg: a private PostgreSQL server
#                  (tests/lib/pg.sh, stopped when the script exits) and
#                  db=its libpq URI. Either way sets DBARGS, the flags
#                  that give orgbook-server and orgbook-admin the store
#                  (--db, and on PostgreSQL --key-file: DBKEYARGS, for a
#                  script that moves $db), exports ORGBOOK_DB (and on
#                  PostgreSQL ORGBOOK_KEY_FILE) for orgbook-admin and
#                  scripts, and sets db_backend. Returns 77 (and says why in $db_why)
#                  when the back end cannot run here.
#                  Call it after the script's "trap cleanup EXIT": on
#                  PostgreSQL the exit trap runs cleanup, then stops the
#                  server.
#   db_setup_tap DIR   the same, for a TAP script: SKIP (77) or bail out.
#   db_sql SQL     run SQL on the store (sqlite3 or psql), rows on stdout
#                  with | between columns.
db_backend=${OB_TEST_BACKEND:-sqlite}
db_why=""

db_setup() {
	key="$1/orgbook.key" # PostgreSQL only
	case "$db_backend" in
	sqlite)
		db="$1/orgbook.db"
		;;
	pg)
		if ! grep -q '^#define HAVE_LIBPQ 1' \
			"${top_builddir:-.}/config.h" 2>/dev/null; then
			db_why="built without libpq (configure --with-postgresql)"
			return 77
		fi
		. "${top_srcdir:-.}/tests/lib/pg.sh"
		pg_start
		rc=$?
		if [ "$rc" != 0 ]; then
			db_why=$pg_why
			return "$rc"
		fi
		db=$OB_TEST_DB_URL
		# pg_start's exit trap replaced the script's: run both
		trap db_exit EXIT
		trap 'db_exit; exit 1' INT TERM
		;;
	*)
		db_why="OB_TEST_BACKEND=$db_backend: expected sqlite or pg"
		return 1
		;;
	esac
	# SQLite keeps its key beside the file (DB.key), as it always did
	DBKEYARGS=""
	if [ "$db_backend" = pg ]; then
		DBKEYARGS="--key-file $key"
		ORGBOOK_KEY_FILE=$key
		export ORGBOOK_KEY_FILE
	fi
	DBARGS="--db $db $DBKEYARGS"
	echo "# store: $db_backend $db"
	ORGBOOK_DB=$db
	export ORGBOOK_DB
	return 0
}

# db_setup for a TAP script: on 77 a plan of 0 with the reason, on any
# other failure a bail-out, the script ending either way
db_setup_tap() {
	db_setup "$1"
	case $? in
	0) ;;
	77) echo "1..0 # SKIP $db_why"; exit 0 ;;
	*) echo "Bail out! $db_why"; exit 1 ;;
	esac
}

# the script's cleanup (when it has one), then the server's
db_exit() {
	command -v cleanup >/dev/null 2>&1 && cleanup
	[ "$db_backend" = pg ] && pg_stop
	return 0
}

db_sql() {
	if [ "$db_backend" = pg ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$db" -c "$1"
	else
		sqlite3 "$db" "$1"
	fi
}
