/* Devices' sync state: anchors and the revision each (account, device,
 * datastore) has, and its server-id <-> client-id map. Everything is in the
 * database so any server process can continue a device's session; the
 * caller commits anchors and map changes in one transaction at the end of
 * a completed session (an interrupted session leaves the old state). */
#include "config.h"
#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

#define STATE_COLS                                                             \
	"id, account_id, device, datastore, client_last, server_last, rev, "   \
	"force_slow, last_sync, client_info"

static void state_from_row(struct db_stmt *st, struct dstore_sync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->id = db_column_int64(st, 0);
	s->account_id = db_column_int64(st, 1);
	ob_strlcpy(s->device, db_column_text(st, 2), sizeof(s->device));
	ob_strlcpy(s->datastore, db_column_text(st, 3), sizeof(s->datastore));
	ob_strlcpy(s->client_last, db_column_text(st, 4),
		   sizeof(s->client_last));
	ob_strlcpy(s->server_last, db_column_text(st, 5),
		   sizeof(s->server_last));
	s->rev = db_column_int64(st, 6);
	s->force_slow = db_column_int(st, 7) != 0;
	s->last_sync = db_column_int64(st, 8);
	ob_strlcpy(s->client_info, db_column_text(st, 9),
		   sizeof(s->client_info));
}

int dstore_sync_get(struct dstore *s, int64_t tenant_id, int64_t account_id,
		    const char *device, const char *datastore,
		    struct dstore_sync_state *st_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " STATE_COLS " FROM sync_state WHERE tenant_id = ? AND "
		"account_id = ? AND device = ? AND datastore = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, account_id);
	db_bind_text(st, 3, device);
	db_bind_text(st, 4, datastore);
	rc = db_step(st);
	if (rc == DB_ROW)
		state_from_row(st, st_r);
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "no sync state for that device");
	return rc == DB_ROW ? 0 : ds_sql_err(s, rc, "sync state", err);
}

int dstore_sync_put(struct dstore *s, int64_t tenant_id,
		    struct dstore_sync_state *state, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO sync_state (tenant_id, account_id, device, "
		"datastore, client_last, server_last, rev, force_slow, "
		"last_sync, client_info) VALUES (?,?,?,?,?,?,?,?,?,?) "
		"ON CONFLICT (tenant_id, account_id, device, datastore) DO "
		"UPDATE SET client_last = excluded.client_last, "
		"server_last = excluded.server_last, rev = excluded.rev, "
		"force_slow = excluded.force_slow, "
		"last_sync = excluded.last_sync, "
		"client_info = excluded.client_info RETURNING id";
	struct db_stmt *st;
	int rc, ret;

	ret = ds_write_stmt(s, tenant_id, sql, &st, err);
	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, state->account_id);
	db_bind_text(st, 3, state->device);
	db_bind_text(st, 4, state->datastore);
	db_bind_text(st, 5, state->client_last);
	db_bind_text(st, 6, state->server_last);
	db_bind_int64(st, 7, state->rev);
	db_bind_int(st, 8, state->force_slow);
	db_bind_int64(st, 9, state->last_sync);
	db_bind_text(st, 10, state->client_info);
	rc = db_step(st);
	if (rc == DB_ROW)
		state->id = db_column_int64(st, 0);
	else
		ret = ds_sql_err(s, rc, "store sync state", err);
	db_reset(st);
	return ret;
}

int dstore_sync_force_slow(struct dstore *s, int64_t tenant_id,
			   int64_t account_id, const char *device,
			   struct ob_err *err)
{
	static const char sql[] =
		"UPDATE sync_state SET force_slow = 1 WHERE tenant_id = ? AND "
		"account_id = ? AND (? IS NULL OR device = ?)";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, account_id);
	if (device != NULL) {
		db_bind_text(st, 3, device);
		db_bind_text(st, 4, device);
	}
	ret = ds_exec_stmt(s, st, "force slow sync", err);
	if (ret == 0 && db_changes(s->db) == 0)
		ret = ob_err_set(err, OB_E_NOTFOUND,
				 "no synced device matches");
	return ret;
}

int dstore_sync_list(struct dstore *s, int64_t tenant_id,
		     int (*fn)(const struct dstore_sync_state *st, void *ctx),
		     void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT " STATE_COLS " FROM sync_state WHERE tenant_id = ? "
		"ORDER BY last_sync DESC, id";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_sync_state state;

		state_from_row(st, &state);
		ret = fn(&state, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "list devices", err);
	db_reset(st);
	return ret;
}

/* the sync_state columns prefixed by "s." for the join below */
#define STATE_COLS_S                                                           \
	"s.id, s.account_id, s.device, s.datastore, s.client_last, "           \
	"s.server_last, s.rev, s.force_slow, s.last_sync, s.client_info"

int dstore_device_list(struct dstore *s, int64_t tenant_id, int64_t account_id,
		       const char *device, int64_t now,
		       int (*fn)(const struct dstore_device_info *d, void *ctx),
		       void *ctx, struct ob_err *err)
{
	/* CASE rather than a bare EXISTS: PostgreSQL returns a boolean */
	static const char sql[] =
		"SELECT " STATE_COLS_S ", a.login, "
		"(SELECT COUNT(*) FROM id_map m WHERE m.state_id = s.id), "
		"CASE WHEN EXISTS (SELECT 1 FROM sml_session x WHERE "
		"x.device = s.device AND x.tenant_id = s.tenant_id AND "
		"x.expires > ?1 AND x.completed = 0) THEN 1 ELSE 0 END, "
		"t.pruned_rev "
		"FROM sync_state s JOIN account a ON a.id = s.account_id "
		"JOIN tenant t ON t.id = s.tenant_id "
		"WHERE s.tenant_id = ?2 AND (?3 = 0 OR s.account_id = ?3) "
		"AND (CAST(?4 AS TEXT) IS NULL OR s.device = ?4) "
		"ORDER BY s.device, s.datastore, a.login";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, tenant_id);
	db_bind_int64(st, 3, account_id);
	if (device != NULL)
		db_bind_text(st, 4, device);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_device_info d;
		memset(&d, 0, sizeof(d));
		state_from_row(st, &d.st);
		ob_strlcpy(d.login, db_column_text(st, 10), sizeof(d.login));
		d.items = db_column_int64(st, 11);
		d.live_session = db_column_int(st, 12) != 0;
		d.too_old =
			dstore_rev_pruned(d.st.rev, db_column_int64(st, 13));
		ret = fn(&d, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "list devices", err);
	db_reset(st);
	return ret;
}

int dstore_device_forget(struct dstore *s, int64_t tenant_id,
			 const char *device, int *count_r, struct ob_err *err)
{
	/* the id-map history first: PostgreSQL's has no trigger dropping
	 * it with its state; id_map and id_map_rev go by cascade */
	static const char gone_sql[] =
		"DELETE FROM id_map_gone WHERE state_id IN (SELECT id FROM "
		"sync_state WHERE tenant_id = ? AND device = ?)";
	static const char sql[] =
		"DELETE FROM sync_state WHERE tenant_id = ? AND device = ?";
	struct db_stmt *st;
	int n, ret = ds_write_stmt(s, tenant_id, gone_sql, &st, err);

	if (count_r != NULL)
		*count_r = 0;
	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, device);
	ret = ds_exec_stmt(s, st, "forget device", err);
	if (ret < 0)
		return ret;
	ret = ds_write_stmt(s, tenant_id, sql, &st, err);
	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text(st, 2, device);
	ret = ds_exec_stmt(s, st, "forget device", err);
	if (ret < 0)
		return ret;
	n = (int)db_changes(s->db);
	if (n == 0)
		return ob_err_set(err, OB_E_NOTFOUND,
				  "no sync state for that device");
	if (count_r != NULL)
		*count_r = n;
	return 0;
}

int dstore_map_put(struct dstore *s, int64_t tenant_id, int64_t state_id,
		   const char *guid, const char *luid, int64_t rev,
		   struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO id_map (state_id, tenant_id, guid, luid, rev) "
		"SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM "
		"sync_state WHERE id = ?1 AND tenant_id = ?2) "
		"ON CONFLICT (state_id, guid) DO UPDATE SET "
		"luid = excluded.luid, rev = excluded.rev";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, guid);
	db_bind_text(st, 4, luid);
	db_bind_int64(st, 5, rev);
	ret = ds_exec_stmt(s, st, "map", err);
	if (ret == 0 && db_changes(s->db) == 0)
		ret = ob_err_set(err, OB_E_NOTFOUND, "no such sync state");
	if (ret == 0)
		ret = ds_map_rev_put(s, tenant_id, state_id, guid, luid, err);
	return ret;
}

int ds_map_rev_put(struct dstore *s, int64_t tenant_id, int64_t state_id,
		   const char *guid, const char *luid, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO id_map_rev (state_id, luid, guid) "
		"SELECT ?1, ?3, ?4 FROM sync_state WHERE id = ?1 AND "
		"tenant_id = ?2 AND luid_lookup = 1 "
		"ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, luid);
	db_bind_text(st, 4, guid);
	return ds_exec_stmt(s, st, "map index", err);
}

int ds_map_rev_clear(struct dstore *s, int64_t tenant_id, int64_t state_id,
		     struct ob_err *err)
{
	static const char rows[] =
		"DELETE FROM id_map_rev WHERE state_id = ?1 AND EXISTS "
		"(SELECT 1 FROM sync_state WHERE id = ?1 AND tenant_id = ?2)";
	static const char flag[] = "UPDATE sync_state SET luid_lookup = 0 "
				   "WHERE id = ?1 AND tenant_id = ?2 AND "
				   "luid_lookup = 1";
	const char *steps[2] = {rows, flag};
	int ret = 0;

	for (int i = 0; i < 2 && ret == 0; i++) {
		struct db_stmt *st;
		ret = ds_write_stmt(s, tenant_id, steps[i], &st, err);
		if (ret < 0)
			break;
		db_bind_int64(st, 1, state_id);
		db_bind_int64(st, 2, tenant_id);
		ret = ds_exec_stmt(s, st, "map index clear", err);
	}
	return ret;
}

bool ds_map_rev_on(struct dstore *s, int64_t tenant_id, int64_t state_id)
{
	static const char get[] = "SELECT luid_lookup FROM sync_state WHERE "
				  "id = ? AND tenant_id = ?";
	struct db_stmt *st = ds_stmt(s, get, NULL);
	bool on = false;

	if (st == NULL)
		return false;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	if (db_step(st) == DB_ROW)
		on = db_column_int(st, 0) != 0;
	db_reset(st);
	return on;
}

/* Is state_id's LUID index there? Built now when a write transaction of
 * the tenant is open and it is not. */
static bool luid_index(struct dstore *s, int64_t tenant_id, int64_t state_id)
{
	static const char fill[] =
		"INSERT INTO id_map_rev (state_id, luid, guid) "
		"SELECT state_id, luid, guid FROM id_map WHERE state_id = ?1 "
		"AND tenant_id = ?2 "
		"ON CONFLICT DO NOTHING";
	static const char set[] = "UPDATE sync_state SET luid_lookup = 1 "
				  "WHERE id = ?1 AND tenant_id = ?2";
	struct db_stmt *st;
	bool built = ds_map_rev_on(s, tenant_id, state_id);

	if (built || !s->in_txn || s->txn_tenant != tenant_id)
		return built;
	(void)ds_exec(s, "SAVEPOINT luid_index", NULL);
	for (int i = 0; i < 2; i++) {
		st = ds_stmt(s, i == 0 ? fill : set, NULL);
		if (st == NULL)
			break;
		db_bind_int64(st, 1, state_id);
		db_bind_int64(st, 2, tenant_id);
		if (ds_exec_stmt(s, st, "map index", NULL) != 0)
			break;
		built = i == 1;
	}
	/* all or nothing: a failed build leaves the lookups reading through */
	(void)ds_exec(s,
		      built ? "RELEASE luid_index"
			    : "ROLLBACK TO luid_index; RELEASE luid_index",
		      NULL);
	return built;
}

int dstore_map_delete(struct dstore *s, int64_t tenant_id, int64_t state_id,
		      const char *guid, struct ob_err *err)
{
	static const char sql[] = "DELETE FROM id_map WHERE state_id = ? AND "
				  "tenant_id = ? AND guid = ?";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, guid);
	return ds_exec_stmt(s, st, "map delete", err);
}

int dstore_map_clear(struct dstore *s, int64_t tenant_id, int64_t state_id,
		     struct ob_err *err)
{
	static const char sql[] = "DELETE FROM id_map WHERE state_id = ? AND "
				  "tenant_id = ?";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	ret = ds_exec_stmt(s, st, "map clear", err);
	if (ret == 0)
		ret = ds_map_rev_clear(s, tenant_id, state_id, err);
	return ret;
}

int dstore_map_find(struct dstore *s, int64_t tenant_id, int64_t state_id,
		    const char *guid, const char *luid, char *guid_r,
		    size_t guid_size, char *luid_r, size_t luid_size,
		    int64_t *rev_r, struct ob_err *err)
{
	static const char by_guid[] =
		"SELECT guid, luid, rev FROM id_map WHERE state_id = ? AND "
		"tenant_id = ? AND guid = ?";
	/* through the LUID index: its rows count where id_map agrees */
	static const char by_luid[] =
		"SELECT m.guid, m.luid, m.rev FROM id_map_rev r JOIN id_map m "
		"ON m.state_id = r.state_id AND m.guid = r.guid AND m.luid = "
		"r.luid WHERE r.state_id = ?1 AND m.tenant_id = ?2 AND "
		"r.luid = ?3 ORDER BY r.guid LIMIT 1";
	/* without it: the state's rows read through */
	static const char by_luid_scan[] =
		"SELECT guid, luid, rev FROM id_map WHERE state_id = ? AND "
		"tenant_id = ? AND luid = ? ORDER BY guid LIMIT 1";
	struct db_stmt *st;
	int rc;

	if ((guid == NULL) == (luid == NULL))
		return ob_err_set(err, OB_E_INVAL, "give guid or luid");
	st = ds_stmt(s,
		     guid != NULL                         ? by_guid
		     : luid_index(s, tenant_id, state_id) ? by_luid
							  : by_luid_scan,
		     err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, guid ? guid : luid);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (guid_r != NULL)
			ob_strlcpy(guid_r, db_column_text(st, 0), guid_size);
		if (luid_r != NULL)
			ob_strlcpy(luid_r, db_column_text(st, 1), luid_size);
		if (rev_r != NULL)
			*rev_r = db_column_int64(st, 2);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set(err, OB_E_NOTFOUND, "not mapped");
	return rc == DB_ROW ? 0 : ds_sql_err(s, rc, "map find", err);
}

int dstore_map_iter(struct dstore *s, int64_t tenant_id, int64_t state_id,
		    int (*fn)(const char *guid, const char *luid, int64_t rev,
			      void *ctx),
		    void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT guid, luid, rev FROM id_map WHERE state_id = ? AND "
		"tenant_id = ? ORDER BY guid";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	while ((rc = db_step(st)) == DB_ROW) {
		ret = fn(db_column_text(st, 0), db_column_text(st, 1),
			 db_column_int64(st, 2), ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "map", err);
	db_reset(st);
	return ret;
}

int dstore_map_history(struct dstore *s, int64_t tenant_id, int64_t state_id,
		       const char *luid, char (**guids_r)[DSTORE_DEVICE_MAX],
		       size_t *n_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT guid FROM id_map_gone WHERE state_id = ? AND "
		"tenant_id = ? AND luid = ? ORDER BY at DESC, guid";
	struct db_stmt *st = ds_stmt(s, sql, err);
	char(*guids)[DSTORE_DEVICE_MAX] = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*guids_r = NULL;
	*n_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, luid);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *g = realloc(guids, ncap * sizeof(*guids));

			if (g == NULL) {
				db_reset(st);
				free(guids);
				return ob_err_set(err, OB_E_NOMEM,
						  "map history: out of memory");
			}
			guids = g;
			cap = ncap;
		}
		ob_strlcpy(guids[n++], db_column_text(st, 0),
			   DSTORE_DEVICE_MAX);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(guids);
		return ds_sql_err(s, rc, "map history", err);
	}
	if (n == 0)
		return ob_err_set(err, OB_E_NOTFOUND, "no such LUID sent");
	*guids_r = guids;
	*n_r = n;
	return 0;
}

int dstore_map_ever(struct dstore *s, int64_t tenant_id, int64_t state_id,
		    const char *guid, struct ob_err *err)
{
	static const char sql[] =
		"SELECT 1 WHERE EXISTS (SELECT 1 FROM id_map WHERE state_id = "
		"?1 "
		"AND tenant_id = ?2 AND guid = ?3) OR EXISTS (SELECT 1 FROM "
		"id_map_gone WHERE state_id = ?1 AND tenant_id = ?2 AND "
		"guid = ?3)";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_text(st, 3, guid);
	rc = db_step(st);
	ret = rc == DB_ROW    ? 1
	      : rc == DB_DONE ? 0
			      : ds_sql_err(s, rc, "map history", err);
	db_reset(st);
	return ret;
}
