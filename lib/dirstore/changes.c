/* The change log: net change per person for a view, the audit trail and
 * tombstone pruning.
 *
 * Each person row records the state before and after (id path of the unit,
 * visible = exists and not hidden). For a view (a unit subtree), a person
 * was in the view at since_rev when the first row after since_rev says its
 * old state was in it, and is in it now when the last row's new state is.
 * That gives ADD / MODIFY / REMOVE from the rows after since_rev alone, so
 * the cost follows the number of changes (index change_log_rev). */
#include "config.h"
#include "dirstore/internal.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

static bool in_view(const char *view, const char *idpath, bool visible)
{
	if (!visible || idpath == NULL)
		return false;
	return view == NULL || strncmp(idpath, view, strlen(view)) == 0;
}

int dstore_changes_since(struct dstore *s, int64_t tenant_id, int64_t since_rev,
			 int64_t unit_id,
			 int (*fn)(const struct dstore_change *c, void *ctx),
			 void *ctx, int64_t *upto_rev_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT person_id, uid, rev, old_idpath, new_idpath, "
		"old_visible, new_visible FROM change_log "
		"WHERE tenant_id = ? AND rev > ? AND rev <= ? AND "
		"what = 'person' ORDER BY person_id, id";
	struct dstore_tenant t;
	char *view = NULL;
	struct db_stmt *st;
	int64_t cur = -1, last_rev = 0;
	char *cur_uid = NULL;
	bool was = false, now = false;
	int rc, ret;

	ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret < 0)
		return ret;
	if (since_rev < t.pruned_rev)
		return ob_err_set(err, OB_E_GONE,
				  "changes before revision %lld were pruned; "
				  "a full sync is needed",
				  (long long)t.pruned_rev);
	if (since_rev > t.revision)
		return ob_err_set(err, OB_E_GONE,
				  "revision %lld is in the future (now %lld); "
				  "a full sync is needed",
				  (long long)since_rev, (long long)t.revision);
	if (unit_id != 0) {
		ret = ds_unit_idpath(s, tenant_id, unit_id, &view, err);
		if (ret < 0)
			return ret;
	}
	st = ds_stmt(s, sql, err);
	if (st == NULL) {
		free(view);
		return err ? err->code : OB_E_FAIL;
	}
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, since_rev);
	db_bind_int64(st, 3, t.revision);
	for (;;) {
		int64_t pid = -2;

		rc = db_step(st);
		if (rc == DB_ROW)
			pid = db_column_int64(st, 0);
		else if (rc != DB_DONE)
			break;
		if (pid != cur && cur != -1) {
			struct dstore_change c = {0};

			c.person_id = cur;
			c.uid = cur_uid;
			c.rev = last_rev;
			c.kind = was && now ? DSTORE_CHANGE_MODIFY
				 : now      ? DSTORE_CHANGE_ADD
				 : was      ? DSTORE_CHANGE_REMOVE
					    : 0;
			if (c.kind != 0) {
				ret = fn(&c, ctx);
				if (ret != 0)
					break;
			}
		}
		if (rc == DB_DONE)
			break;
		if (pid != cur) {
			bool oom = false;

			free(cur_uid);
			cur_uid = ds_col_dup(st, 1, &oom);
			if (oom) {
				ret = ob_err_set(err, OB_E_NOMEM, "oom");
				break;
			}
			cur = pid;
			was = in_view(view, db_column_text(st, 3),
				      db_column_int(st, 5) != 0);
		}
		now = in_view(view, db_column_text(st, 4),
			      db_column_int(st, 6) != 0);
		last_rev = db_column_int64(st, 2);
	}
	if (ret == 0 && rc != DB_DONE && rc != DB_ROW)
		ret = ds_sql_err(s, rc, "changes", err);
	db_reset(st);
	free(cur_uid);
	free(view);
	if (ret == 0 && upto_rev_r != NULL)
		*upto_rev_r = t.revision;
	return ret;
}

static int log_rows(struct dstore *s, struct db_stmt *st,
		    int (*fn)(const struct dstore_log_entry *e, void *ctx),
		    void *ctx, struct ob_err *err);

/* An audit row with the person's name: as logged (schema 13 on), else as
 * the change kept the name it replaced, else the name now. */
#define LOG_COLS                                                               \
	"c.rev, c.time, c.actor, c.what, c.op, coalesce(c.uid, ''), "          \
	"coalesce(c.detail, ''), c.id, coalesce(c.name, c.gone_display, "      \
	"(SELECT p.display FROM person p WHERE c.what = 'person' AND "         \
	"p.tenant_id = c.tenant_id AND p.uid = c.uid), '') FROM change_log c"

int dstore_log_since(struct dstore *s, int64_t tenant_id, int64_t since_rev,
		     int (*fn)(const struct dstore_log_entry *e, void *ctx),
		     void *ctx, struct ob_err *err)
{
	static const char sql[] = "SELECT " LOG_COLS " WHERE c.tenant_id = ? "
				  "AND c.rev > ? ORDER BY c.id";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, since_rev);
	return log_rows(s, st, fn, ctx, err);
}

int dstore_log_recent(struct dstore *s, int64_t tenant_id, int64_t before_id,
		      size_t limit,
		      int (*fn)(const struct dstore_log_entry *e, void *ctx),
		      void *ctx, struct ob_err *err)
{
	static const char sql[] = "SELECT " LOG_COLS " WHERE c.tenant_id = ? "
				  "AND c.id < ? ORDER BY c.id DESC LIMIT ?";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int64(st, 3, limit ? (int64_t)limit : INT64_MAX);
	return log_rows(s, st, fn, ctx, err);
}

int dstore_log_person(struct dstore *s, int64_t tenant_id, const char *uid,
		      int64_t before_id, size_t limit,
		      int (*fn)(const struct dstore_log_entry *e, void *ctx),
		      void *ctx, struct ob_err *err)
{
	static const char sql[] = "SELECT " LOG_COLS " WHERE c.tenant_id = ? "
				  "AND c.what = 'person' AND c.uid = ? AND "
				  "c.id < ? ORDER BY c.id DESC LIMIT ?";
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_text_copy(st, 2, uid ? uid : "");
	db_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int64(st, 4, limit ? (int64_t)limit : INT64_MAX);
	return log_rows(s, st, fn, ctx, err);
}

static int log_rows(struct dstore *s, struct db_stmt *st,
		    int (*fn)(const struct dstore_log_entry *e, void *ctx),
		    void *ctx, struct ob_err *err)
{
	int rc, ret = 0;

	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_log_entry e;

		e.rev = db_column_int64(st, 0);
		e.time = db_column_int64(st, 1);
		e.actor = db_column_text(st, 2);
		e.what = db_column_text(st, 3);
		e.op = db_column_text(st, 4);
		e.uid = db_column_text(st, 5);
		e.detail = db_column_text(st, 6);
		e.id = db_column_int64(st, 7);
		e.name = db_column_text(st, 8);
		ret = fn(&e, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "change log", err);
	db_reset(st);
	return ret;
}

int dstore_prune(struct dstore *s, int64_t tenant_id, int64_t now,
		 int64_t *pruned_rev_r, struct ob_err *err)
{
	static const char old_sql[] =
		"SELECT coalesce(max(rev), 0) FROM change_log "
		"WHERE tenant_id = ? AND time < ?";
	static const char dev_sql[] =
		"SELECT min(rev) FROM sync_state WHERE tenant_id = ? AND "
		"last_sync >= ?";
	static const char del_sql[] =
		"DELETE FROM change_log WHERE tenant_id = ? AND rev <= ?";
	static const char gone_sql[] =
		"DELETE FROM id_map_gone WHERE tenant_id = ? AND at < ?";
	static const char set_sql[] =
		"UPDATE tenant SET pruned_rev = max(pruned_rev, ?) "
		"WHERE id = ?";
	/* an undo checks the history after its import: gone, it cannot */
	static const char undo_sql[] =
		"DELETE FROM import_undo WHERE tenant_id = ? AND rev < ?";
	struct dstore_tenant t;
	struct db_stmt *st;
	int64_t horizon_time, h = 0;
	int ret;

	ret = ds_need_txn(s, tenant_id, err);
	if (ret == 0)
		ret = dstore_tenant_get(s, tenant_id, &t, err);
	if (ret < 0)
		return ret;
	horizon_time = now - (int64_t)t.retention_days * 86400;
	st = ds_stmt(s, old_sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, horizon_time);
	if (db_step(st) == DB_ROW)
		h = db_column_int64(st, 0);
	db_reset(st);
	/* never past what a device seen inside the window still needs */
	st = ds_stmt(s, dev_sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, horizon_time);
	if (db_step(st) == DB_ROW && !db_column_null(st, 0) &&
	    db_column_int64(st, 0) < h)
		h = db_column_int64(st, 0);
	db_reset(st);
	st = ds_stmt(s, gone_sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, horizon_time);
	ret = ds_exec_stmt(s, st, "prune map history", err);
	if (ret < 0)
		return ret;
	if (h > t.pruned_rev) {
		st = ds_stmt(s, del_sql, err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, tenant_id);
		db_bind_int64(st, 2, h);
		ret = ds_exec_stmt(s, st, "prune", err);
		if (ret < 0)
			return ret;
		st = ds_stmt(s, set_sql, err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, h);
		db_bind_int64(st, 2, tenant_id);
		ret = ds_exec_stmt(s, st, "prune", err);
		if (ret < 0)
			return ret;
		st = ds_stmt(s, undo_sql, err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_int64(st, 1, tenant_id);
		db_bind_int64(st, 2, h);
		ret = ds_exec_stmt(s, st, "prune undo", err);
		if (ret < 0)
			return ret;
	}
	if (pruned_rev_r != NULL)
		*pruned_rev_r = h > t.pruned_rev ? h : t.pruned_rev;
	return 0;
}
