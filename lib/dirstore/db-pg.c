/* The PostgreSQL driver of the store (db.h): the one file of lib/dirstore
 * that includes libpq-fe.h and calls PQ*. Built when configure found
 * libpq (HAVE_LIBPQ); dstore_open picks it for a path that is a libpq
 * URI (postgresql://... or postgres://...).
 *
 * Statements: the store's ? and ?NNN placeholders are rewritten to $N
 * once, at prepare. A DB_PREPARE_KEEP statement (the store's cache) is
 * prepared on the server as a named statement at its first run and run
 * with PQexecPrepared-style Bind/Execute after; a one-off statement goes
 * unnamed, text and parameters each time. Parameters are text typed
 * int8, text or bytea - bytea in binary - as they were bound, NULL left
 * for the server to infer. A named statement keeps the types it was
 * prepared with: a run that binds a value of another type (a NULL fits
 * any) prepares it again under a new name, at most PG_MAX_PREPARES
 * times, then runs unnamed, so a value is never read as the wrong type
 * ("9" > "10" as text). A connection is a store's: a new one (after a
 * server restart) starts with no named statement and prepares them
 * again; they go when the connection closes. The planner plans each run
 * for its values (plan_cache_mode = force_custom_plan), as for unnamed
 * statements: a generic plan made while a table was nearly empty would
 * stay. The whole result is fetched at the first step; later steps walk
 * its rows. Not single-row mode: the store steps one statement while it
 * runs others on the same connection (a list whose callback reads more),
 * which a connection in single-row mode cannot do until the first
 * result is drained.
 *
 * Results are text; column_int64 reads "t"/"f" (a boolean expression) as
 * 1/0 like SQLite's integers, and a bytea column is decoded (column_blob,
 * column_text and column_bytes give its bytes, as SQLite gives a BLOB).
 * An INSERT into a table with an id column and without RETURNING gets
 * "RETURNING id" at prepare (the catalog says whether the table has one),
 * so last_insert_id is the id of the row the last INSERT wrote, explicit
 * or from the identity column, as SQLite's rowid is.
 *
 * Write transactions are BEGIN ISOLATION LEVEL SERIALIZABLE. The store's
 * transactions read and then write on what they read (a tenant's
 * revision, the next person id as max(id) + 1, a device's session rows),
 * and rely on SQLite running them one after another. REPEATABLE READ
 * would fail only a write to a row another transaction wrote; two
 * transactions computing the same next id from the same snapshot, or a
 * write skew between two tables, would both commit or end in a unique
 * violation (OB_E_EXISTS, which the store does not retry). SERIALIZABLE
 * makes every such overlap a serialization failure (40001, also for a
 * unique violation caused by a concurrent serializable transaction),
 * which is OB_E_BUSY, and the store runs the whole transaction again.
 * Statements outside a transaction run in autocommit. Inside one, an
 * INSERT or UPDATE runs under a savepoint, so that a failed statement
 * fails alone as in SQLite (the store goes on after a unique violation)
 * instead of aborting the transaction. Every run is one round trip in
 * pipeline mode: [SAVEPOINT] [Parse] Bind/Execute [RELEASE] Sync; only a
 * failed write costs a second (ROLLBACK TO and RELEASE the savepoint).
 *
 * Planner statistics: a transaction that wrote PG_ANALYZE_ROWS rows or
 * more to a table (an import, a copy from SQLite) ANALYZEs that table
 * after its commit. Without it the first queries after a bulk import
 * were planned on an empty table until autovacuum came by: a slow
 * sync's pages of people by id sorted the whole rest of the tenant for
 * each page (the first slow sync of 100,000 people took 40 to 50 s).
 *
 * Error map: 40001 and 40P01 (and 55P03, a lock_timeout from the busy
 * timeout) OB_E_BUSY; 23505 OB_E_EXISTS; a lost connection, class 08,
 * 57P01..57P03 (shutdown) and 53100 (disk full) OB_E_IO, so the server
 * answers 503; 53200 OB_E_NOMEM; the rest OB_E_FAIL. It does not
 * reconnect, retry or pool (later steps of the PostgreSQL work), and it
 * never logs: the server's notices are dropped, and a failed ANALYZE is
 * left to autovacuum. */
#include "config.h"

#ifdef HAVE_LIBPQ

#include "dirstore/db.h"
#include "util/str.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* type OIDs (catalog/pg_type.h is a server header) */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_TEXT 25

#define PG_MAX_PARAMS 1000

/* The rows a write transaction wrote to one table (ANALYZE after it). */
struct pg_written {
	char table[64];
	int64_t rows;
};

#define PG_WRITTEN_MAX 16
/* A transaction that wrote at least this many rows to a table refreshes
 * the table's planner statistics after its commit. */
#define PG_ANALYZE_ROWS 1000
/* Re-prepares of one statement with other parameter types (each under a
 * new name, the old one kept until the connection closes) before its
 * later runs go unnamed. */
#define PG_MAX_PREPARES 3

struct pg_db {
	struct db base;
	PGconn *c;
	int64_t changes;
	int64_t last_id;
	unsigned long next_name; /* of server-side prepared statements */
	struct pg_written written[PG_WRITTEN_MAX];
	int n_written;
	char err[512];
};

struct pg_param {
	const char *val; /* NULL: SQL NULL */
	int len;
	int fmt;   /* 0 text, 1 binary */
	Oid type;  /* 0: the server infers */
	char *own; /* a copy this parameter owns, or NULL */
	char num[24];
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_db *db;
	char *sql; /* with $N placeholders */
	int nparams;
	bool returning_id; /* "RETURNING id" added: rows are not the caller's */
	bool write;        /* INSERT or UPDATE: may fail alone (savepoint) */
	bool keep;         /* DB_PREPARE_KEEP: prepared on the server */
	char table[64]; /* INSERT, UPDATE, DELETE: the table written, or "" */
	char name[24];  /* its server-side name once prepared, else "" */
	int prepares;   /* how often it was prepared */
	Oid *ptypes;    /* the parameter types it was prepared with */
	bool *used;     /* the parameters the text names ($n: used[n - 1]) */
	struct pg_param *p; /* nparams of them */
	PGresult *res;
	int row, nrows;
	bool ran;
	/* the decoded bytea of one column of the current row */
	unsigned char *blob;
	size_t blob_len;
	int blob_col;
};

#define PGD(d) ((struct pg_db *)(d))
#define PGS(s) ((struct pg_stmt *)(s))

static void set_err(struct pg_db *d, const char *msg)
{
	size_t n;

	ob_strlcpy(d->err, msg ? msg : "unknown error", sizeof(d->err));
	n = strlen(d->err);
	while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

/* The one map from a failed result (or a lost connection) to OB_E_*. */
static int pg_code(struct pg_db *d, const PGresult *res)
{
	const char *state =
		res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	set_err(d, res && PQresultErrorMessage(res)[0]
			   ? PQresultErrorMessage(res)
			   : PQerrorMessage(d->c));
	if (PQstatus(d->c) == CONNECTION_BAD)
		return OB_E_IO;
	if (state == NULL)
		return OB_E_IO; /* no answer from the server */
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "55P03"))
		return OB_E_BUSY;
	if (!strcmp(state, "23505"))
		return OB_E_EXISTS;
	if (!strncmp(state, "08", 2) || !strcmp(state, "53100") ||
	    !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
	    !strcmp(state, "57P03"))
		return OB_E_IO;
	if (!strcmp(state, "53200"))
		return OB_E_NOMEM;
	return OB_E_FAIL;
}

/* ---- connection ------------------------------------------------------- */

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void pg_close(struct db *db)
{
	struct pg_db *d = PGD(db);

	if (d == NULL)
		return;
	PQfinish(d->c);
	free(d);
}

static const char *pg_errmsg(struct db *db)
{
	return PGD(db)->err;
}

static int pg_exec(struct db *db, const char *sql)
{
	struct pg_db *d = PGD(db);
	PGresult *res = PQexec(d->c, sql);
	ExecStatusType st = PQresultStatus(res);
	int ret = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		ret = pg_code(d, res);
	PQclear(res);
	return ret;
}

/* The store compares and sorts text as bytes (SQLite's BINARY): a
 * database whose collation is not C would sort and range-scan
 * differently, so it is refused at open. */
static int check_database(struct pg_db *d, struct ob_err *err)
{
	PGresult *res = PQexec(d->c, "SELECT datcollate, "
				     "pg_encoding_to_char(encoding) FROM "
				     "pg_database WHERE datname = "
				     "current_database()");
	int ret = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		ret = pg_code(d, res);
		ob_err_set(err, ret, "database: %s", d->err);
	} else if (strcmp(PQgetvalue(res, 0, 1), "UTF8") != 0 ||
		   (strcmp(PQgetvalue(res, 0, 0), "C") != 0 &&
		    strcmp(PQgetvalue(res, 0, 0), "POSIX") != 0)) {
		ret = ob_err_set(err, OB_E_FAIL,
				 "database %s has encoding %s and collation "
				 "%s; the store needs UTF8 and C (createdb "
				 "-E UTF8 --locale=C -T template0)",
				 PQdb(d->c), PQgetvalue(res, 0, 1),
				 PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return ret;
}

/* A server that restarted or failed over closes our socket (after a
 * FATAL 57P01 at most): reading what is pending, without waiting, shows
 * that while the connection is idle. */
static bool pg_alive(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;

	if (PQstatus(d->c) != CONNECTION_OK)
		return false;
	/* twice: the first read may take the FATAL message, the second
	 * then meets the closed socket */
	for (int i = 0; i < 2 && PQtransactionStatus(d->c) == PQTRANS_IDLE; i++)
		if (!PQconsumeInput(d->c))
			break;
	return PQstatus(d->c) == CONNECTION_OK;
}

static int pg_open(const struct db_settings *set, struct db **db_r,
		   struct ob_err *err)
{
	struct pg_db *d = calloc(1, sizeof(*d));
	char sql[256];
	int ret;

	*db_r = NULL;
	if (d == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	d->base.drv = &db_pg_driver;
	/* a bounded attempt: a server that is down never holds a caller
	 * for long (the conninfo's own connect_timeout wins) */
	static const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *vals[] = {"2", set->path, NULL};
	d->c = PQconnectdbParams(keys, vals, 1);
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		set_err(d, d->c ? PQerrorMessage(d->c) : "out of memory");
		ret = ob_err_set(err, OB_E_IO, "%s", d->err);
		goto fail;
	}
	PQsetNoticeProcessor(d->c, quiet, NULL);
	if (PQsetClientEncoding(d->c, "UTF8") != 0) {
		set_err(d, PQerrorMessage(d->c));
		ret = ob_err_set(err, OB_E_FAIL, "database: %s", d->err);
		goto fail;
	}
	ret = check_database(d, err);
	if (ret < 0)
		goto fail;
	/* the busy timeout bounds waits for row locks (55P03: busy);
	 * weaker durability is an asynchronous commit; prepared statements
	 * are planned for each run's values, as unnamed ones are (a generic
	 * plan made while a table was empty, during an import, would scan
	 * the whole table for each lookup by key from then on) */
	snprintf(sql, sizeof(sql),
		 "SET lock_timeout = %d; SET synchronous_commit = %s; "
		 "SET client_min_messages = warning; "
		 "SET plan_cache_mode = force_custom_plan",
		 set->busy_timeout_ms > 0 ? set->busy_timeout_ms : 5000,
		 set->sync_normal ? "off" : "on");
	ret = pg_exec(&d->base, sql);
	if (ret < 0) {
		ob_err_set(err, ret, "database: %s", d->err);
		goto fail;
	}
	if (set->notice_size > 0)
		set->notice[0] = '\0';
	*db_r = &d->base;
	return 0;
fail:
	pg_close(&d->base);
	return ret;
}

static int64_t pg_changes(struct db *db)
{
	return PGD(db)->changes;
}

static int64_t pg_last_insert_id(struct db *db)
{
	return PGD(db)->last_id;
}

static bool pg_in_txn(struct db *db)
{
	return PQtransactionStatus(PGD(db)->c) != PQTRANS_IDLE;
}

static int pg_begin(struct db *db)
{
	PGD(db)->n_written = 0;
	return pg_exec(db, "BEGIN ISOLATION LEVEL SERIALIZABLE");
}

/* After a commit that wrote many rows to a table (an import, a copy from
 * SQLite): ANALYZE it, so that the next queries are planned on its real
 * size and not on the empty table autovacuum last saw (the store's pages
 * of people by id would sort the whole rest of the tenant for each page).
 * Best effort: a failure leaves it to autovacuum. */
static void analyze_written(struct pg_db *d)
{
	char sql[96];

	for (int i = 0; i < d->n_written; i++) {
		PGresult *res;

		if (d->written[i].rows < PG_ANALYZE_ROWS)
			continue;
		/* the name is letters, digits and '_' (written_table) */
		snprintf(sql, sizeof(sql), "ANALYZE %s", d->written[i].table);
		res = PQexec(d->c, sql);
		PQclear(res);
	}
	d->n_written = 0;
}

static int pg_commit(struct db *db)
{
	struct pg_db *d = PGD(db);
	PGresult *res = PQexec(d->c, "COMMIT");
	int ret = 0;

	/* COMMIT of a failed transaction answers ROLLBACK, not an error */
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ret = pg_code(d, res);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		set_err(d, "transaction aborted by an earlier error");
		ret = OB_E_FAIL;
	}
	PQclear(res);
	if (ret == 0)
		analyze_written(d);
	d->n_written = 0;
	return ret;
}

static void pg_rollback(struct db *db)
{
	PGD(db)->n_written = 0;
	if (pg_in_txn(db))
		(void)pg_exec(db, "ROLLBACK");
}

/* ---- statements ------------------------------------------------------- */

/* SQL with ?, ?NNN rewritten to $N (outside quotes); *n_r the highest
 * parameter number. A bare ? is one more than the highest so far, as in
 * SQLite. */
static char *rewrite(const char *sql, int *n_r, bool *used)
{
	size_t len = strlen(sql);
	char *out = malloc(len * 5 + 1); /* "?" becomes at most "$1000" */
	size_t k = 0;
	int max = 0;
	char quote = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = sql[i];

		if (quote) {
			if (c == quote)
				quote = 0;
			out[k++] = c;
			continue;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			out[k++] = c;
			continue;
		}
		if (c != '?') {
			out[k++] = c;
			continue;
		}
		int num = 0;
		size_t j = i + 1;
		while (sql[j] >= '0' && sql[j] <= '9' && num < 10000)
			num = num * 10 + (sql[j++] - '0');
		if (j == i + 1)
			num = max + 1;
		if (num > max)
			max = num;
		if (num >= 1 && num <= PG_MAX_PARAMS)
			used[num - 1] = true;
		k += (size_t)snprintf(out + k, 8, "$%d", num);
		i = j - 1;
	}
	out[k] = '\0';
	*n_r = max;
	return out;
}

/* Does the target table of an INSERT have an id column? (Asked once per
 * prepared statement.) */
static bool insert_has_id(struct pg_db *d, const char *sql)
{
	const char *t = sql + 6, *e;
	char name[64];
	const char *vals[1] = {name};
	PGresult *res;
	bool has;

	while (*t == ' ')
		t++;
	if (strncasecmp(t, "INTO ", 5) != 0)
		return false;
	t += 5;
	while (*t == ' ')
		t++;
	for (e = t; *e && *e != ' ' && *e != '('; e++)
		;
	if (e == t || (size_t)(e - t) >= sizeof(name))
		return false;
	memcpy(name, t, (size_t)(e - t));
	name[e - t] = '\0';
	res = PQexecParams(d->c,
			   "SELECT 1 FROM pg_attribute WHERE attrelid = "
			   "to_regclass($1) AND attname = 'id' AND NOT "
			   "attisdropped",
			   1, NULL, vals, NULL, NULL, 0);
	has = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return has;
}

static bool has_word(const char *sql, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = sql; *p; p++)
		if (strncasecmp(p, word, n) == 0)
			return true;
	return false;
}

/* The table an INSERT INTO, UPDATE or DELETE FROM writes, into out ("" for
 * any other statement or a name too long to keep). */
static void written_table(const char *sql, char *out, size_t size)
{
	static const char *const verbs[] = {"INSERT INTO ", "UPDATE ",
					    "DELETE FROM "};
	const char *t = NULL, *e;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncasecmp(sql, verbs[i], strlen(verbs[i])) == 0)
			t = sql + strlen(verbs[i]);
	if (t == NULL)
		return;
	while (*t == ' ')
		t++;
	for (e = t; (*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
		    (*e >= '0' && *e <= '9') || *e == '_';
	     e++)
		;
	if (e == t || (size_t)(e - t) >= size)
		return;
	memcpy(out, t, (size_t)(e - t));
	out[e - t] = '\0';
}

static int pg_prepare(struct db *db, const char *sql, unsigned flags,
		      struct db_stmt **st_r)
{
	struct pg_db *d = PGD(db);
	struct pg_stmt *s = calloc(1, sizeof(*s));
	char *text;

	*st_r = NULL;
	if (s == NULL)
		return OB_E_NOMEM;
	s->base.drv = &db_pg_driver;
	s->db = d;
	s->blob_col = -1;
	s->used = calloc(PG_MAX_PARAMS + 1, sizeof(bool));
	text = s->used ? rewrite(sql, &s->nparams, s->used) : NULL;
	if (text != NULL && s->nparams > PG_MAX_PARAMS) {
		set_err(d, "too many parameters");
		free(text);
		free(s->used);
		free(s);
		return OB_E_FAIL;
	}
	s->p = text ? calloc((size_t)s->nparams + 1, sizeof(*s->p)) : NULL;
	if (s->p == NULL) {
		free(text);
		free(s->used);
		free(s);
		return OB_E_NOMEM;
	}
	while (*sql == ' ')
		sql++;
	s->write = strncasecmp(sql, "INSERT", 6) == 0 ||
		   strncasecmp(sql, "UPDATE", 6) == 0;
	s->keep = (flags & DB_PREPARE_KEEP) != 0;
	written_table(sql, s->table, sizeof(s->table));
	s->ptypes = calloc((size_t)s->nparams + 1, sizeof(*s->ptypes));
	if (s->ptypes == NULL) {
		free(text);
		free(s->p);
		free(s->used);
		free(s);
		return OB_E_NOMEM;
	}
	if (strncasecmp(sql, "INSERT", 6) == 0 && !has_word(sql, "RETURNING") &&
	    insert_has_id(d, sql)) {
		size_t n = strlen(text);
		char *more = realloc(text, n + sizeof(" RETURNING id"));

		if (more == NULL) {
			free(text);
			free(s->ptypes);
			free(s->p);
			free(s->used);
			free(s);
			return OB_E_NOMEM;
		}
		text = more;
		memcpy(text + n, " RETURNING id", sizeof(" RETURNING id"));
		s->returning_id = true;
	}
	s->sql = text;
	*st_r = &s->base;
	return 0;
}

static void drop_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	free(s->blob);
	s->blob = NULL;
	s->blob_col = -1;
	s->ran = false;
	s->row = s->nrows = 0;
}

static void param_clear(struct pg_param *p)
{
	free(p->own);
	memset(p, 0, sizeof(*p));
}

static void pg_reset(struct db_stmt *st)
{
	drop_result(PGS(st));
}

static void pg_clear_bindings(struct db_stmt *st)
{
	struct pg_stmt *s = PGS(st);

	for (int i = 0; i < s->nparams; i++)
		param_clear(&s->p[i]);
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PGS(st);

	drop_result(s);
	pg_clear_bindings(st);
	free(s->sql);
	free(s->p);
	free(s->ptypes);
	free(s->used);
	free(s);
}

/* Parameter idx (from 1), emptied; NULL when out of range. */
static struct pg_param *param(struct db_stmt *st, int idx)
{
	struct pg_stmt *s = PGS(st);

	if (idx < 1 || idx > s->nparams)
		return NULL;
	param_clear(&s->p[idx - 1]);
	return &s->p[idx - 1];
}

static void pg_bind_null(struct db_stmt *st, int idx)
{
	(void)param(st, idx);
}

static void pg_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	struct pg_param *p = param(st, idx);

	if (p == NULL)
		return;
	snprintf(p->num, sizeof(p->num), "%lld", (long long)v);
	p->val = p->num;
	p->type = PG_OID_INT8;
}

static void pg_bind_text(struct db_stmt *st, int idx, const char *v, size_t len)
{
	struct pg_param *p = param(st, idx);

	if (p == NULL)
		return;
	p->type = PG_OID_TEXT;
	if (len == (size_t)-1) {
		p->val = v;
		return;
	}
	/* text parameters end at their NUL: a counted one is copied */
	p->own = ob_strndup(v, len);
	p->val = p->own ? p->own : "";
}

static void pg_bind_text_copy(struct db_stmt *st, int idx, const char *v)
{
	pg_bind_text(st, idx, v, strlen(v));
}

static void pg_bind_blob(struct db_stmt *st, int idx, const void *v, size_t len)
{
	struct pg_param *p = param(st, idx);

	if (p == NULL)
		return;
	p->val = v != NULL ? v : "";
	p->len = (int)len;
	p->fmt = 1;
	p->type = PG_OID_BYTEA;
}

/* The rows a write in a transaction wrote, counted per table for the
 * ANALYZE after its commit (a transaction writing more tables than
 * PG_WRITTEN_MAX counts the first ones). */
static void count_written(struct pg_stmt *s, int64_t rows)
{
	struct pg_db *d = s->db;
	int i;

	if (s->table[0] == '\0' || rows <= 0 ||
	    PQtransactionStatus(d->c) != PQTRANS_INTRANS)
		return;
	for (i = 0; i < d->n_written; i++)
		if (strcmp(d->written[i].table, s->table) == 0)
			break;
	if (i == d->n_written) {
		if (i == PG_WRITTEN_MAX)
			return;
		ob_strlcpy(d->written[i].table, s->table,
			   sizeof(d->written[i].table));
		d->written[i].rows = 0;
		d->n_written++;
	}
	d->written[i].rows += rows;
}

/* One run of a statement as one round trip, in pipeline mode:
 *   [SAVEPOINT] [Parse of the named statement] Bind/Execute [RELEASE] Sync
 * A statement that fails inside a transaction fails alone, as in SQLite
 * (the store goes on after a unique violation, OB_E_EXISTS, in the same
 * transaction), where PostgreSQL would abort the transaction: a write in
 * a transaction runs under a savepoint, rolled back to (a second round
 * trip, only then) when it fails. The statement's result is kept in
 * s->res; the others are dropped. */
enum { Q_SAVEPOINT, Q_PREPARE, Q_STMT, Q_RELEASE, Q_COUNT };

static bool send_one(PGconn *c, const char *sql)
{
	return PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0) == 1;
}

/* Are the parameter types of this run those the statement was prepared
 * with? A NULL fits any type. */
static bool types_fit(const struct pg_stmt *s, const char *const *vals,
		      const Oid *types)
{
	for (int i = 0; i < s->nparams; i++)
		if (vals[i] != NULL && types[i] != s->ptypes[i])
			return false;
	return true;
}

static int run(struct pg_stmt *s)
{
	const char *vals[PG_MAX_PARAMS];
	int lens[PG_MAX_PARAMS], fmts[PG_MAX_PARAMS];
	Oid types[PG_MAX_PARAMS];
	struct pg_db *d = s->db;
	PGconn *c = d->c;
	bool sent[Q_COUNT] = {false};
	PGresult *res[Q_COUNT] = {NULL};
	bool named, prepare = false, ok = true;
	char keep[sizeof(d->err)];
	ExecStatusType st;
	const char *n;
	int ret = 0, fail = -1;

	/* the statements' parameter counts are bounded at prepare */
	for (int i = 0; i < s->nparams; i++) {
		vals[i] = s->p[i].val;
		lens[i] = s->p[i].len;
		fmts[i] = s->p[i].fmt;
		types[i] = s->p[i].type;
		/* a number the text skips ("?1 ... ?3") has no context to
		 * take a type from */
		if (!s->used[i])
			types[i] = PG_OID_TEXT;
	}
	named = s->keep && s->name[0] != '\0' && types_fit(s, vals, types);
	if (s->keep && !named && s->prepares < PG_MAX_PREPARES) {
		/* a type once bound stays declared where this run binds
		 * NULL (NULL fits it): re-prepares are few */
		for (int i = 0; i < s->nparams; i++)
			if (vals[i] != NULL || s->name[0] == '\0')
				s->ptypes[i] = types[i];
		snprintf(s->name, sizeof(s->name), "ds%lu", ++d->next_name);
		s->prepares++;
		prepare = named = true;
	}
	if (PQenterPipelineMode(c) != 1) {
		set_err(d, PQerrorMessage(c));
		return OB_E_IO;
	}
	if (s->write && PQtransactionStatus(c) == PQTRANS_INTRANS)
		ok = sent[Q_SAVEPOINT] = send_one(c, "SAVEPOINT ds_stmt");
	if (ok && prepare)
		ok = sent[Q_PREPARE] =
			PQsendPrepare(c, s->name, s->sql, s->nparams,
				      s->ptypes) == 1;
	if (ok)
		ok = sent[Q_STMT] =
			(named ? PQsendQueryPrepared(c, s->name, s->nparams,
						     vals, lens, fmts, 0)
			       : PQsendQueryParams(c, s->sql, s->nparams, types,
						   vals, lens, fmts, 0)) == 1;
	if (ok && sent[Q_SAVEPOINT])
		ok = sent[Q_RELEASE] = send_one(c, "RELEASE SAVEPOINT ds_stmt");
	if (ok)
		ok = PQpipelineSync(c) == 1;
	if (!ok) {
		set_err(d, PQerrorMessage(c));
		if (prepare)
			s->name[0] = '\0';
		/* a connection that cannot send is lost: the store drops it */
		(void)PQexitPipelineMode(c);
		return OB_E_IO;
	}
	/* each query's results end with a NULL; then the Sync's */
	for (int q = 0; q < Q_COUNT; q++) {
		PGresult *r;

		if (!sent[q])
			continue;
		while ((r = PQgetResult(c)) != NULL) {
			if (res[q] == NULL)
				res[q] = r;
			else
				PQclear(r);
		}
		st = PQresultStatus(res[q]);
		if (fail < 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			fail = q;
	}
	for (;;) {
		PGresult *r = PQgetResult(c);

		if (r == NULL)
			break; /* a lost connection: no Sync to wait for */
		st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	(void)PQexitPipelineMode(c);
	s->ran = true;
	if (fail >= 0) {
		/* the first failure says why; the rest were skipped */
		ret = pg_code(d, res[fail]);
		if (prepare && fail <= Q_PREPARE)
			s->name[0] = '\0';
		memcpy(keep, d->err, sizeof(keep));
		if (sent[Q_SAVEPOINT] && fail > Q_SAVEPOINT && ret != OB_E_IO &&
		    PQstatus(c) == CONNECTION_OK)
			(void)pg_exec(&d->base,
				      "ROLLBACK TO SAVEPOINT ds_stmt; "
				      "RELEASE SAVEPOINT ds_stmt");
		memcpy(d->err, keep, sizeof(keep));
		for (int q = 0; q < Q_COUNT; q++)
			PQclear(res[q]);
		return ret;
	}
	PQclear(res[Q_SAVEPOINT]);
	PQclear(res[Q_PREPARE]);
	PQclear(res[Q_RELEASE]);
	s->res = res[Q_STMT];
	st = PQresultStatus(s->res);
	n = PQcmdTuples(s->res);
	if (n[0] != '\0') {
		s->db->changes = strtoll(n, NULL, 10);
		count_written(s, s->db->changes);
	}
	s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
	if (s->returning_id) {
		if (s->nrows > 0)
			s->db->last_id = strtoll(
				PQgetvalue(s->res, s->nrows - 1, 0), NULL, 10);
		s->nrows = 0;
	}
	return 0;
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = PGS(st);

	if (!s->ran) {
		int ret = run(s);

		if (ret < 0)
			return ret;
		s->row = 0;
	} else {
		if (s->res == NULL)
			return OB_E_FAIL;
		s->row++;
	}
	free(s->blob);
	s->blob = NULL;
	s->blob_col = -1;
	return s->row < s->nrows ? DB_ROW : DB_DONE;
}

static bool have(struct pg_stmt *s, int col)
{
	return s->res != NULL && s->row < s->nrows && col >= 0 &&
	       col < PQnfields(s->res);
}

static bool pg_column_null(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);

	return !have(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_column_int64(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);
	const char *v;

	if (pg_column_null(st, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == PG_OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

/* A bytea column of the current row, decoded once, NUL-terminated
 * (column_text promises it). */
static bool decode_blob(struct pg_stmt *s, int col)
{
	unsigned char *raw;
	size_t n;

	if (PQftype(s->res, col) != PG_OID_BYTEA)
		return false;
	if (s->blob_col == col)
		return true;
	free(s->blob);
	s->blob = NULL;
	s->blob_col = -1;
	raw = PQunescapeBytea(
		(const unsigned char *)PQgetvalue(s->res, s->row, col), &n);
	if (raw == NULL)
		return false;
	s->blob = malloc(n + 1);
	if (s->blob != NULL) {
		memcpy(s->blob, raw, n);
		s->blob[n] = '\0';
		s->blob_len = n;
		s->blob_col = col;
	}
	PQfreemem(raw);
	return s->blob != NULL;
}

static const char *pg_column_text(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);

	if (pg_column_null(st, col))
		return NULL;
	if (decode_blob(s, col))
		return (const char *)s->blob;
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_column_blob(struct db_stmt *st, int col)
{
	return pg_column_text(st, col);
}

static size_t pg_column_bytes(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PGS(st);

	if (pg_column_null(st, col))
		return 0;
	if (decode_blob(s, col))
		return s->blob_len;
	return (size_t)PQgetlength(s->res, s->row, col);
}

const struct db_driver db_pg_driver = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.clear_bindings = pg_clear_bindings,
	.step = pg_step,
	.bind_null = pg_bind_null,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_text_copy = pg_bind_text_copy,
	.bind_blob = pg_bind_blob,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
	.column_null = pg_column_null,
	.changes = pg_changes,
	.last_insert_id = pg_last_insert_id,
	.in_txn = pg_in_txn,
	.alive = pg_alive,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.dialect = DB_DIALECT_PGSQL,
};

#endif
