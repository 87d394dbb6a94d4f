/* Store lifecycle, schema migration, transactions, the statement cache,
 * enterprises and the helpers shared by the other dirstore files.
 *
 * SQLite rules (../shared reliability notes): WAL, foreign_keys=ON on every
 * connection, busy_timeout, synchronous=FULL unless asked otherwise, and
 * BEGIN IMMEDIATE for every write transaction, because a deferred read
 * transaction that later writes gets SQLITE_BUSY_SNAPSHOT at once. */
#include "config.h"
#include "dirstore/internal.h"
#include "util/file.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ds_sql_err(struct dstore *s, int rc, const char *what, struct ob_err *err)
{
	int prim = rc & 0xff;
	int code = OB_E_FAIL;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		code = OB_E_BUSY;
	else if (prim == SQLITE_FULL || prim == SQLITE_IOERR)
		code = OB_E_IO;
	else if (prim == SQLITE_NOMEM)
		code = OB_E_NOMEM;
	else if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		 rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		code = OB_E_EXISTS;
	return ob_err_set(err, code, "database: %s: %s", what,
			  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

sqlite3_stmt *ds_stmt(struct dstore *s, const char *sql, struct ob_err *err)
{
	size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE_SIZE;

	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		struct stmt_slot *slot = &s->stmts[(h + i) % STMT_CACHE_SIZE];

		if (slot->sql == sql) {
			sqlite3_reset(slot->stmt);
			sqlite3_clear_bindings(slot->stmt);
			return slot->stmt;
		}
		if (slot->sql == NULL) {
			int rc = sqlite3_prepare_v3(s->db, sql, -1,
						    SQLITE_PREPARE_PERSISTENT,
						    &slot->stmt, NULL);
			if (rc != SQLITE_OK) {
				ds_sql_err(s, rc, "prepare", err);
				slot->stmt = NULL;
				return NULL;
			}
			slot->sql = sql;
			return slot->stmt;
		}
	}
	/* cache full: a programming error (too many distinct statements) */
	OB_ASSERT(!"dirstore statement cache full");
	return NULL;
}

int ds_exec_stmt(struct dstore *s, sqlite3_stmt *st, const char *what,
		 struct ob_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int ret = ds_sql_err(s, sqlite3_extended_errcode(s->db), what,
				     err);
		sqlite3_reset(st);
		return ret;
	}
	sqlite3_reset(st);
	return 0;
}

int ds_own_begin(struct dstore *s, bool *own_r, struct ob_err *err)
{
	/* nested: inside dstore_begin's transaction or another own one */
	*own_r = !s->in_txn && sqlite3_get_autocommit(s->db);
	return *own_r ? ds_exec(s, "BEGIN IMMEDIATE", err) : 0;
}

int ds_own_end(struct dstore *s, bool own, int ret, struct ob_err *err)
{
	if (!own)
		return ret;
	if (ret == 0)
		ret = ds_exec(s, "COMMIT", err);
	if (ret != 0)
		(void)ds_exec(s, "ROLLBACK", NULL);
	return ret;
}

int ds_own_stmt(struct dstore *s, const char *sql, bool *own_r,
		sqlite3_stmt **st_r, struct ob_err *err)
{
	int ret = ds_own_begin(s, own_r, err);

	if (ret != 0)
		return ret;
	*st_r = ds_stmt(s, sql, err);
	if (*st_r == NULL)
		return ds_own_end(s, *own_r, err ? err->code : OB_E_FAIL, err);
	return 0;
}

int ds_exec(struct dstore *s, const char *sql, struct ob_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int ret = ob_err_set(
			err, (rc & 0xff) == SQLITE_BUSY ? OB_E_BUSY : OB_E_FAIL,
			"database: %s", msg ? msg : "error");
		if ((rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR)
			ret = err ? (err->code = OB_E_IO) : OB_E_IO;
		sqlite3_free(msg);
		return ret;
	}
	return 0;
}

void ds_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC);
}

char *ds_col_dup(sqlite3_stmt *st, int col, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	char *p;

	if (t == NULL)
		return NULL;
	p = ob_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
	if (p == NULL)
		*oom = true;
	return p;
}

int ds_check_text(const char *v, size_t max, bool multiline, const char *field,
		  struct ob_err *err)
{
	size_t len, bad;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len > max)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "longer than %zu bytes", max);
	bad = ob_utf8_invalid_at(v, len, false);
	if (bad != len)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
				     "invalid UTF-8 at byte %zu", bad + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 || c == 0x7f) &&
		    !(multiline && (c == '\n' || c == '\t')))
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, field,
					     "control character at byte %zu",
					     i + 1);
	}
	return 0;
}

int ds_need_txn(struct dstore *s, int64_t tenant_id, struct ob_err *err)
{
	if (!s->in_txn)
		return ob_err_set(err, OB_E_INVAL,
				  "no write transaction is open");
	if (s->txn_tenant != tenant_id)
		return ob_err_set(err, OB_E_INVAL,
				  "the open transaction belongs to another "
				  "enterprise");
	return 0;
}

int ds_write_stmt(struct dstore *s, int64_t tenant_id, const char *sql,
		  sqlite3_stmt **st_r, struct ob_err *err)
{
	int ret = ds_need_txn(s, tenant_id, err);

	if (ret < 0)
		return ret;
	*st_r = ds_stmt(s, sql, err);
	return *st_r != NULL ? 0 : err ? err->code : OB_E_FAIL;
}

int ds_log_change(struct dstore *s, const struct ds_change_row *row,
		  struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO change_log (tenant_id, rev, time, actor, what, "
		"op, person_id, uid, old_idpath, new_idpath, old_visible, "
		"new_visible, detail, name, unit_id) VALUES "
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	sqlite3_bind_int64(st, 1, s->txn_tenant);
	sqlite3_bind_int64(st, 2, s->txn_rev);
	sqlite3_bind_int64(st, 3, s->txn_time);
	sqlite3_bind_text(st, 4, s->txn_actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->what, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->op, -1, SQLITE_STATIC);
	if (row->person_id > 0)
		sqlite3_bind_int64(st, 7, row->person_id);
	ds_bind_text(st, 8, row->uid);
	ds_bind_text(st, 9, row->old_idpath);
	ds_bind_text(st, 10, row->new_idpath);
	sqlite3_bind_int(st, 11, row->old_visible);
	sqlite3_bind_int(st, 12, row->new_visible);
	ds_bind_text(st, 13, row->detail);
	ds_bind_text(st, 14, row->name);
	if (row->unit_id > 0)
		sqlite3_bind_int64(st, 15, row->unit_id);
	s->txn_changed = true;
	return ds_exec_stmt(s, st, "change log", err);
}

int ds_key(struct dstore *s, const unsigned char **key_r, struct ob_err *err)
{
	struct stat stt;
	int fd;

	if (s->key_loaded) {
		*key_r = s->key;
		return 0;
	}
	fd = open(s->key_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (ob_random_bytes(s->key, sizeof(s->key)) < 0)
			return ob_err_set(err, OB_E_IO, "no randomness");
		fd = open(s->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
		if (fd < 0)
			return ob_err_set(err, OB_E_IO, "%s: %s", s->key_path,
					  strerror(errno));
		/* 0600 whatever the umask (it can only take bits away) */
		if (fchmod(fd, 0600) < 0 ||
		    write(fd, s->key, sizeof(s->key)) != sizeof(s->key) ||
		    fsync(fd) < 0) {
			close(fd);
			unlink(s->key_path);
			return ob_err_set(err, OB_E_IO, "%s: %s", s->key_path,
					  strerror(errno));
		}
		close(fd);
		s->key_loaded = true;
		*key_r = s->key;
		return 0;
	}
	if (fd < 0)
		return ob_err_set(err, OB_E_IO, "%s: %s", s->key_path,
				  strerror(errno));
	if (fstat(fd, &stt) < 0 || (stt.st_mode & 077) != 0) {
		close(fd);
		return ob_err_set(err, OB_E_INVAL,
				  "%s: key file must not be readable by group "
				  "or others (chmod 600)",
				  s->key_path);
	}
	if (read(fd, s->key, sizeof(s->key)) != sizeof(s->key)) {
		close(fd);
		return ob_err_set(err, OB_E_IO, "%s: not a 32-byte key",
				  s->key_path);
	}
	close(fd);
	s->key_loaded = true;
	*key_r = s->key;
	return 0;
}

static int migrate(struct dstore *s, struct ob_err *err)
{
	sqlite3_stmt *st;
	int version = 0, rc, ret;

	ret = ds_exec(s, "BEGIN IMMEDIATE", err);
	if (ret < 0)
		return ret;
	ret = ds_exec(s,
		      "CREATE TABLE IF NOT EXISTS schema_version "
		      "(version INTEGER NOT NULL)",
		      err);
	if (ret < 0)
		goto fail;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT max(version) FROM schema_version", -1,
				&st, NULL);
	if (rc != SQLITE_OK) {
		ret = ds_sql_err(s, rc, "schema version", err);
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > ds_migration_count) {
		ret = ob_err_set(err, OB_E_VERSION,
				 "database schema version %d is newer than "
				 "this program knows (%d); upgrade Orgbook",
				 version, ds_migration_count);
		goto fail;
	}
	for (int v = version; v < ds_migration_count; v++) {
		char sql[64];

		ret = ds_exec(s, ds_migrations[v], err);
		if (ret < 0) {
			ob_err_prefix(err, "migration to version %d: ", v + 1);
			goto fail;
		}
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES (%d)", v + 1);
		ret = ds_exec(s, sql, err);
		if (ret < 0)
			goto fail;
	}
	return ds_exec(s, "COMMIT", err);
fail:
	ds_exec(s, "ROLLBACK", NULL);
	return ret;
}

/* The database and the files SQLite keeps beside it are the owner's alone.
 * SQLite's unix VFS creates -wal, -shm and -journal with the database
 * file's permission bits (fchmod'ed past the umask), so a 0600 database
 * gives 0600 companions; companions left by a crash keep the mode they
 * had, so they are tightened too. */
static int private_files(struct dstore *s, const char *path, struct ob_err *err)
{
	static const char *const beside[] = {"", "-wal", "-shm", "-journal"};
	char name[4200], one[sizeof(s->notice)];
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		if (snprintf(name, sizeof(name), "%s%s", path, beside[i]) >=
		    (int)sizeof(name))
			return ob_err_set(err, OB_E_LIMIT, "path too long");
		ret = ob_file_private(name, i == 0, one, sizeof(one), err);
		if (ret < 0)
			return ret;
		if (one[0] != '\0' && n < sizeof(s->notice) - 1)
			n += (size_t)snprintf(s->notice + n,
					      sizeof(s->notice) - n, "%s%s",
					      n ? "; " : "", one);
	}
	return 0;
}

const char *dstore_open_notice(const struct dstore *s)
{
	return s->notice;
}

int dstore_open(const struct dstore_options *opt, struct dstore **store_r,
		struct ob_err *err)
{
	struct dstore *s;
	char pragmas[256];
	int rc, ret;

	*store_r = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	s->photo_max =
		opt->photo_max ? opt->photo_max : DSTORE_PHOTO_MAX_DEFAULT;
	if (opt->key_path != NULL) {
		s->key_path = ob_strndup(opt->key_path, strlen(opt->key_path));
	} else {
		size_t n = strlen(opt->path) + 5;

		s->key_path = malloc(n);
		if (s->key_path != NULL)
			snprintf(s->key_path, n, "%s.key", opt->path);
	}
	if (s->key_path == NULL) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto fail;
	}
	ret = private_files(s, opt->path, err);
	if (ret < 0)
		goto fail;
	rc = sqlite3_open_v2(opt->path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		ret = ob_err_set(err, OB_E_IO, "%s: %s", opt->path,
				 s->db ? sqlite3_errmsg(s->db)
				       : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	rc = ds_register_functions(s->db);
	if (rc != SQLITE_OK) {
		ret = ob_err_set(err, OB_E_FAIL, "%s: %s", opt->path,
				 sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(
		s->db, opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000);
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
		 "PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY;",
		 opt->sync_normal ? "NORMAL" : "FULL");
	ret = ds_exec(s, pragmas, err);
	if (ret < 0)
		goto fail;
	ret = migrate(s, err);
	if (ret < 0)
		goto fail;
	*store_r = s;
	return 0;
fail:
	ob_err_prefix(err, "opening %s: ", opt->path);
	dstore_close(&s);
	return ret;
}

void dstore_close(struct dstore **store)
{
	struct dstore *s = *store;

	if (s == NULL)
		return;
	if (s->in_txn)
		dstore_rollback(s);
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	sqlite3_close(s->db);
	explicit_bzero(s->key, sizeof(s->key));
	free(s->key_path);
	free(s);
	*store = NULL;
}

int dstore_schema_version(struct dstore *s)
{
	sqlite3_stmt *st =
		ds_stmt(s, "SELECT max(version) FROM schema_version", NULL);
	int v = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

/* ---- transactions ---------------------------------------------------- */

int dstore_begin(struct dstore *s, int64_t tenant_id, const char *actor,
		 struct ob_err *err)
{
	static const char sql[] = "SELECT revision FROM tenant WHERE id = ?";
	sqlite3_stmt *st;
	int ret, rc;

	if (s->in_txn)
		return ob_err_set(err, OB_E_INVAL,
				  "a write transaction is already open");
	ret = ds_exec(s, "BEGIN IMMEDIATE", err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, tenant_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = rc == SQLITE_DONE
			      ? ob_err_set(err, OB_E_NOTFOUND,
					   "no enterprise with id %lld",
					   (long long)tenant_id)
			      : ds_sql_err(s, rc, "begin", err);
		sqlite3_reset(st);
		goto fail;
	}
	s->txn_rev = sqlite3_column_int64(st, 0) + 1;
	sqlite3_reset(st);
	s->in_txn = true;
	s->txn_tenant = tenant_id;
	s->txn_changed = false;
	s->txn_time = ob_wall_s();
	ob_strlcpy(s->txn_actor, actor ? actor : "", sizeof(s->txn_actor));
	s->txn_import = false;
	s->txn_import_id = 0;
	return 0;
fail:
	ds_exec(s, "ROLLBACK", NULL);
	return ret;
}

int dstore_commit(struct dstore *s, int64_t *rev_r, struct ob_err *err)
{
	static const char sql[] = "UPDATE tenant SET revision = ? WHERE id = ?";
	int64_t rev = s->txn_rev - 1;
	int ret;

	if (!s->in_txn)
		return ob_err_set(err, OB_E_INVAL, "no transaction is open");
	if (s->txn_import_id != 0) {
		ret = ds_undo_finish(s, err);
		if (ret < 0)
			goto fail;
	}
	if (s->txn_changed) {
		sqlite3_stmt *st = ds_stmt(s, sql, err);

		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			goto fail;
		}
		sqlite3_bind_int64(st, 1, s->txn_rev);
		sqlite3_bind_int64(st, 2, s->txn_tenant);
		ret = ds_exec_stmt(s, st, "revision", err);
		if (ret < 0)
			goto fail;
		rev = s->txn_rev;
	}
	ret = ds_exec(s, "COMMIT", err);
	if (ret < 0)
		goto fail;
	s->in_txn = false;
	s->txn_import = false;
	s->txn_import_id = 0;
	if (rev_r != NULL)
		*rev_r = rev;
	return 0;
fail:
	dstore_rollback(s);
	return ret;
}

void dstore_rollback(struct dstore *s)
{
	if (sqlite3_get_autocommit(s->db) == 0)
		ds_exec(s, "ROLLBACK", NULL);
	s->in_txn = false;
	s->txn_changed = false;
	s->txn_import = false;
	s->txn_import_id = 0;
}

int dstore_retry(struct dstore *s, int64_t tenant_id, const char *actor,
		 int tries,
		 int (*fn)(struct dstore *store, void *ctx, struct ob_err *err),
		 void *ctx, int64_t *rev_r, struct ob_err *err)
{
	int ret = OB_E_BUSY;

	for (int i = 0; i < tries && ret == OB_E_BUSY; i++) {
		ret = dstore_begin(s, tenant_id, actor, err);
		if (ret < 0)
			continue;
		ret = fn(s, ctx, err);
		if (ret < 0) {
			dstore_rollback(s);
			continue;
		}
		ret = dstore_commit(s, rev_r, err);
	}
	return ret;
}

/* ---- enterprises ------------------------------------------------------ */

static int check_tenant_name(const char *name, struct ob_err *err)
{
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(((struct dstore_tenant *)0)->name))
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "name",
				     "must be 1 to 63 characters");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && i > 0)))
			return ob_err_set_at(err, OB_E_INVAL, 0, 0, "name",
					     "only a-z, 0-9 and '-' (not "
					     "first) are allowed");
	}
	return 0;
}

int dstore_tenant_create(struct dstore *s, const char *name,
			 const char *display, int64_t *id_r, struct ob_err *err)
{
	static const char sql[] = "INSERT INTO tenant (name, display, created) "
				  "VALUES (?, ?, ?)";
	sqlite3_stmt *st;
	int ret;

	ret = check_tenant_name(name, err);
	if (ret == 0)
		ret = ds_check_text(display, DSTORE_NAME_MAX, false, "display",
				    err);
	if (ret < 0)
		return ret;
	if (s->in_txn)
		return ob_err_set(err, OB_E_INVAL,
				  "a write transaction is already open");
	ret = ds_exec(s, "BEGIN IMMEDIATE", err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto fail;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, display ? display : name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ob_wall_s());
	ret = ds_exec_stmt(s, st, "create enterprise", err);
	if (ret == OB_E_EXISTS)
		ret = ob_err_set(err, OB_E_EXISTS,
				 "an enterprise named %s already exists", name);
	if (ret < 0)
		goto fail;
	if (id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(s->db);
	return ds_exec(s, "COMMIT", err);
fail:
	ds_exec(s, "ROLLBACK", NULL);
	return ret;
}

#define TENANT_COLS                                                            \
	"id, name, display, md5_auth, retention_days, revision, pruned_rev"

static void tenant_from_row(sqlite3_stmt *st, struct dstore_tenant *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	ob_strlcpy(t->name, (const char *)sqlite3_column_text(st, 1),
		   sizeof(t->name));
	ob_strlcpy(t->display, (const char *)sqlite3_column_text(st, 2),
		   sizeof(t->display));
	t->md5_auth = sqlite3_column_int(st, 3) != 0;
	t->retention_days = sqlite3_column_int(st, 4);
	t->revision = sqlite3_column_int64(st, 5);
	t->pruned_rev = sqlite3_column_int64(st, 6);
}

static int tenant_one(struct dstore *s, sqlite3_stmt *st,
		      struct dstore_tenant *t_r, const char *what,
		      struct ob_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		tenant_from_row(st, t_r);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ob_err_set(err, OB_E_NOTFOUND, "no enterprise %s", what);
	return ds_sql_err(s, rc, "enterprise", err);
}

int dstore_tenant_get(struct dstore *s, int64_t tenant_id,
		      struct dstore_tenant *t_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant WHERE id = ?";
	sqlite3_stmt *st = ds_stmt(s, sql, err);
	char what[32];

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	sqlite3_bind_int64(st, 1, tenant_id);
	snprintf(what, sizeof(what), "with id %lld", (long long)tenant_id);
	return tenant_one(s, st, t_r, what, err);
}

int dstore_tenant_find(struct dstore *s, const char *name,
		       struct dstore_tenant *t_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant WHERE name = ?";
	sqlite3_stmt *st = ds_stmt(s, sql, err);
	char what[96];

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "named %.64s", name);
	return tenant_one(s, st, t_r, what, err);
}

int dstore_tenant_configure(struct dstore *s, int64_t tenant_id, bool md5_auth,
			    int retention_days, struct ob_err *err)
{
	static const char sql[] = "UPDATE tenant SET md5_auth = ?, "
				  "retention_days = ? WHERE id = ?";
	sqlite3_stmt *st;
	int ret;

	if (retention_days < 1 || retention_days > 3650)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "retention_days",
				     "must be 1 to 3650");
	st = ds_stmt(s, sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	sqlite3_bind_int(st, 1, md5_auth);
	sqlite3_bind_int(st, 2, retention_days);
	sqlite3_bind_int64(st, 3, tenant_id);
	ret = ds_exec_stmt(s, st, "configure enterprise", err);
	if (ret == 0 && sqlite3_changes(s->db) == 0)
		ret = ob_err_set(err, OB_E_NOTFOUND,
				 "no enterprise with id %lld",
				 (long long)tenant_id);
	return ret;
}

int dstore_tenant_list(struct dstore *s,
		       int (*fn)(const struct dstore_tenant *t, void *ctx),
		       void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant ORDER BY name";
	sqlite3_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dstore_tenant t;

		tenant_from_row(st, &t);
		ret = fn(&t, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = ds_sql_err(s, rc, "list enterprises", err);
	sqlite3_reset(st);
	return ret;
}

int dstore_write_probe(struct dstore *s, int64_t now, struct ob_err *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO health (id, at) VALUES (1, ?)";
	bool own;
	sqlite3_stmt *st;
	int ret = ds_own_stmt(s, sql, &own, &st, err);

	if (ret != 0)
		return ret;
	sqlite3_bind_int64(st, 1, now);
	ret = ds_exec_stmt(s, st, "write probe", err);
	return ds_own_end(s, own, ret, err);
}
