/* The agent's local store (see store.h). */
#include "config.h"
#include "agent/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinyin/pinyin.h"
#include "util/buf.h"
#include "util/str.h"
#include "vcard/vcard.h"

/* Statements of the write path, prepared once (a slow sync runs them
 * for every person). */
enum {
	ST_PUT,
	ST_FTS_DEL,
	ST_FTS_INS,
	ST_PHONE_DEL,
	ST_PHONE_INS,
	ST_PERSON_DEL,
	ST_SEARCH_COUNT,
	ST_SEARCH,
	ST_NUMBER,
	ST_COUNT
};

#define PERSON_COLS                                                            \
	"p.luid, p.guid, p.name, p.title, p.unit, p.phones, p.emails"

static const char *const st_sql[ST_COUNT] = {
	[ST_PUT] = "INSERT INTO person (guid, card, name, title, unit, "
		   "phones, emails, gen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		   "?8) ON CONFLICT (guid) DO UPDATE SET card = excluded.card, "
		   "name = excluded.name, title = excluded.title, "
		   "unit = excluded.unit, phones = excluded.phones, "
		   "emails = excluded.emails, gen = excluded.gen RETURNING "
		   "luid",
	[ST_FTS_DEL] = "DELETE FROM person_fts WHERE rowid = ?",
	[ST_FTS_INS] = "INSERT INTO person_fts (rowid, name, pinyin, title, "
		       "unit, email) VALUES (?, ?, ?, ?, ?, ?)",
	[ST_PHONE_DEL] = "DELETE FROM phone WHERE luid = ?",
	[ST_PHONE_INS] = "INSERT INTO phone (rdigits, luid) VALUES (?, ?)",
	[ST_PERSON_DEL] = "DELETE FROM person WHERE luid = ?",
	/* whole-word matches, counted up to the list's length */
	[ST_SEARCH_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM person_fts "
			    "WHERE person_fts MATCH ?1 LIMIT ?2)",
	/* bm25 is computed for the first 300 matches only: a query as broad
	 * as one family name matches thousands, and ranking them all costs
	 * milliseconds for a list nobody reads to the end. Names weigh
	 * most, then pinyin, then title. */
	[ST_SEARCH] = "SELECT " PERSON_COLS ", f.r FROM (SELECT rowid, "
		      "bm25(person_fts, 10.0, 5.0, 2.0, 1.0, 1.0) AS r FROM "
		      "person_fts WHERE person_fts MATCH ?1 LIMIT 300) f JOIN "
		      "person p ON p.luid = f.rowid ORDER BY f.r LIMIT ?2",
	[ST_NUMBER] = "SELECT DISTINCT " PERSON_COLS " FROM phone f JOIN "
		      "person p ON p.luid = f.luid WHERE f.rdigits >= ?1 AND "
		      "f.rdigits < ?2 ORDER BY p.name LIMIT 50",
};

/* A search row waiting for the end of the batch (see flush_index). */
struct fts_row {
	int64_t luid;
	bool replace;  /* the person had a row: delete it first */
	char *text[5]; /* name, pinyin, title, unit, email */
};

struct agent_store {
	sqlite3 *db;
	int64_t gen; /* written into every put (slow-sync sweep) */
	sqlite3_stmt *st[ST_COUNT];
	struct fts_row *pend;
	size_t n_pend, cap_pend;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
	"  value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS person ("
	"  luid INTEGER PRIMARY KEY,"
	"  guid TEXT NOT NULL UNIQUE,"
	"  card TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  unit TEXT NOT NULL DEFAULT '',"
	"  phones TEXT NOT NULL DEFAULT '',"
	"  emails TEXT NOT NULL DEFAULT '',"
	"  gen INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS person_unit ON person(unit);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS person_fts USING fts5("
	"  name, pinyin, title, unit, email,"
	"  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
	/* phone numbers' digits reversed: a suffix is a prefix here */
	"CREATE TABLE IF NOT EXISTS phone (rdigits TEXT NOT NULL, "
	"  luid INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS phone_rdigits ON phone(rdigits);"
	"CREATE INDEX IF NOT EXISTS phone_luid ON phone(luid);"
	"PRAGMA user_version = 2;";

/* The layout this code writes. A store of an older one (version 1: a
 * one-letter prefix index, which cost a third of a first sync's time for
 * queries too broad to be useful) is emptied, anchors included, so the
 * next sync is a slow one that rebuilds it. */
#define STORE_VERSION 2
static const char reset_old[] =
	"BEGIN IMMEDIATE;"
	"DROP TABLE IF EXISTS person_fts;"
	"DELETE FROM person;"
	"DELETE FROM phone;"
	"DELETE FROM meta WHERE key IN ('last', 'server_last', 'last_sync');"
	"COMMIT;";

/* The store's layout version: 0 for a new file, 1 for stores written
 * before versions were kept. */
static int layout_version(struct agent_store *s)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v == 0 &&
	    sqlite3_prepare_v2(s->db,
			       "SELECT 1 FROM sqlite_master WHERE name = "
			       "'person'",
			       -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = 1;
		sqlite3_finalize(st);
	}
	return v;
}

static int sql_err(struct agent_store *s, const char *what, struct ob_err *err)
{
	int rc = sqlite3_errcode(s->db);
	return ob_err_set(err, rc == SQLITE_BUSY ? OB_E_BUSY : OB_E_FAIL,
			  "local store: %s: %s", what, sqlite3_errmsg(s->db));
}

static int exec(struct agent_store *s, const char *sql, struct ob_err *err)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : sql_err(s, sql, err);
}

int agent_store_open(const char *path, struct agent_store **s_r,
		     struct ob_err *err)
{
	struct agent_store *s = calloc(1, sizeof(*s));
	int ret;

	if (s == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	/* A new store is created 0600 whatever the umask (SQLite would make
	 * it 0644 less the umask); its -wal and -shm take the file's mode. An
	 * existing file is left as it is; any other error is SQLite's to
	 * report. */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)fchmod(fd, 0600);
		close(fd);
	}
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		ret = ob_err_set(err, OB_E_IO, "cannot open %s: %s", path,
				 s->db ? sqlite3_errmsg(s->db) : "no memory");
		sqlite3_close(s->db);
		free(s);
		return ret;
	}
	sqlite3_busy_timeout(s->db, 5000);
	ret = exec(s,
		   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
		   "PRAGMA cache_size=-24000;",
		   err);
	if (ret == 0) {
		int v = layout_version(s);
		if (v > STORE_VERSION)
			ret = ob_err_set(err, OB_E_VERSION,
					 "%s was written by a newer "
					 "orgbook-agent (layout %d)",
					 path, v);
		else if (v > 0 && v < STORE_VERSION)
			ret = exec(s, reset_old, err);
	}
	if (ret == 0)
		ret = exec(s, schema, err);
	if (ret != 0) {
		agent_store_close(&s);
		return ret;
	}
	*s_r = s;
	return 0;
}

static void drop_pending(struct agent_store *s)
{
	for (size_t i = 0; i < s->n_pend; i++)
		for (int k = 0; k < 5; k++)
			free(s->pend[i].text[k]);
	s->n_pend = 0;
}

static int flush_index(struct agent_store *s, struct ob_err *err);

void agent_store_close(struct agent_store **s)
{
	if (s == NULL || *s == NULL)
		return;
	drop_pending(*s);
	free((*s)->pend);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize((*s)->st[i]);
	sqlite3_close((*s)->db);
	free(*s);
	*s = NULL;
}

int agent_store_begin(struct agent_store *s, struct ob_err *err)
{
	return exec(s, "BEGIN IMMEDIATE", err);
}

int agent_store_commit(struct agent_store *s, struct ob_err *err)
{
	int ret = flush_index(s, err);
	if (ret == 0)
		ret = exec(s, "COMMIT", err);
	if (ret != 0)
		agent_store_rollback(s);
	return ret;
}

void agent_store_rollback(struct agent_store *s)
{
	drop_pending(s);
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *prep(struct agent_store *s, const char *sql,
			  struct ob_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_err(s, "prepare", err);
		return NULL;
	}
	return st;
}

/* A cached statement, reset and unbound; NULL on error (err set). */
static sqlite3_stmt *cached(struct agent_store *s, int which,
			    struct ob_err *err)
{
	if (s->st[which] == NULL &&
	    sqlite3_prepare_v3(s->db, st_sql[which], -1,
			       SQLITE_PREPARE_PERSISTENT, &s->st[which],
			       NULL) != SQLITE_OK) {
		sql_err(s, "prepare", err);
		return NULL;
	}
	sqlite3_reset(s->st[which]);
	sqlite3_clear_bindings(s->st[which]);
	return s->st[which];
}

/* Run a cached statement with one integer parameter. */
static int run_id(struct agent_store *s, int which, int64_t id,
		  struct ob_err *err)
{
	sqlite3_stmt *st = cached(s, which, err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_err(s, st_sql[which], err);
}

/* The search rows of the batch, written after its person rows. FTS5
 * writes its pending terms out at every statement savepoint (each person
 * upsert opens one), so a search row written between two upserts became
 * an index segment of its own, merged again and again: a first sync spent
 * half its time there. */
static int flush_index(struct agent_store *s, struct ob_err *err)
{
	int ret = 0;

	for (size_t i = 0; i < s->n_pend && ret == 0; i++) {
		const struct fts_row *r = &s->pend[i];
		if (r->replace &&
		    (ret = run_id(s, ST_FTS_DEL, r->luid, err)) != 0)
			break;
		sqlite3_stmt *st = cached(s, ST_FTS_INS, err);
		if (st == NULL) {
			ret = err->code;
			break;
		}
		sqlite3_bind_int64(st, 1, r->luid);
		for (int k = 0; k < 5; k++)
			sqlite3_bind_text(st, 2 + k, r->text[k], -1,
					  SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = sql_err(s, "index", err);
		sqlite3_reset(st);
	}
	drop_pending(s);
	return ret;
}

/* Queue a search row for flush_index. */
static int queue_index(struct agent_store *s, int64_t luid, bool replace,
		       const char *const text[5], struct ob_err *err)
{
	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? s->cap_pend * 2 : 256;
		struct fts_row *np = realloc(s->pend, cap * sizeof(*np));
		if (np == NULL)
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		s->pend = np;
		s->cap_pend = cap;
	}
	struct fts_row *r = &s->pend[s->n_pend];
	r->luid = luid;
	r->replace = replace;
	for (int k = 0; k < 5; k++) {
		r->text[k] = strdup(text[k]);
		if (r->text[k] == NULL) {
			for (int j = 0; j < k; j++)
				free(r->text[j]);
			return ob_err_set(err, OB_E_NOMEM, "out of memory");
		}
	}
	s->n_pend++;
	return 0;
}

int agent_store_get(struct agent_store *s, const char *key, char *val,
		    size_t size, struct ob_err *err)
{
	sqlite3_stmt *st;

	if (size > 0)
		val[0] = '\0'; /* "" on every failure too */
	st = prep(s, "SELECT value FROM meta WHERE key = ?", err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ob_strlcpy(val, (const char *)sqlite3_column_text(st, 0), size);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
						     : sql_err(s, "get", err);
}

int agent_store_set(struct agent_store *s, const char *key, const char *val,
		    struct ob_err *err)
{
	sqlite3_stmt *st = prep(
		s, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
		err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_err(s, "set", err);
}

/* ---- indexing ---------------------------------------------------------- */

/* The digits of a phone number up to any extension ("+86 21 6596 0950
 * ext 619" -> "862165960950"): caller ID shows the number without it. */
static void digits_of(const char *num, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = num; *p && o + 1 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == ';' || *p == ',')
			break;
		if (*p >= '0' && *p <= '9')
			out[o++] = *p;
	}
	out[o] = '\0';
}

static void reverse(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n / 2; i++) {
		char t = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = t;
	}
}

/* Characters of s separated by spaces (so "三" alone finds 张三). */
static void spaced(struct ob_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		if (*p >= 0x80) {
			ob_buf_add_char(b, ' ');
			ob_buf_add(b, p, n);
		}
		for (size_t i = 0; i < n && *p; i++)
			p++;
	}
}

/* Append n strings to b (printf was a tenth of storing a person). */
static void cat(struct ob_buf *b, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		(void)ob_buf_add_str(b, va_arg(ap, const char *));
	va_end(ap);
}

int agent_store_put(struct agent_store *s, const char *guid, const char *card,
		    size_t len, int64_t *luid_r, struct ob_err *err)
{
	struct vcard_limits lim = vcard_limits_default();
	struct vcard *vc = NULL;
	struct vcard_contact c;
	struct vcard_error verr;
	struct ob_buf name, py, unit, phones, emails;
	sqlite3_stmt *st = NULL;
	int64_t luid = 0;
	int ret = 0;

	if (vcard_parse(card, len, &lim, &vc, &verr) != 0 ||
	    vcard_contact_from_card(vc, &c, &verr) != 0) {
		char msg[200];
		vcard_free(&vc);
		return ob_err_set_at(
			err,
			verr.code == VCARD_E_LIMIT ? OB_E_LIMIT : OB_E_PARSE,
			(long)verr.line, 0, verr.prop, "%s",
			vcard_error_format(&verr, msg, sizeof(msg)));
	}
	ob_buf_init(&name, 1u << 16);
	ob_buf_init(&py, 1u << 16);
	ob_buf_init(&unit, 1u << 16);
	ob_buf_init(&phones, 1u << 16);
	ob_buf_init(&emails, 1u << 16);
	const char *display = c.display ? c.display : "";
	/* unit: CATEGORIES, else ORG after the company */
	if (c.n_categories > 0) {
		ob_buf_add_str(&unit, c.categories[0]);
	} else {
		for (size_t i = 1; i < c.n_org; i++) {
			if (i > 1)
				ob_buf_add_char(&unit, '/');
			ob_buf_add_str(&unit, c.org[i]);
		}
	}
	cat(&name, 5, display, " ", c.family ? c.family : "", " ",
	    c.given ? c.given : "");
	spaced(&name, display);
	/* pinyin: the card's phonetic name, else computed */
	char full[512], ini[128], fam[256], giv[256];
	full[0] = ini[0] = '\0';
	if (c.phonetic_family || c.phonetic_given) {
		snprintf(fam, sizeof(fam), "%s",
			 c.phonetic_family ? c.phonetic_family : "");
		snprintf(giv, sizeof(giv), "%s",
			 c.phonetic_given ? c.phonetic_given : "");
		cat(&py, 6, fam, " ", giv, " ", fam, giv);
	}
	if (pinyin_text(display, strlen(display), true, full, sizeof(full), ini,
			sizeof(ini)) >= -2 &&
	    *full != '\0')
		cat(&py, 4, " ", full, " ", ini);
	for (size_t i = 0; i < c.n_phones; i++)
		cat(&phones, 2, i ? ", " : "", c.phones[i].number);
	for (size_t i = 0; i < c.n_emails; i++)
		cat(&emails, 2, i ? " " : "", c.emails[i]);

	st = cached(s, ST_PUT, err);
	if (st == NULL) {
		ret = err->code;
		goto out;
	}
	sqlite3_bind_text(st, 1, guid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, card, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, display, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c.title ? c.title : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ob_buf_str(&unit), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ob_buf_str(&phones), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ob_buf_str(&emails), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, s->gen);
	int64_t last = sqlite3_last_insert_rowid(s->db);
	if (sqlite3_step(st) != SQLITE_ROW) {
		ret = sql_err(s, "put", err);
		goto out;
	}
	luid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	st = NULL;
	/* The search rows: replaced, the text one at the end of the batch.
	 * A new row (the upsert inserted: only an insert moves the last
	 * rowid) has none to remove. */
	bool inserted = sqlite3_last_insert_rowid(s->db) != last;
	if (!inserted && (ret = run_id(s, ST_PHONE_DEL, luid, err)) != 0)
		goto out;
	const char *text[5] = {ob_buf_str(&name), ob_buf_str(&py),
			       c.title ? c.title : "", ob_buf_str(&unit),
			       ob_buf_str(&emails)};
	if ((ret = queue_index(s, luid, !inserted, text, err)) != 0)
		goto out;
	if (sqlite3_get_autocommit(s->db) && (ret = flush_index(s, err)) != 0)
		goto out; /* no batch: written at once */
	st = cached(s, ST_PHONE_INS, err);
	if (st == NULL) {
		ret = err->code;
		goto out;
	}
	for (size_t i = 0; i < c.n_phones; i++) {
		char d[64];
		digits_of(c.phones[i].number, d, sizeof(d));
		if (strlen(d) < 4)
			continue;
		reverse(d);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, luid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ret = sql_err(s, "phone", err);
			goto out;
		}
	}
	sqlite3_reset(st);
	st = NULL;
	if (luid_r != NULL)
		*luid_r = luid;
out:
	if (st != NULL)
		sqlite3_reset(st); /* cached: never finalized here */
	vcard_free(&vc);
	ob_buf_deinit(&name);
	ob_buf_deinit(&py);
	ob_buf_deinit(&unit);
	ob_buf_deinit(&phones);
	ob_buf_deinit(&emails);
	return ret;
}

int agent_store_delete(struct agent_store *s, int64_t luid, struct ob_err *err)
{
	int ret = flush_index(s, err); /* the index in order */
	if (ret == 0)
		ret = run_id(s, ST_PERSON_DEL, luid, err);
	if (ret == 0)
		ret = run_id(s, ST_FTS_DEL, luid, err);
	if (ret == 0)
		ret = run_id(s, ST_PHONE_DEL, luid, err);
	return ret;
}

void agent_store_mark(struct agent_store *s, int64_t gen)
{
	s->gen = gen;
}

int agent_store_sweep(struct agent_store *s, int64_t gen, int64_t *n_r,
		      struct ob_err *err)
{
	char sql[300];
	int ret = flush_index(s, err);
	if (ret != 0)
		return ret;
	snprintf(sql, sizeof(sql),
		 "DELETE FROM person_fts WHERE rowid IN (SELECT luid FROM "
		 "person WHERE gen < %lld); DELETE FROM phone WHERE luid IN "
		 "(SELECT luid FROM person WHERE gen < %lld); DELETE FROM "
		 "person WHERE gen < %lld",
		 (long long)gen, (long long)gen, (long long)gen);
	ret = exec(s, sql, err);
	if (ret == 0 && n_r != NULL)
		*n_r = sqlite3_changes(s->db);
	return ret;
}

int agent_store_keep(struct agent_store *s, const char *guid,
		     struct ob_err *err)
{
	sqlite3_stmt *st =
		prep(s, "UPDATE person SET gen = ? WHERE guid = ?", err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_int64(st, 1, s->gen);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_err(s, "keep", err);
}

int agent_store_guid(struct agent_store *s, int64_t luid, char *guid,
		     size_t size, struct ob_err *err)
{
	sqlite3_stmt *st =
		prep(s, "SELECT guid FROM person WHERE luid = ?", err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_int64(st, 1, luid);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW)
		ob_strlcpy(guid, (const char *)sqlite3_column_text(st, 0),
			   size);
	else
		ret = rc == SQLITE_DONE
			      ? ob_err_set(err, OB_E_NOTFOUND, "no luid %lld",
					   (long long)luid)
			      : sql_err(s, "guid", err);
	sqlite3_finalize(st);
	return ret;
}

int agent_store_clear(struct agent_store *s, struct ob_err *err)
{
	drop_pending(s);
	return exec(s,
		    "DELETE FROM person; DELETE FROM person_fts; "
		    "DELETE FROM phone",
		    err);
}

int agent_store_count(struct agent_store *s, int64_t *n_r, struct ob_err *err)
{
	sqlite3_stmt *st = prep(s, "SELECT count(*) FROM person", err);
	if (st == NULL)
		return err->code;
	int rc = sqlite3_step(st);
	*n_r = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sql_err(s, "count", err);
}

/* ---- queries ------------------------------------------------------------ */

static int rows(struct agent_store *s, sqlite3_stmt *st, int rank_col,
		int (*fn)(const struct agent_person *p, void *ctx), void *ctx,
		struct ob_err *err)
{
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct agent_person p = {
			.luid = sqlite3_column_int64(st, 0),
			.guid = (const char *)sqlite3_column_text(st, 1),
			.name = (const char *)sqlite3_column_text(st, 2),
			.title = (const char *)sqlite3_column_text(st, 3),
			.unit = (const char *)sqlite3_column_text(st, 4),
			.phones = (const char *)sqlite3_column_text(st, 5),
			.emails = (const char *)sqlite3_column_text(st, 6),
			.rank = rank_col > 0
					? sqlite3_column_double(st, rank_col)
					: 0,
		};
		ret = fn(&p, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sql_err(s, "query", err);
	return ret;
}

int agent_store_lookup_number(struct agent_store *s, const char *number,
			      int (*fn)(const struct agent_person *p,
					void *ctx),
			      void *ctx, struct ob_err *err)
{
	char d[64], hi[66];
	digits_of(number, d, sizeof(d));
	if (strlen(d) < 4)
		return ob_err_set(err, OB_E_INVAL,
				  "give at least 4 digits of the number");
	/* A number is found by a suffix; the last ten digits of a longer
	 * query are one, whether or not either side has a country code. */
	size_t dl = strlen(d);
	if (dl > 10)
		memmove(d, d + dl - 10, 11);
	reverse(d);
	snprintf(hi, sizeof(hi), "%s;", d); /* ';' follows '9' */
	sqlite3_stmt *st = cached(s, ST_NUMBER, err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, d, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	int ret = rows(s, st, 0, fn, ctx, err);
	sqlite3_reset(st);
	return ret;
}

/* An FTS5 query: every word of the input as a quoted prefix term. */
static int fts_query(const char *q, bool prefix, struct ob_buf *out)
{
	const char *p = q;
	int words = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (words++)
			ob_buf_add_char(out, ' ');
		ob_buf_add_char(out, '"');
		for (const char *c = w; c < p; c++) {
			if (*c == '"')
				ob_buf_add_char(out, '"');
			ob_buf_add_char(out, *c);
		}
		ob_buf_add_str(out, prefix ? "\"*" : "\"");
	}
	return words;
}

int agent_store_search(struct agent_store *s, const char *query, int limit,
		       int (*fn)(const struct agent_person *p, void *ctx),
		       void *ctx, struct ob_err *err)
{
	struct ob_buf q;
	int ret = flush_index(s, err); /* a batch's own rows are found too */
	size_t digits = 0, others = 0;

	if (ret != 0)
		return ret;
	for (const char *c = query; *c; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (*c != ' ' && *c != '+' && *c != '-')
			others++;
	}
	if (digits >= 4 && others == 0)
		return agent_store_lookup_number(s, query, fn, ctx, err);
	ob_buf_init(&q, 4096);
	if (fts_query(query, false, &q) == 0) {
		ob_buf_deinit(&q);
		return ob_err_set(err, OB_E_INVAL, "empty search");
	}
	/* Whole words first: when they alone fill the list, the prefix
	 * query (which for a word of four letters or more walks every
	 * longer term: wang, wangwei, wangfang ...) is not needed. */
	if (limit <= 0)
		limit = 20;
	sqlite3_stmt *cnt = cached(s, ST_SEARCH_COUNT, err);
	if (cnt == NULL) {
		ob_buf_deinit(&q);
		return err->code;
	}
	sqlite3_bind_text(cnt, 1, ob_buf_str(&q), -1, SQLITE_STATIC);
	sqlite3_bind_int(cnt, 2, limit);
	int whole = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int(cnt, 0)
						    : 0;
	sqlite3_reset(cnt);
	if (whole < limit) {
		ob_buf_reset(&q);
		fts_query(query, true, &q);
	}
	sqlite3_stmt *st = cached(s, ST_SEARCH, err);
	if (st == NULL) {
		ob_buf_deinit(&q);
		return err->code;
	}
	sqlite3_bind_text(st, 1, ob_buf_str(&q), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	ret = rows(s, st, 7, fn, ctx, err);
	sqlite3_reset(st);
	ob_buf_deinit(&q);
	return ret;
}

int agent_store_units(struct agent_store *s, const char *path,
		      int (*unit_fn)(const char *name, int64_t count,
				     void *ctx),
		      int (*person_fn)(const struct agent_person *p, void *ctx),
		      void *ctx, struct ob_err *err)
{
	char lo[1024], hi[1024];
	size_t pl = strlen(path);
	int ret = 0, rc;

	if (pl > 0)
		snprintf(lo, sizeof(lo), "%s/", path);
	else
		lo[0] = '\0';
	/* '/' + 1 is '0': [path/, path0) is the subtree below path */
	snprintf(hi, sizeof(hi), "%s0", path);
	/* sub-units: group the subtree's paths by their next part */
	sqlite3_stmt *st = prep(s,
				pl > 0 ? "SELECT unit, count(*) FROM person "
					 "WHERE unit >= ?1 AND unit < ?2 "
					 "GROUP BY unit ORDER BY unit"
				       : "SELECT unit, count(*) FROM person "
					 "WHERE unit != '' AND ?1 = ?1 AND ?2 "
					 "= ?2 GROUP BY unit ORDER BY unit",
				err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	char cur[512] = "";
	int64_t count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ret == 0) {
		const char *u =
			(const char *)sqlite3_column_text(st, 0) + strlen(lo);
		size_t n = strcspn(u, "/");
		if (n >= sizeof(cur))
			n = sizeof(cur) - 1;
		if (strncmp(cur, u, n) != 0 || cur[n] != '\0') {
			if (*cur && unit_fn != NULL)
				ret = unit_fn(cur, count, ctx);
			memcpy(cur, u, n);
			cur[n] = '\0';
			count = 0;
		}
		count += sqlite3_column_int64(st, 1);
	}
	if (ret == 0 && *cur && unit_fn != NULL)
		ret = unit_fn(cur, count, ctx);
	sqlite3_finalize(st);
	if (ret != 0 || person_fn == NULL)
		return ret;
	st = prep(s,
		  "SELECT " PERSON_COLS " FROM person p WHERE p.unit = ?1 "
		  "ORDER BY p.name",
		  err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	ret = rows(s, st, 0, person_fn, ctx, err);
	sqlite3_finalize(st);
	return ret;
}

int agent_store_card(struct agent_store *s, const char *id, char **card_r,
		     struct ob_err *err)
{
	sqlite3_stmt *st = prep(s,
				"SELECT card FROM person WHERE guid = ?1 OR "
				"CAST(luid AS TEXT) = ?1 LIMIT 1",
				err);
	if (st == NULL)
		return err->code;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		*card_r = strdup((const char *)sqlite3_column_text(st, 0));
		if (*card_r == NULL)
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
	} else {
		ret = rc == SQLITE_DONE ? ob_err_set(err, OB_E_NOTFOUND,
						     "no person %s", id)
					: sql_err(s, "card", err);
	}
	sqlite3_finalize(st);
	return ret;
}

int agent_store_cards(struct agent_store *s, const char *unit,
		      int (*fn)(const char *card, void *ctx), void *ctx,
		      struct ob_err *err)
{
	char hi[1024];
	snprintf(hi, sizeof(hi), "%s0", unit ? unit : "");
	sqlite3_stmt *st =
		prep(s,
		     unit && *unit ? "SELECT card FROM person WHERE unit = "
				     "?1 OR (unit >= ?1 || '/' AND unit < "
				     "?2) ORDER BY luid"
				   : "SELECT card FROM person ORDER BY luid",
		     err);
	if (st == NULL)
		return err->code;
	if (unit && *unit) {
		sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	}
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = fn((const char *)sqlite3_column_text(st, 0), ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sql_err(s, "cards", err);
	sqlite3_finalize(st);
	return ret;
}
