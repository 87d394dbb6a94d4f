/* Pages of an enterprise's accounts for the administrators' accounts page:
 * the accounts matching a search (part of the login or of the linked
 * person's name, or a role name), sorted by login, role, creation or
 * last sign-in time, counted and paged in SQL, so that an enterprise
 * with thousands of accounts is never read whole.
 *
 * Like page.c, the count comes from the same scan (count(*) OVER ()); the
 * ORDER BY always ends in the account id so that pages never overlap. The
 * statements are fixed strings (one per sort and direction), cached by
 * ds_stmt. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dirstore/internal.h"
#include "util/str.h"

#define WHERE_MATCH                                                            \
	"WHERE a.tenant_id = ?1 AND (?2 = '' OR instr(lower(a.login), "        \
	"lower(?2)) > 0 OR instr(lower(p.display), lower(?2)) > 0 OR "         \
	"(a.role = 1 AND lower(?2) IN ('admin', 'administrator')) OR "         \
	"(a.role = 0 AND lower(?2) = 'user')) "
#define SELECT_PAGE                                                            \
	"SELECT " DS_ACCOUNT_COLS                                              \
	", count(*) OVER () " DS_ACCOUNT_FROM WHERE_MATCH "ORDER BY "
#define LIMIT " LIMIT ?3 OFFSET ?4"

/* NOCASE: SQLite's collation, PostgreSQL's lower() (in a C database it
 * folds ASCII letters only, as NOCASE does) */
#define PAGES(LOGIN)                                                           \
	{                                                                      \
		{SELECT_PAGE LOGIN ", a.id" LIMIT,                             \
		 SELECT_PAGE LOGIN " DESC, a.id DESC" LIMIT},                  \
			{SELECT_PAGE "a.role, " LOGIN ", a.id" LIMIT,          \
			 SELECT_PAGE "a.role DESC, " LOGIN ", a.id" LIMIT},    \
			{SELECT_PAGE "a.created, a.id" LIMIT,                  \
			 SELECT_PAGE "a.created DESC, a.id DESC" LIMIT},       \
			{SELECT_PAGE "a.last_login, a.id" LIMIT,               \
			 SELECT_PAGE "a.last_login DESC, a.id DESC" LIMIT},    \
	}

static const char *const page_sql[DB_DIALECT_COUNT][4][2] = {
	[DB_DIALECT_SQLITE] = PAGES("a.login COLLATE NOCASE"),
	[DB_DIALECT_PGSQL] = PAGES("lower(a.login)"),
};

static const char count_sql[] = "SELECT count(*) " DS_ACCOUNT_FROM WHERE_MATCH;

int dstore_account_page(struct dstore *s, int64_t tenant_id,
			const struct dstore_account_query *q,
			int (*fn)(const struct dstore_account *a, void *ctx),
			void *ctx, int64_t *total_r, struct ob_err *err)
{
	const char *text = q->search ? q->search : "";
	struct db_stmt *st;
	int rc, ret = 0;
	bool any = false;

	*total_r = 0;
	if (q->limit == 0 || q->limit > DSTORE_ACCOUNT_PAGE_MAX ||
	    q->offset < 0 || strlen(text) >= DSTORE_LOGIN_MAX ||
	    (unsigned)q->sort > DSTORE_ACCOUNT_SORT_LAST_LOGIN)
		return ob_err_set(err, OB_E_INVAL, "bad account page query");
	st = ds_stmt(
		s, page_sql[db_dialect(s->db)][q->sort][q->descending ? 1 : 0],
		err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, text);
	db_bind_int64(st, 3, (int64_t)q->limit);
	db_bind_int64(st, 4, q->offset);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_account a;

		ds_account_from_row(st, &a);
		*total_r = db_column_int64(st, 10);
		any = true;
		ret = fn(&a, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "page accounts", err);
	db_reset(st);
	if (ret != 0 || any || q->offset == 0)
		return ret;
	/* A page past the end has no rows to carry the count. */
	st = ds_stmt(s, count_sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, text);
	rc = db_step(st);
	if (rc == DB_ROW)
		*total_r = db_column_int64(st, 0);
	else
		ret = ds_sql_err(s, rc, "count accounts", err);
	db_reset(st);
	return ret;
}
