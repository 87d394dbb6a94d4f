/* The database driver under the store: one connection, its prepared
 * statements (prepare, bind, step, column), write transactions and one
 * map from the engine's errors to OB_E_*. Private to lib/dirstore.
 *
 * Promises: the store's files reach the database only through this
 * interface, so a second engine is a second driver file beside
 * db-sqlite.c, and no caller tests which engine runs. A retryable
 * failure - SQLite's BUSY or LOCKED, PostgreSQL's serialization failure
 * (40001) or deadlock (40P01) - is OB_E_BUSY wherever it happens (BEGIN,
 * a statement, COMMIT); a full disk or an I/O error is OB_E_IO; a
 * unique or primary-key violation OB_E_EXISTS; out of memory OB_E_NOMEM;
 * anything else OB_E_FAIL.
 * What it never does: know the store's tables, retry (the store retries
 * whole transactions, internal.h ds_txn_next), or log.
 *
 * What a driver must provide (struct db_driver below):
 * - open: keep the database private to its owner (SQLite: the file and
 *   its -wal, -shm and -journal 0600, tightened when found open, said in
 *   the notice), connect, set what the engine needs for the store's rules
 *   (SQLite: WAL, foreign_keys=ON, busy_timeout, synchronous; extended
 *   result codes) and register the SQL functions below (ds_fn_*);
 *   close frees the connection (the store finalizes its statements
 *   first).
 * - errmsg: the engine's text of the last failure on the connection, for
 *   the store's messages ("database: <what>: <errmsg>").
 * - exec: SQL text without results and without parameters, possibly
 *   several statements (schema migration steps, SAVEPOINT / RELEASE).
 * - prepare: one statement with positional parameters written ?, ?NNN
 *   (numbered from 1; a driver whose engine spells them otherwise, $1,
 *   rewrites them). DB_PREPARE_KEEP marks a statement the store caches
 *   for the connection's life (a driver may prepare it on the server
 *   once and run it by name after; PostgreSQL does).
 * - bind_*: set parameter idx (from 1) until the next reset; text and
 *   blob pointers stay the caller's and must live until the statement is
 *   reset, except bind_text_copy, which copies. A parameter never bound
 *   is NULL.
 * - step: run or advance; DB_ROW when a row is ready, DB_DONE when the
 *   statement finished, else a negative OB_E_* (errmsg has the text).
 * - column_*: of the current row, from 0. Text is NUL-terminated UTF-8 or
 *   NULL for SQL NULL, borrowed until the next step or reset; column_bytes
 *   is its length (of a blob too). Integers of NULL are 0.
 * - reset: make a statement runnable again (its bindings kept);
 *   clear_bindings sets every parameter back to NULL.
 * - changes: rows the last INSERT, UPDATE or DELETE changed;
 *   last_insert_id: the id (INTEGER PRIMARY KEY / serial) of the last
 *   INSERT (PostgreSQL: lastval()).
 * - begin / commit / rollback: a write transaction that takes the write
 *   lock at begin or detects conflicts by commit at the latest (SQLite:
 *   BEGIN IMMEDIATE; PostgreSQL: BEGIN ISOLATION LEVEL SERIALIZABLE);
 *   in_txn says whether one is open on the connection. rollback of none
 *   is a no-op. After a commit that wrote many rows to a table a driver
 *   may refresh the engine's planner statistics of it (PostgreSQL:
 *   ANALYZE), so that callers never need to know the engine has them.
 * - dialect: which SQL spelling the engine takes (enum db_dialect).
 *
 * SQL the store writes is portable where that is free (INSERT ... ON
 * CONFLICT, coalesce, ||, CAST). Where a statement must differ per
 * engine, the file that owns it keeps one text per dialect side by side
 * in one array indexed by db_dialect (one place per statement; e.g.
 * unit.c's depth-first list, which pads sort numbers with SQLite's
 * printf()); nothing else branches on the engine. */
#ifndef DSTORE_DB_H
#define DSTORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum db_step_result {
	DB_DONE = 0,
	DB_ROW = 1,
};

enum db_prepare_flags {
	DB_PREPARE_KEEP = 1, /* cached by the store for the connection's life */
};

/* SQL spellings, for the few statements that differ per engine. Both
 * texts exist whether or not the PostgreSQL driver is built. */
enum db_dialect {
	DB_DIALECT_SQLITE = 0,
	DB_DIALECT_PGSQL = 1,
	DB_DIALECT_COUNT
};

/* The SQL functions the store's queries call, computed in the store's C
 * (a driver registers them at open; one that cannot call back into the
 * process gives the same results in SQL or per-driver statement text):
 * ds_initials(text) -> text: pinyin initials of a name (NULL for NULL);
 * ds_digits(text) -> text: the digits and line breaks of a text;
 * ds_page_match(q, letters, digits, display, family, given, title,
 *               emails, phonetic_family, phonetic_given, phones) -> int:
 * what a page search matched (enum dstore_match), 0 when nothing. */
void ds_fn_initials(const char *text, char *out, size_t size);
size_t ds_fn_digits(const char *text, size_t len, char *out);
int ds_fn_page_match(const char *const args[11]);

struct db_driver;

/* A connection and a statement: each driver's own structs start with
 * these, so the calls below reach the driver in one indirect call. */
struct db {
	const struct db_driver *drv;
};
struct db_stmt {
	const struct db_driver *drv;
};

struct db_settings {
	const char *path; /* SQLite: the file; PostgreSQL: a conninfo */
	bool sync_normal; /* weaker durability (SQLite synchronous=NORMAL) */
	int busy_timeout_ms;
	/* what opening had to tell the operator (SQLite: files group or
	 * others could access and were tightened), "" when nothing */
	char *notice;
	size_t notice_size;
};

struct db_driver {
	const char *name;
	/* *db_r is the caller's (close). On failure err says why; the
	 * code is OB_E_IO for a database that cannot be opened. */
	int (*open)(const struct db_settings *set, struct db **db_r,
		    struct ob_err *err);
	void (*close)(struct db *db);
	const char *(*errmsg)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*prepare)(struct db *db, const char *sql, unsigned flags,
		       struct db_stmt **st_r);
	void (*finalize)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	void (*clear_bindings)(struct db_stmt *st);
	int (*step)(struct db_stmt *st);
	void (*bind_null)(struct db_stmt *st, int idx);
	void (*bind_int64)(struct db_stmt *st, int idx, int64_t v);
	void (*bind_text)(struct db_stmt *st, int idx, const char *v,
			  size_t len);
	void (*bind_text_copy)(struct db_stmt *st, int idx, const char *v);
	void (*bind_blob)(struct db_stmt *st, int idx, const void *v,
			  size_t len);
	int64_t (*column_int64)(struct db_stmt *st, int col);
	const char *(*column_text)(struct db_stmt *st, int col);
	const void *(*column_blob)(struct db_stmt *st, int col);
	size_t (*column_bytes)(struct db_stmt *st, int col);
	bool (*column_null)(struct db_stmt *st, int col);
	int64_t (*changes)(struct db *db);
	int64_t (*last_insert_id)(struct db *db);
	bool (*in_txn)(struct db *db);
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	/* false once the connection is known lost (a server restart or
	 * failover): the caller drops it and opens a new one. Cheap, never
	 * blocks, never reconnects itself. */
	bool (*alive)(struct db *db);
	enum db_dialect dialect;
};

/* The SQLite driver (db-sqlite.c). */
extern const struct db_driver db_sqlite_driver;
/* The PostgreSQL driver (db-pg.c), when built with libpq. */
#ifdef HAVE_LIBPQ
extern const struct db_driver db_pg_driver;
#endif

/* Is path a PostgreSQL conninfo URI (postgresql:// or postgres://)? */
bool db_path_is_pg(const char *path);

/* The calls the store makes: each forwards to the statement's or the
 * connection's driver. */
static inline const char *db_errmsg(struct db *db)
{
	return db->drv->errmsg(db);
}
static inline int db_exec(struct db *db, const char *sql)
{
	return db->drv->exec(db, sql);
}
static inline int db_prepare(struct db *db, const char *sql, unsigned flags,
			     struct db_stmt **st_r)
{
	return db->drv->prepare(db, sql, flags, st_r);
}
static inline void db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->drv->finalize(st);
}
static inline void db_reset(struct db_stmt *st)
{
	st->drv->reset(st);
}
static inline void db_clear_bindings(struct db_stmt *st)
{
	st->drv->clear_bindings(st);
}
static inline int db_step(struct db_stmt *st)
{
	return st->drv->step(st);
}
static inline void db_bind_null(struct db_stmt *st, int idx)
{
	st->drv->bind_null(st, idx);
}
static inline void db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	st->drv->bind_int64(st, idx, v);
}
static inline void db_bind_int(struct db_stmt *st, int idx, int v)
{
	st->drv->bind_int64(st, idx, v);
}
/* A C string (never NULL; see ds_bind_text for NULL and ""). */
static inline void db_bind_text(struct db_stmt *st, int idx, const char *v)
{
	st->drv->bind_text(st, idx, v, (size_t)-1);
}
static inline void db_bind_textn(struct db_stmt *st, int idx, const char *v,
				 size_t len)
{
	st->drv->bind_text(st, idx, v, len);
}
static inline void db_bind_text_copy(struct db_stmt *st, int idx, const char *v)
{
	st->drv->bind_text_copy(st, idx, v);
}
static inline void db_bind_blob(struct db_stmt *st, int idx, const void *v,
				size_t len)
{
	st->drv->bind_blob(st, idx, v, len);
}
static inline int64_t db_column_int64(struct db_stmt *st, int col)
{
	return st->drv->column_int64(st, col);
}
static inline int db_column_int(struct db_stmt *st, int col)
{
	return (int)st->drv->column_int64(st, col);
}
static inline const char *db_column_text(struct db_stmt *st, int col)
{
	return st->drv->column_text(st, col);
}
static inline const void *db_column_blob(struct db_stmt *st, int col)
{
	return st->drv->column_blob(st, col);
}
static inline size_t db_column_bytes(struct db_stmt *st, int col)
{
	return st->drv->column_bytes(st, col);
}
static inline bool db_column_null(struct db_stmt *st, int col)
{
	return st->drv->column_null(st, col);
}
static inline int64_t db_changes(struct db *db)
{
	return db->drv->changes(db);
}
static inline int64_t db_last_insert_id(struct db *db)
{
	return db->drv->last_insert_id(db);
}
static inline bool db_in_txn(struct db *db)
{
	return db->drv->in_txn(db);
}
static inline bool db_alive(struct db *db)
{
	return db->drv->alive(db);
}
static inline int db_begin(struct db *db)
{
	return db->drv->begin(db);
}
static inline int db_commit(struct db *db)
{
	return db->drv->commit(db);
}
static inline void db_rollback(struct db *db)
{
	db->drv->rollback(db);
}
static inline enum db_dialect db_dialect(struct db *db)
{
	return db->drv->dialect;
}

#endif
