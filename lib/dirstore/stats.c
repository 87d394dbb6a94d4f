/* Figures of the whole database for /metrics (see syncml-state.h): a few
 * counts over indexed or small tables and the engine's size of the
 * database, read outside any transaction; never writes. */
#include "config.h"
#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"

/* One integer from a statement whose parameters are all now (?1). */
static int one(struct dstore *s, const char *sql, int64_t now, bool bind,
	       int64_t *r, struct ob_err *err)
{
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	if (bind)
		db_bind_int64(st, 1, now);
	rc = db_step(st);
	*r = rc == DB_ROW && !db_column_null(st, 0) ? db_column_int64(st, 0)
						    : 0;
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0
					     : ds_sql_err(s, rc, "stats", err);
}

int dstore_stats_get(struct dstore *s, int64_t now, struct dstore_stats *r,
		     struct ob_err *err)
{
	static const char live_sql[] = "SELECT count(*) FROM sml_session WHERE "
				       "expires > CAST(?1 AS BIGINT) AND "
				       "completed = 0";
	static const char seen_sql[] =
		"SELECT count(DISTINCT device) FROM sync_state WHERE "
		"last_sync > CAST(?1 AS BIGINT) - 86400";
	/* their next sync is slow once the change log is pruned to the
	 * window (dstore_prune) */
	static const char old_sql[] =
		"SELECT count(DISTINCT s.device) FROM sync_state s JOIN tenant "
		"t ON t.id = s.tenant_id WHERE s.last_sync > 0 AND "
		"s.last_sync < CAST(?1 AS BIGINT) - t.retention_days * 86400";
	static const char *const size_sql[] = {
		[DB_DIALECT_SQLITE] = "SELECT p.page_count * s.page_size FROM "
				      "pragma_page_count() p, "
				      "pragma_page_size() s",
		[DB_DIALECT_PGSQL] =
			"SELECT pg_database_size(current_database())",
	};
	int ret;

	ret = one(s, live_sql, now, true, &r->live_sessions, err);
	if (ret == 0)
		ret = one(s, seen_sql, now, true, &r->devices_24h, err);
	if (ret == 0)
		ret = one(s, old_sql, now, true, &r->devices_outside_retention,
			  err);
	if (ret == 0)
		ret = one(s, size_sql[db_dialect(s->db)], now, false,
			  &r->db_bytes, err);
	return ret;
}
