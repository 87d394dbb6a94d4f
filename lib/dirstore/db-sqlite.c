/* The SQLite driver of the store (db.h): the one file of lib/dirstore that
 * includes sqlite3.h and calls sqlite3_*.
 *
 * SQLite rules (../shared reliability notes): WAL, foreign_keys=ON on every
 * connection, busy_timeout, synchronous=FULL unless asked otherwise,
 * extended result codes, and BEGIN IMMEDIATE for every write transaction,
 * because a deferred read transaction that later writes gets
 * SQLITE_BUSY_SNAPSHOT at once. It does not retry: busy_timeout waits for
 * the lock, and what is still BUSY after it is OB_E_BUSY for the store to
 * retry the whole transaction. */
#include "config.h"
#include "dirstore/db.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sq_db {
	struct db base;
	sqlite3 *h;
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

#define SQ(d) (((struct sq_db *)(d))->h)
#define ST(s) (((struct sq_stmt *)(s))->st)

/* The one map from SQLite's (extended) result codes to OB_E_*. */
static int sq_code(int rc)
{
	int prim = rc & 0xff;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return OB_E_BUSY;
	if (prim == SQLITE_FULL || prim == SQLITE_IOERR)
		return OB_E_IO;
	if (prim == SQLITE_NOMEM)
		return OB_E_NOMEM;
	if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return OB_E_EXISTS;
	return OB_E_FAIL;
}

/* ---- the store's SQL functions ---------------------------------------- */

static void fn_initials(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *t = sqlite3_value_text(argv[0]);
	char ini[128];

	(void)argc;
	if (t == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	ds_fn_initials((const char *)t, ini, sizeof(ini));
	sqlite3_result_text(ctx, ini, -1, SQLITE_TRANSIENT);
}

static void fn_digits(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *t = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	char *out;
	size_t k;

	(void)argc;
	if (t == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	out = sqlite3_malloc(n + 1);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	k = ds_fn_digits((const char *)t, (size_t)n, out);
	sqlite3_result_text(ctx, out, (int)k, sqlite3_free);
}

static void fn_page_match(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const char *a[11];

	if (argc != 11) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	for (int i = 0; i < 11; i++)
		a[i] = (const char *)sqlite3_value_text(v[i]);
	sqlite3_result_int(ctx, ds_fn_page_match(a));
}

static int register_functions(sqlite3 *h)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc = sqlite3_create_function(h, "ds_initials", 1, flags, NULL,
					 fn_initials, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "ds_digits", 1, flags, NULL,
					     fn_digits, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(h, "ds_page_match", 11, flags,
					     NULL, fn_page_match, NULL, NULL);
	return rc;
}

/* ---- connection ------------------------------------------------------- */

/* The database and the files SQLite keeps beside it are the owner's alone.
 * SQLite's unix VFS creates -wal, -shm and -journal with the database
 * file's permission bits (fchmod'ed past the umask), so a 0600 database
 * gives 0600 companions; companions left by a crash keep the mode they
 * had, so they are tightened too. */
static int private_files(const char *path, char *notice, size_t size,
			 struct ob_err *err)
{
	static const char *const beside[] = {"", "-wal", "-shm", "-journal"};
	char name[4200], one[1024];
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		if (snprintf(name, sizeof(name), "%s%s", path, beside[i]) >=
		    (int)sizeof(name))
			return ob_err_set(err, OB_E_LIMIT, "path too long");
		ret = ob_file_private(name, i == 0, one, sizeof(one), err);
		if (ret < 0)
			return ret;
		if (one[0] != '\0' && n + 1 < size)
			n += (size_t)snprintf(notice + n, size - n, "%s%s",
					      n ? "; " : "", one);
	}
	return 0;
}

/* A database root has just created in a folder another user owns (the
 * service's state folder, /var/lib/orgbook) is given to that folder's
 * owner and group, so the service can open what orgbook-admin made
 * before its first start. Through the descriptor, never following a
 * link: the folder's owner could have swapped the name meanwhile. */
static int give_to_folder_owner(const char *path, struct ob_err *err)
{
	char copy[4200];
	struct stat dst, fst;
	int fd, ret = 0;

	if (geteuid() != 0 || strlen(path) >= sizeof(copy))
		return 0;
	memcpy(copy, path, strlen(path) + 1);
	if (stat(dirname(copy), &dst) < 0 || dst.st_uid == 0)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ob_err_set(err, OB_E_IO, "%s: %s", path,
				  strerror(errno));
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) ||
	    fchown(fd, dst.st_uid, dst.st_gid) < 0)
		ret = ob_err_set(err, OB_E_IO,
				 "%s: could not give it to the folder's owner "
				 "(uid %lu): %s",
				 path, (unsigned long)dst.st_uid,
				 strerror(errno));
	close(fd);
	return ret;
}

static void sq_close(struct db *db)
{
	struct sq_db *d = (struct sq_db *)db;

	if (d == NULL)
		return;
	sqlite3_close(d->h);
	free(d);
}

static const char *sq_errmsg(struct db *db)
{
	return sqlite3_errmsg(SQ(db));
}

static int sq_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(SQ(db), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_code(rc);
}

static int sq_open(const struct db_settings *set, struct db **db_r,
		   struct ob_err *err)
{
	struct sq_db *d = calloc(1, sizeof(*d));
	char pragmas[256];
	int rc;

	*db_r = NULL;
	if (d == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	d->base.drv = &db_sqlite_driver;
	struct stat st;
	bool fresh = stat(set->path, &st) < 0 && errno == ENOENT;

	if (private_files(set->path, set->notice, set->notice_size, err) < 0)
		goto fail;
	if (fresh && give_to_folder_owner(set->path, err) < 0)
		goto fail;
	rc = sqlite3_open_v2(set->path, &d->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		ob_err_set(err, OB_E_IO, "%s: %s", set->path,
			   d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(d->h, 1);
	rc = register_functions(d->h);
	if (rc != SQLITE_OK) {
		ob_err_set(err, OB_E_FAIL, "%s: %s", set->path,
			   sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(
		d->h, set->busy_timeout_ms > 0 ? set->busy_timeout_ms : 5000);
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
		 "PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY;",
		 set->sync_normal ? "NORMAL" : "FULL");
	rc = sqlite3_exec(d->h, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int code = sq_code(rc);

		ob_err_set(err,
			   code == OB_E_BUSY || code == OB_E_IO ? code
								: OB_E_FAIL,
			   "database: %s", sqlite3_errmsg(d->h));
		goto fail;
	}
	*db_r = &d->base;
	return 0;
fail:
	sq_close(&d->base);
	return err ? err->code : OB_E_FAIL;
}

static int64_t sq_changes(struct db *db)
{
	return sqlite3_changes(SQ(db));
}

static int64_t sq_last_insert_id(struct db *db)
{
	return sqlite3_last_insert_rowid(SQ(db));
}

static bool sq_alive(struct db *db)
{
	(void)db;
	return true; /* a file does not go away under an open handle */
}

static bool sq_in_txn(struct db *db)
{
	return sqlite3_get_autocommit(SQ(db)) == 0;
}

static int sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

static void sq_rollback(struct db *db)
{
	if (sqlite3_get_autocommit(SQ(db)) == 0)
		(void)sq_exec(db, "ROLLBACK");
}

/* ---- statements ------------------------------------------------------- */

static int sq_prepare(struct db *db, const char *sql, unsigned flags,
		      struct db_stmt **st_r)
{
	struct sq_stmt *s = malloc(sizeof(*s));
	int rc;

	*st_r = NULL;
	if (s == NULL)
		return OB_E_NOMEM;
	s->base.drv = &db_sqlite_driver;
	rc = sqlite3_prepare_v3(
		SQ(db), sql, -1,
		(flags & DB_PREPARE_KEEP) ? SQLITE_PREPARE_PERSISTENT : 0,
		&s->st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s->st);
		free(s);
		return sq_code(rc);
	}
	*st_r = &s->base;
	return 0;
}

static void sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static void sq_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
}

static void sq_clear_bindings(struct db_stmt *st)
{
	sqlite3_clear_bindings(ST(st));
}

static int sq_step(struct db_stmt *st)
{
	int rc = sqlite3_step(ST(st));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_code(rc);
}

static void sq_bind_null(struct db_stmt *st, int idx)
{
	sqlite3_bind_null(ST(st), idx);
}

static void sq_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(ST(st), idx, v);
}

static void sq_bind_text(struct db_stmt *st, int idx, const char *v, size_t len)
{
	sqlite3_bind_text(ST(st), idx, v, len == (size_t)-1 ? -1 : (int)len,
			  SQLITE_STATIC);
}

static void sq_bind_text_copy(struct db_stmt *st, int idx, const char *v)
{
	sqlite3_bind_text(ST(st), idx, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_blob(struct db_stmt *st, int idx, const void *v, size_t len)
{
	sqlite3_bind_blob64(ST(st), idx, v, len, SQLITE_STATIC);
}

static int64_t sq_column_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(ST(st), col);
}

static const char *sq_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(ST(st), col);
}

static const void *sq_column_blob(struct db_stmt *st, int col)
{
	return sqlite3_column_blob(ST(st), col);
}

static size_t sq_column_bytes(struct db_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(ST(st), col);
}

static bool sq_column_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(ST(st), col) == SQLITE_NULL;
}

const struct db_driver db_sqlite_driver = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.clear_bindings = sq_clear_bindings,
	.step = sq_step,
	.bind_null = sq_bind_null,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_text_copy = sq_bind_text_copy,
	.bind_blob = sq_bind_blob,
	.column_int64 = sq_column_int64,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.column_bytes = sq_column_bytes,
	.column_null = sq_column_null,
	.changes = sq_changes,
	.last_insert_id = sq_last_insert_id,
	.in_txn = sq_in_txn,
	.alive = sq_alive,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.dialect = DB_DIALECT_SQLITE,
};
