/* Store lifecycle, schema migration, transactions, the statement cache,
 * enterprises and the helpers shared by the other dirstore files.
 *
 * The database is reached through the driver interface (db.h); the
 * engine's own rules (SQLite's WAL, busy timeout, BEGIN IMMEDIATE) are the
 * driver's. Every write transaction begins with the driver's begin, which
 * takes the write lock at once or detects conflicts by commit. */
#include "config.h"
#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int ds_sql_err(struct dstore *s, int code, const char *what, struct ob_err *err)
{
	if (code >= 0)
		code = OB_E_FAIL; /* a step that gave a row or none unasked */
	return ob_err_set(err, code, "database: %s: %s", what,
			  db_errmsg(s->db));
}

struct db_stmt *ds_stmt(struct dstore *s, const char *sql, struct ob_err *err)
{
	size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE_SIZE;

	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		struct stmt_slot *slot = &s->stmts[(h + i) % STMT_CACHE_SIZE];

		if (slot->sql == sql) {
			db_reset(slot->stmt);
			db_clear_bindings(slot->stmt);
			return slot->stmt;
		}
		if (slot->sql == NULL) {
			int rc = db_prepare(s->db, sql, DB_PREPARE_KEEP,
					    &slot->stmt);
			if (rc != 0) {
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

int ds_exec_stmt(struct dstore *s, struct db_stmt *st, const char *what,
		 struct ob_err *err)
{
	int rc = db_step(st);

	if (rc < 0) {
		int ret = ds_sql_err(s, rc, what, err);
		db_reset(st);
		return ret;
	}
	db_reset(st);
	return 0;
}

static int txn_begin(struct dstore *s, struct ds_txn *t, struct ob_err *err)
{
	if (t->tenant)
		return dstore_begin(s, t->tenant_id, t->actor, err);
	/* nested: inside dstore_begin's transaction or another own one */
	t->own = !s->in_txn && !db_in_txn(s->db);
	return t->own ? ds_db_begin(s, err) : 0;
}

static int txn_end(struct dstore *s, struct ds_txn *t, int ret,
		   struct ob_err *err)
{
	if (t->tenant) {
		if (ret >= 0) /* as dstore_retry's fn: 0 or an OB_E_* */
			return dstore_commit(s, t->rev_r, err);
		dstore_rollback(s);
		return ret;
	}
	if (!t->own)
		return ret;
	if (ret == 0)
		ret = ds_db_commit(s, err);
	if (ret != 0)
		db_rollback(s->db);
	return ret;
}

bool ds_txn_next(struct dstore *s, struct ds_txn *t, int *ret,
		 struct ob_err *err)
{
	if (t->open) {
		t->open = false;
		*ret = txn_end(s, t, *ret, err);
		/* a body in someone else's transaction is theirs to retry */
		if (*ret != OB_E_BUSY || (!t->tenant && !t->own))
			return false;
	} else if (t->runs == 0) {
		*ret = OB_E_BUSY; /* the result when no run may begin */
	}
	while (t->runs < t->tries) {
		t->runs++;
		*ret = txn_begin(s, t, err);
		if (*ret == 0) {
			t->open = true;
			return true;
		}
		if (*ret != OB_E_BUSY)
			return false;
	}
	return false;
}

bool ds_txn_stmt(struct dstore *s, struct ds_txn *t, const char *sql,
		 struct db_stmt **st_r, int *ret, struct ob_err *err)
{
	while (ds_txn_next(s, t, ret, err)) {
		*st_r = ds_stmt(s, sql, err);
		if (*st_r != NULL)
			return true;
		*ret = err ? err->code : OB_E_FAIL; /* ended by the next call */
	}
	return false;
}

/* A failure of exec, begin or commit: busy and I/O keep their codes, the
 * rest is OB_E_FAIL (a schema step's constraint is not "exists"). */
static int exec_err(struct dstore *s, int code, struct ob_err *err)
{
	if (code != OB_E_BUSY && code != OB_E_IO)
		code = OB_E_FAIL;
	return ob_err_set(err, code, "database: %s", db_errmsg(s->db));
}

int ds_exec(struct dstore *s, const char *sql, struct ob_err *err)
{
	int rc = db_exec(s->db, sql);

	return rc == 0 ? 0 : exec_err(s, rc, err);
}

int ds_db_begin(struct dstore *s, struct ob_err *err)
{
	int rc = db_begin(s->db);

	return rc == 0 ? 0 : exec_err(s, rc, err);
}

int ds_db_commit(struct dstore *s, struct ob_err *err)
{
	int rc = db_commit(s->db);

	return rc == 0 ? 0 : exec_err(s, rc, err);
}

void ds_bind_text(struct db_stmt *st, int idx, const char *v)
{
	if (v == NULL || v[0] == '\0')
		db_bind_null(st, idx);
	else
		db_bind_text(st, idx, v);
}

char *ds_col_dup(struct db_stmt *st, int col, bool *oom)
{
	const char *t = db_column_text(st, col);
	char *p;

	if (t == NULL)
		return NULL;
	p = ob_strndup(t, db_column_bytes(st, col));
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
		  struct db_stmt **st_r, struct ob_err *err)
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
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, s->txn_tenant);
	db_bind_int64(st, 2, s->txn_rev);
	db_bind_int64(st, 3, s->txn_time);
	db_bind_text(st, 4, s->txn_actor);
	db_bind_text(st, 5, row->what);
	db_bind_text(st, 6, row->op);
	if (row->person_id > 0)
		db_bind_int64(st, 7, row->person_id);
	ds_bind_text(st, 8, row->uid);
	ds_bind_text(st, 9, row->old_idpath);
	ds_bind_text(st, 10, row->new_idpath);
	db_bind_int(st, 11, row->old_visible);
	db_bind_int(st, 12, row->new_visible);
	ds_bind_text(st, 13, row->detail);
	ds_bind_text(st, 14, row->name);
	if (row->unit_id > 0)
		db_bind_int64(st, 15, row->unit_id);
	s->txn_changed = true;
	return ds_exec_stmt(s, st, "change log", err);
}

/* Who will own a key file created now: the SQLite database's owner and
 * group. Root creating it gives it to them (*chown_r); another user than
 * the database's owner is refused with the fix, since the owner (the
 * service) could not read a key that user created. A PostgreSQL store's
 * key file (no database file beside it) stays its creator's. */
static int key_owner(const struct dstore *s, bool *chown_r, uid_t *uid_r,
		     gid_t *gid_r, struct ob_err *err)
{
	struct stat st;
	uid_t me = geteuid();

	*chown_r = false;
	if (s->db_file == NULL || stat(s->db_file, &st) < 0)
		return 0;
	if (me == 0) {
		*chown_r = st.st_uid != 0 || st.st_gid != 0;
		*uid_r = st.st_uid;
		*gid_r = st.st_gid;
		return 0;
	}
	if (st.st_uid == me)
		return 0;
	return ob_err_set(err, OB_E_INVAL,
			  "%s: not creating the key file as uid %lu: the "
			  "database %s belongs to uid %lu, which could not "
			  "read it; run this as the database's owner (e.g. "
			  "runuser -u orgbook -- ...) or as root",
			  s->key_path, (unsigned long)me, s->db_file,
			  (unsigned long)st.st_uid);
}

static int key_create(struct dstore *s, struct ob_err *err)
{
	bool give = false;
	uid_t uid = 0;
	gid_t gid = 0;
	int fd, ret;

	ret = key_owner(s, &give, &uid, &gid, err);
	if (ret < 0)
		return ret;
	if (ob_random_bytes(s->key, sizeof(s->key)) < 0)
		return ob_err_set(err, OB_E_IO, "no randomness");
	/* O_EXCL: never through a link someone else put there */
	fd = open(s->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ob_err_set(err, OB_E_IO, "%s: %s", s->key_path,
				  strerror(errno));
	/* 0600 whatever the umask (it can only take bits away) */
	if (fchmod(fd, 0600) < 0 || (give && fchown(fd, uid, gid) < 0) ||
	    write(fd, s->key, sizeof(s->key)) != sizeof(s->key) ||
	    fsync(fd) < 0) {
		ret = ob_err_set(err, OB_E_IO, "%s: %s", s->key_path,
				 strerror(errno));
		close(fd);
		unlink(s->key_path);
		return ret;
	}
	close(fd);
	return 0;
}

int ds_key(struct dstore *s, const unsigned char **key_r, struct ob_err *err)
{
	struct stat stt;
	int fd, ret;

	if (s->key_loaded) {
		*key_r = s->key;
		return 0;
	}
	fd = open(s->key_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		ret = key_create(s, err);
		if (ret < 0)
			return ret;
		s->key_loaded = true;
		*key_r = s->key;
		return 0;
	}
	if (fd < 0 && errno == EACCES && s->db_file != NULL)
		return ob_err_set(err, OB_E_IO,
				  "%s: %s (it must belong to the database's "
				  "owner: chown --reference=%s %s)",
				  s->key_path, strerror(EACCES), s->db_file,
				  s->key_path);
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

/* The body of migrate's transaction: the steps from the stored version. */
static int migrate_steps(struct dstore *s, struct ob_err *err)
{
	struct db_stmt *st;
	int version = 0, rc, ret;

	ret = ds_exec(s,
		      "CREATE TABLE IF NOT EXISTS schema_version "
		      "(version INTEGER NOT NULL)",
		      err);
	if (ret < 0)
		return ret;
	rc = db_prepare(s->db, "SELECT max(version) FROM schema_version", 0,
			&st);
	if (rc != 0)
		return ds_sql_err(s, rc, "schema version", err);
	if (db_step(st) == DB_ROW)
		version = db_column_int(st, 0);
	db_finalize(st);
	if (version > ds_migration_count)
		return ob_err_set(err, OB_E_VERSION,
				  "database schema version %d is newer than "
				  "this program knows (%d); upgrade Orgbook",
				  version, ds_migration_count);
	for (int v = version; v < ds_migration_count; v++) {
		const char *step = db_dialect(s->db) == DB_DIALECT_PGSQL
					   ? ds_migrations_pg[v]
					   : ds_migrations[v];
		char sql[64];

		ret = step != NULL ? ds_exec(s, step, err) : 0;
		if (ret == 0 && db_dialect(s->db) == DB_DIALECT_PGSQL)
			ret = ds_migration_fill_pg(s, v, err);
		if (ret < 0) {
			ob_err_prefix(err, "migration to version %d: ", v + 1);
			return ret;
		}
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES (%d)", v + 1);
		ret = ds_exec(s, sql, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Another process opening the same database may be migrating it: the
 * steps run in one transaction, retried whole while busy. */
static int migrate(struct dstore *s, struct ob_err *err)
{
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_next(s, &t, &ret, err))
		ret = migrate_steps(s, err);
	return ret;
}

bool db_path_is_pg(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	       strncmp(path, "postgres://", 11) == 0;
}

/* The driver for a path: a libpq URI is PostgreSQL, anything else an
 * SQLite file. A PostgreSQL store has no file to keep its key beside, so
 * its key file must be named (dstore_options.key_path). */
static int pick_driver(const struct dstore_options *opt,
		       const struct db_driver **drv_r, struct ob_err *err)
{
	*drv_r = &db_sqlite_driver;
	if (!db_path_is_pg(opt->path))
		return 0;
#ifdef HAVE_LIBPQ
	if (opt->key_path == NULL || opt->key_path[0] == '\0')
		return ob_err_set(err, OB_E_INVAL,
				  "a PostgreSQL store needs its key file named "
				  "(an SQLite store keeps it beside the "
				  "database; a URI has no file)");
	*drv_r = &db_pg_driver;
	return 0;
#else
	return ob_err_set(err, OB_E_INVAL,
			  "this Orgbook was built without PostgreSQL support "
			  "(configure --with-postgresql, libpq-dev)");
#endif
}

const char *dstore_open_notice(const struct dstore *s)
{
	return s->notice;
}

bool dstore_alive(const struct dstore *s)
{
	return db_alive(s->db);
}

int dstore_open(const struct dstore_options *opt, struct dstore **store_r,
		struct ob_err *err)
{
	const struct db_driver *drv;
	struct dstore *s;
	struct db_settings set;
	int ret;

	*store_r = NULL;
	ret = pick_driver(opt, &drv, err);
	if (ret < 0) {
		ob_err_prefix(err, "opening %s: ", opt->path);
		return ret;
	}
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
	if (!db_path_is_pg(opt->path))
		s->db_file = ob_strndup(opt->path, strlen(opt->path));
	if (s->key_path == NULL ||
	    (s->db_file == NULL && !db_path_is_pg(opt->path))) {
		ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		goto fail;
	}
	set.path = opt->path;
	set.sync_normal = opt->sync_normal;
	set.busy_timeout_ms = opt->busy_timeout_ms;
	set.notice = s->notice;
	set.notice_size = sizeof(s->notice);
	ret = drv->open(&set, &s->db, err);
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
	dstore_device_unlock(s);
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		db_finalize(s->stmts[i].stmt);
	if (s->db != NULL)
		s->db->drv->close(s->db);
	explicit_bzero(s->key, sizeof(s->key));
	free(s->key_path);
	free(s->db_file);
	free(s);
	*store = NULL;
}

int dstore_schema_version(struct dstore *s)
{
	struct db_stmt *st =
		ds_stmt(s, "SELECT max(version) FROM schema_version", NULL);
	int v = -1;

	if (st != NULL && db_step(st) == DB_ROW)
		v = db_column_int(st, 0);
	if (st != NULL)
		db_reset(st);
	return v;
}

/* ---- transactions ---------------------------------------------------- */

int dstore_begin(struct dstore *s, int64_t tenant_id, const char *actor,
		 struct ob_err *err)
{
	static const char sql[] = "SELECT revision FROM tenant WHERE id = ?";
	struct db_stmt *st;
	int ret, rc;

	if (s->in_txn)
		return ob_err_set(err, OB_E_INVAL,
				  "a write transaction is already open");
	ret = ds_db_begin(s, err);
	if (ret < 0)
		return ret;
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		ret = err ? err->code : OB_E_FAIL;
		goto fail;
	}
	db_bind_int64(st, 1, tenant_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		ret = rc == DB_DONE ? ob_err_set(err, OB_E_NOTFOUND,
						 "no enterprise with id %lld",
						 (long long)tenant_id)
				    : ds_sql_err(s, rc, "begin", err);
		db_reset(st);
		goto fail;
	}
	s->txn_rev = db_column_int64(st, 0) + 1;
	db_reset(st);
	s->in_txn = true;
	s->txn_tenant = tenant_id;
	s->txn_changed = false;
	s->txn_time = ob_wall_s();
	ob_strlcpy(s->txn_actor, actor ? actor : "", sizeof(s->txn_actor));
	s->txn_import = false;
	s->txn_import_id = 0;
	return 0;
fail:
	db_rollback(s->db);
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
		struct db_stmt *st = ds_stmt(s, sql, err);

		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			goto fail;
		}
		db_bind_int64(st, 1, s->txn_rev);
		db_bind_int64(st, 2, s->txn_tenant);
		ret = ds_exec_stmt(s, st, "revision", err);
		if (ret < 0)
			goto fail;
		rev = s->txn_rev;
	}
	ret = ds_db_commit(s, err);
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
	db_rollback(s->db);
	s->in_txn = false;
	s->txn_changed = false;
	s->txn_import = false;
	s->txn_import_id = 0;
}

int dstore_read_begin(struct dstore *s, struct ob_err *err)
{
	static const char *const sql[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = "BEGIN",
		[DB_DIALECT_PGSQL] = "BEGIN ISOLATION LEVEL REPEATABLE READ "
				     "READ ONLY",
	};

	if (s->in_txn || db_in_txn(s->db))
		return ob_err_set(err, OB_E_INVAL,
				  "a transaction is already open");
	return ds_exec(s, sql[db_dialect(s->db)], err);
}

void dstore_read_end(struct dstore *s)
{
	if (!s->in_txn)
		db_rollback(s->db); /* nothing was written: ends the snapshot */
}

int dstore_retry(struct dstore *s, int64_t tenant_id, const char *actor,
		 int tries,
		 int (*fn)(struct dstore *store, void *ctx, struct ob_err *err),
		 void *ctx, int64_t *rev_r, struct ob_err *err)
{
	struct ds_txn t = {.tries = tries,
			   .tenant = true,
			   .tenant_id = tenant_id,
			   .actor = actor,
			   .rev_r = rev_r};
	int ret;

	while (ds_txn_next(s, &t, &ret, err))
		ret = fn(s, ctx, err);
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
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
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
	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_text(st, 1, name);
		db_bind_text(st, 2, display ? display : name);
		db_bind_int64(st, 3, ob_wall_s());
		ret = ds_exec_stmt(s, st, "create enterprise", err);
		if (ret == OB_E_EXISTS)
			ret = ob_err_set(err, OB_E_EXISTS,
					 "an enterprise named %s already "
					 "exists",
					 name);
		if (ret == 0 && id_r != NULL)
			*id_r = db_last_insert_id(s->db);
	}
	return ret;
}

#define TENANT_COLS                                                            \
	"id, name, display, md5_auth, retention_days, revision, pruned_rev, "  \
	"ldap_base, ldap_anonymous"

static void tenant_from_row(struct db_stmt *st, struct dstore_tenant *t)
{
	memset(t, 0, sizeof(*t));
	t->id = db_column_int64(st, 0);
	ob_strlcpy(t->name, db_column_text(st, 1), sizeof(t->name));
	ob_strlcpy(t->display, db_column_text(st, 2), sizeof(t->display));
	t->md5_auth = db_column_int(st, 3) != 0;
	t->retention_days = db_column_int(st, 4);
	t->revision = db_column_int64(st, 5);
	t->pruned_rev = db_column_int64(st, 6);
	ob_strlcpy(t->ldap_base, db_column_text(st, 7), sizeof(t->ldap_base));
	t->ldap_anonymous = db_column_int(st, 8) != 0;
}

static int tenant_one(struct dstore *s, struct db_stmt *st,
		      struct dstore_tenant *t_r, const char *what,
		      struct ob_err *err)
{
	int rc = db_step(st);

	if (rc == DB_ROW) {
		tenant_from_row(st, t_r);
		db_reset(st);
		return 0;
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND, "no enterprise %s", what);
	return ds_sql_err(s, rc, "enterprise", err);
}

int dstore_tenant_get(struct dstore *s, int64_t tenant_id,
		      struct dstore_tenant *t_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant WHERE id = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	char what[32];

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	snprintf(what, sizeof(what), "with id %lld", (long long)tenant_id);
	return tenant_one(s, st, t_r, what, err);
}

int dstore_tenant_find(struct dstore *s, const char *name,
		       struct dstore_tenant *t_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant WHERE name = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	char what[96];

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, name);
	snprintf(what, sizeof(what), "named %.64s", name);
	return tenant_one(s, st, t_r, what, err);
}

int dstore_tenant_configure(struct dstore *s, int64_t tenant_id, bool md5_auth,
			    int retention_days, struct ob_err *err)
{
	static const char sql[] = "UPDATE tenant SET md5_auth = ?, "
				  "retention_days = ? WHERE id = ?";
	struct db_stmt *st;
	int ret;

	if (retention_days < 1 || retention_days > 3650)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "retention_days",
				     "must be 1 to 3650");
	st = ds_stmt(s, sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int(st, 1, md5_auth);
	db_bind_int(st, 2, retention_days);
	db_bind_int64(st, 3, tenant_id);
	ret = ds_exec_stmt(s, st, "configure enterprise", err);
	if (ret == 0 && db_changes(s->db) == 0)
		ret = ob_err_set(err, OB_E_NOTFOUND,
				 "no enterprise with id %lld",
				 (long long)tenant_id);
	return ret;
}

/* A DN as an operator types one: attr=value parts split by commas, the
 * attribute a letter then letters, digits or '-', values non-empty
 * (escapes allowed), no control characters. */
static bool dn_ok(const char *dn)
{
	const char *p = dn;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '-')
			p++;
		while (*p == ' ')
			p++;
		if (*p++ != '=')
			return false;
		const char *v = p;
		while (*p != '\0' && *p != ',') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
			if (*p == '\\' && *++p == '\0')
				return false;
			p++;
		}
		if (p == v)
			return false;
		if (*p == ',' && *++p == '\0')
			return false;
	}
	return p != dn;
}

struct base_clash {
	int64_t id;
	const char *base;
	bool clash;
};

static int check_base(const struct dstore_tenant *t, void *ctx)
{
	struct base_clash *c = ctx;
	char own[DSTORE_LDAP_BASE_MAX];

	if (t->id == c->id)
		return 0;
	if (*t->ldap_base != '\0')
		ob_strlcpy(own, t->ldap_base, sizeof(own));
	else
		snprintf(own, sizeof(own), "dc=%s", t->name);
	if (strcasecmp(own, c->base) == 0)
		c->clash = true;
	return 0;
}

int dstore_tenant_set_ldap(struct dstore *s, int64_t tenant_id,
			   const char *base, bool anonymous, struct ob_err *err)
{
	static const char sql[] = "UPDATE tenant SET ldap_base = ?, "
				  "ldap_anonymous = ? WHERE id = ?";
	struct dstore_tenant t;
	struct base_clash c;
	struct db_stmt *st;
	char eff[DSTORE_LDAP_BASE_MAX];
	int ret;

	if (strlen(base) >= DSTORE_LDAP_BASE_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "ldap_base",
				     "is longer than %d bytes",
				     DSTORE_LDAP_BASE_MAX - 1);
	if (*base != '\0' && !dn_ok(base))
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "ldap_base",
				     "is not a DN such as dc=example,dc=com");
	ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret < 0)
		return ret;
	if (*base != '\0')
		ob_strlcpy(eff, base, sizeof(eff));
	else
		snprintf(eff, sizeof(eff), "dc=%s", t.name);
	c.id = tenant_id;
	c.base = eff;
	c.clash = false;
	ret = dstore_tenant_list(s, check_base, &c, err);
	if (ret < 0)
		return ret;
	if (c.clash)
		return ob_err_set_at(err, OB_E_EXISTS, 0, 0, "ldap_base",
				     "%s is another enterprise's base", eff);
	st = ds_stmt(s, sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, base);
	db_bind_int(st, 2, anonymous);
	db_bind_int64(st, 3, tenant_id);
	return ds_exec_stmt(s, st, "configure enterprise", err);
}

int dstore_tenant_list(struct dstore *s,
		       int (*fn)(const struct dstore_tenant *t, void *ctx),
		       void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " TENANT_COLS " FROM tenant ORDER BY name";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_tenant t;

		tenant_from_row(st, &t);
		ret = fn(&t, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "list enterprises", err);
	db_reset(st);
	return ret;
}

int dstore_write_probe(struct dstore *s, int64_t now, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO health (id, at) VALUES (1, ?) "
		"ON CONFLICT (id) DO UPDATE SET at = excluded.at";
	struct ds_txn t = DS_TXN_OWN;
	struct db_stmt *st;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, now);
		ret = ds_exec_stmt(s, st, "write probe", err);
	}
	return ret;
}
