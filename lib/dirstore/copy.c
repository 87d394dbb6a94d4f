/* Copy a whole store into an empty one (orgbook-admin migrate): every
 * table of the schema, row by row through the driver interface, in one
 * write transaction on the destination, then the row counts compared
 * table by table and the destination's identity sequences advanced past
 * the copied ids.
 *
 * Promises: the destination changes only if every table copied and every
 * count matches (one transaction, rolled back on any failure); a table
 * of the source's schema that is neither in the list below nor known as
 * engine data fails the copy (so a new table cannot be forgotten); a
 * destination holding anything but the rows its schema seeds is refused
 * with OB_E_EXISTS.
 * What it never does: copy the key file (the caller's; the copied MD5
 * secrets need the same key), change the source, or log. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dirstore/dirstore.h"
#include "dirstore/internal.h"

/* parent before child; seeded: the schema writes rows of it, so the
 * destination's are replaced */
static const struct {
	const char *name;
	bool seeded;
} tables[] = {
	{"tenant", false},
	{"account", false},
	{"unit", false},
	{"person", false},
	{"photo", false},
	{"change_log", false},
	{"sync_state", false},
	{"id_map", false},
	{"id_map_rev", false},
	{"id_map_gone", false},
	{"sml_session", false},
	{"sml_pending", false},
	{"sml_nonce", false},
	{"sml_nonce_old", false},
	{"auth_throttle", false},
	{"sml_chunk", false},
	{"web_session", false},
	{"account_log", false},
	{"web_upload", false},
	{"sml_mapbatch", false},
	{"health", true},
	{"person_seq", true},
	{"import_undo", false},
	{"import_undo_person", false},
	{"import_undo_unit", false},
	{"account_reset", false},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* what each schema writes itself: its version, PostgreSQL's pinyin; and
 * the thumbnail cache (thumb.c), made again on first use */
static const char *const not_copied[] = {"ds_pinyin", "ds_pinyin_double",
					 "photo_thumb", "schema_version"};

#define MAX_COLS 64
#define SQL_MAX 4096

enum col_type { COL_INT, COL_TEXT, COL_BLOB };

struct cols {
	int n;
	char name[MAX_COLS][64];
	enum col_type type[MAX_COLS];
};

static const char *const list_tables[DB_DIALECT_COUNT] = {
	"SELECT name FROM sqlite_master WHERE type = 'table' AND "
	"name NOT LIKE 'sqlite%'",
	"SELECT table_name FROM information_schema.tables WHERE "
	"table_schema = current_schema() AND table_type = 'BASE TABLE'",
};
static const char *const list_cols[DB_DIALECT_COUNT] = {
	"SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
	"SELECT column_name, data_type FROM information_schema.columns "
	"WHERE table_schema = current_schema() AND table_name = ? "
	"ORDER BY ordinal_position",
};
/* source order kept (PostgreSQL gives the rowid columns in that order) */
static const char *const row_order[DB_DIALECT_COUNT] = {" ORDER BY rowid", ""};

static bool known_table(const char *name)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (strcmp(tables[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < sizeof(not_copied) / sizeof(*not_copied); i++)
		if (strcmp(not_copied[i], name) == 0)
			return true;
	return false;
}

/* an identifier safe to write into SQL text */
static bool plain_name(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) >= 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

static bool has_word(const char *type, const char *w)
{
	size_t n = strlen(w);

	for (; *type != '\0'; type++)
		if (strncasecmp(type, w, n) == 0)
			return true;
	return false;
}

static int schema_complete(struct dstore *s, struct ob_err *err)
{
	struct db_stmt *st;
	int ret = db_prepare(s->db, list_tables[s->db->drv->dialect], 0, &st);

	if (ret < 0)
		return ds_sql_err(s, ret, "copy: tables", err);
	while ((ret = db_step(st)) == DB_ROW) {
		const char *name = db_column_text(st, 0);

		if (name != NULL && !known_table(name)) {
			ret = ob_err_set(err, OB_E_FAIL,
					 "copy: table %s is not in the copy's "
					 "list (lib/dirstore/copy.c)",
					 name);
			db_finalize(st);
			return ret;
		}
	}
	db_finalize(st);
	return ret < 0 ? ds_sql_err(s, ret, "copy: tables", err) : 0;
}

static int columns(struct dstore *s, const char *table, struct cols *c,
		   struct ob_err *err)
{
	struct db_stmt *st;
	int ret = db_prepare(s->db, list_cols[s->db->drv->dialect], 0, &st);

	if (ret < 0)
		return ds_sql_err(s, ret, "copy: columns", err);
	db_bind_text(st, 1, table);
	c->n = 0;
	while ((ret = db_step(st)) == DB_ROW) {
		const char *n = db_column_text(st, 0);
		const char *t = db_column_text(st, 1);

		if (!plain_name(n) || c->n >= MAX_COLS) {
			db_finalize(st);
			return ob_err_set(err, OB_E_FAIL,
					  "copy: %s: unexpected column", table);
		}
		snprintf(c->name[c->n], sizeof(c->name[0]), "%s", n);
		t = t != NULL ? t : "";
		c->type[c->n] = has_word(t, "INT") ? COL_INT
				: has_word(t, "BLOB") || has_word(t, "BYTEA")
					? COL_BLOB
					: COL_TEXT;
		c->n++;
	}
	db_finalize(st);
	if (ret < 0)
		return ds_sql_err(s, ret, "copy: columns", err);
	if (c->n == 0)
		return ob_err_set(err, OB_E_FAIL, "copy: %s: no columns",
				  table);
	return 0;
}

static int count_rows(struct dstore *s, const char *table, int64_t *n_r,
		      struct ob_err *err)
{
	char sql[128];
	struct db_stmt *st;
	int ret;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	ret = db_prepare(s->db, sql, 0, &st);
	if (ret < 0)
		return ds_sql_err(s, ret, "copy: count", err);
	ret = db_step(st);
	*n_r = ret == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	return ret == DB_ROW ? 0 : ds_sql_err(s, ret, "copy: count", err);
}

static void build_sql(const char *table, const struct cols *c,
		      enum db_dialect from, char *sel, char *ins)
{
	/* a unit may have been moved under one created after it: units
	 * go parents first, by depth, not in creation order */
	bool tree = strcmp(table, "unit") == 0;
	size_t a = (size_t)snprintf(
		sel, SQL_MAX, "%sSELECT ",
		tree ? "WITH RECURSIVE d(id, depth) AS (SELECT id, 0 FROM unit "
		       "WHERE parent_id IS NULL UNION ALL SELECT u.id, "
		       "d.depth + 1 FROM unit u JOIN d ON u.parent_id = d.id) "
		     : "");
	size_t b = (size_t)snprintf(ins, SQL_MAX, "INSERT INTO %s (", table);

	for (int i = 0; i < c->n; i++) {
		a += (size_t)snprintf(sel + a, SQL_MAX - a, "%s%s.%s",
				      i ? ", " : "", table, c->name[i]);
		b += (size_t)snprintf(ins + b, SQL_MAX - b, "%s%s",
				      i ? ", " : "", c->name[i]);
	}
	if (tree)
		snprintf(sel + a, SQL_MAX - a,
			 " FROM unit JOIN d ON d.id = unit.id ORDER BY "
			 "d.depth, unit.id");
	else
		snprintf(sel + a, SQL_MAX - a, " FROM %s%s", table,
			 row_order[from]);
	b += (size_t)snprintf(ins + b, SQL_MAX - b, ") VALUES (");
	for (int i = 0; i < c->n; i++)
		b += (size_t)snprintf(ins + b, SQL_MAX - b, "%s?",
				      i ? ", " : "");
	snprintf(ins + b, SQL_MAX - b, ")");
}

static void bind_row(struct db_stmt *in, struct db_stmt *out,
		     const struct cols *c)
{
	for (int i = 0; i < c->n; i++) {
		if (db_column_null(in, i))
			db_bind_null(out, i + 1);
		else if (c->type[i] == COL_INT)
			db_bind_int64(out, i + 1, db_column_int64(in, i));
		else if (c->type[i] == COL_BLOB)
			db_bind_blob(out, i + 1, db_column_blob(in, i),
				     db_column_bytes(in, i));
		else
			db_bind_textn(out, i + 1, db_column_text(in, i),
				      db_column_bytes(in, i));
	}
}

static int copy_table(struct dstore *from, struct dstore *to, const char *table,
		      struct ob_err *err)
{
	static char sel[SQL_MAX], ins[SQL_MAX];
	struct cols c;
	struct db_stmt *in = NULL, *out = NULL;
	int ret = columns(from, table, &c, err);

	if (ret < 0)
		return ret;
	build_sql(table, &c, from->db->drv->dialect, sel, ins);
	ret = db_prepare(from->db, sel, 0, &in);
	if (ret < 0 && row_order[from->db->drv->dialect][0] != '\0') {
		/* a WITHOUT ROWID table: its key's order */
		build_sql(table, &c, DB_DIALECT_PGSQL, sel, ins);
		ret = db_prepare(from->db, sel, 0, &in);
	}
	if (ret < 0)
		return ds_sql_err(from, ret, "copy: read", err);
	ret = db_prepare(to->db, ins, 0, &out);
	if (ret < 0) {
		db_finalize(in);
		return ds_sql_err(to, ret, "copy: write", err);
	}
	while ((ret = db_step(in)) == DB_ROW) {
		bind_row(in, out, &c);
		ret = db_step(out);
		if (ret != DB_DONE)
			break;
		db_reset(out);
		db_clear_bindings(out);
	}
	if (ret == DB_ROW)
		ret = OB_E_FAIL;
	if (ret < 0)
		ret = ds_sql_err(ret == DB_DONE ? from : to, ret, table, err);
	db_finalize(in);
	db_finalize(out);
	return ret < 0 ? ret : 0;
}

/* PostgreSQL: identity columns (GENERATED BY DEFAULT) continue after the
 * copied ids */
static int advance_ids(struct dstore *to, const char *table, struct ob_err *err)
{
	char sql[512];
	char col[8][64];
	int n = 0, ret;
	struct db_stmt *st;

	if (to->db->drv->dialect != DB_DIALECT_PGSQL)
		return 0;
	ret = db_prepare(
		to->db,
		"SELECT column_name FROM information_schema.columns "
		"WHERE table_schema = current_schema() AND "
		"table_name = ? AND identity_generation = 'BY DEFAULT'",
		0, &st);
	if (ret < 0)
		return ds_sql_err(to, ret, "copy: identity", err);
	db_bind_text(st, 1, table);
	while ((ret = db_step(st)) == DB_ROW && n < 8)
		if (plain_name(db_column_text(st, 0)))
			snprintf(col[n++], sizeof(col[0]), "%s",
				 db_column_text(st, 0));
	db_finalize(st);
	if (ret < 0)
		return ds_sql_err(to, ret, "copy: identity", err);
	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
			 "(SELECT coalesce(max(%s), 0) + 1 FROM %s), false)",
			 table, col[i], col[i], table);
		ret = db_prepare(to->db, sql, 0, &st);
		if (ret < 0)
			return ds_sql_err(to, ret, "copy: setval", err);
		ret = db_step(st);
		db_finalize(st);
		if (ret != DB_ROW)
			return ds_sql_err(to, ret, "copy: setval", err);
	}
	return 0;
}

static int dest_empty(struct dstore *to, struct ob_err *err)
{
	for (size_t i = 0; i < NTABLES; i++) {
		int64_t n;
		int ret;

		if (tables[i].seeded)
			continue;
		ret = count_rows(to, tables[i].name, &n, err);
		if (ret < 0)
			return ret;
		if (n > 0)
			return ob_err_set(err, OB_E_EXISTS,
					  "destination is not empty: table %s "
					  "has %lld rows; migrate copies into "
					  "a new, empty store only",
					  tables[i].name, (long long)n);
	}
	return 0;
}

static int copy_all(struct dstore *from, struct dstore *to,
		    dstore_copy_report_fn report, void *arg, struct ob_err *err)
{
	char sql[128];
	int ret = 0;
	bool differ = false;

	for (size_t j = 0; ret == 0 && j < NTABLES; j++)
		if (tables[NTABLES - 1 - j].seeded) {
			snprintf(sql, sizeof(sql), "DELETE FROM %s",
				 tables[NTABLES - 1 - j].name);
			ret = db_exec(to->db, sql);
			if (ret < 0)
				return ds_sql_err(to, ret, "copy: seed", err);
		}
	for (size_t i = 0; i < NTABLES; i++) {
		int64_t a, b;

		ret = copy_table(from, to, tables[i].name, err);
		if (ret == 0)
			ret = advance_ids(to, tables[i].name, err);
		if (ret == 0)
			ret = count_rows(from, tables[i].name, &a, err);
		if (ret == 0)
			ret = count_rows(to, tables[i].name, &b, err);
		if (ret < 0)
			return ret;
		if (report != NULL)
			report(arg, tables[i].name, a, b);
		differ |= a != b;
	}
	if (differ)
		return ob_err_set(err, OB_E_FAIL,
				  "copy: row counts differ; nothing copied");
	return 0;
}

int dstore_copy(struct dstore *from, struct dstore *to,
		dstore_copy_report_fn report, void *arg, struct ob_err *err)
{
	int ret = schema_complete(from, err);

	if (ret == 0)
		ret = schema_complete(to, err);
	if (ret < 0)
		return ret;
	ret = db_begin(to->db);
	if (ret < 0)
		return ds_sql_err(to, ret, "copy: begin", err);
	ret = dest_empty(to, err);
	if (ret == 0)
		ret = copy_all(from, to, report, arg, err);
	if (ret == 0) {
		ret = db_commit(to->db);
		if (ret < 0)
			ret = ds_sql_err(to, ret, "copy: commit", err);
	}
	if (ret < 0)
		db_rollback(to->db);
	return ret;
}
