/* SyncML sessions, pending map changes, MD5 nonces and login throttling
 * (see dirstore.h). These rows are what lets any server instance continue
 * any session: nothing of a session stays in process memory. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dirstore/internal.h"
#include "dirstore/syncml-state.h"
#include "util/buf.h"
#include "util/str.h"

static int blob_dup(struct db_stmt *st, int col, unsigned char **p_r,
		    size_t *len_r, struct ob_err *err)
{
	const void *b = db_column_blob(st, col);
	size_t n = (size_t)db_column_bytes(st, col);

	*p_r = NULL;
	*len_r = 0;
	if (b == NULL || n == 0)
		return 0;
	*p_r = malloc(n);
	if (*p_r == NULL)
		return ob_err_set(err, OB_E_NOMEM, "out of memory");
	memcpy(*p_r, b, n);
	*len_r = n;
	return 0;
}

int dstore_session_load(struct dstore *s, const char *token, const char *device,
			const char *session_id, int64_t now,
			struct dstore_session *r, struct ob_err *err)
{
	static const char by_token[] =
		"SELECT token, device, session_id, tenant_id, account_id, "
		"last_msg_id, reply, reply_type, state, created, expires, "
		"completed FROM sml_session WHERE token = ?1 AND expires > ?3";
	static const char by_device[] =
		"SELECT token, device, session_id, tenant_id, account_id, "
		"last_msg_id, reply, reply_type, state, created, expires, "
		"completed FROM sml_session WHERE device = ?1 AND session_id = "
		"?2 "
		"AND expires > ?3 ORDER BY created DESC, rowid DESC LIMIT 1";
	struct db_stmt *st =
		ds_stmt(s, token != NULL ? by_token : by_device, err);
	int rc, ret = 0;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	if (token != NULL) {
		db_bind_text(st, 1, token);
	} else {
		db_bind_text(st, 1, device);
		db_bind_text(st, 2, session_id);
	}
	db_bind_int64(st, 3, now);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ob_strlcpy(r->token, db_column_text(st, 0), sizeof(r->token));
		ob_strlcpy(r->device, db_column_text(st, 1), sizeof(r->device));
		ob_strlcpy(r->session_id, db_column_text(st, 2),
			   sizeof(r->session_id));
		r->tenant_id = db_column_int64(st, 3);
		r->account_id = db_column_int64(st, 4);
		r->last_msg_id = db_column_int64(st, 5);
		ret = blob_dup(st, 6, &r->reply, &r->reply_len, err);
		ob_strlcpy(r->reply_type, db_column_text(st, 7),
			   sizeof(r->reply_type));
		if (ret == 0)
			ret = blob_dup(st, 8, &r->state, &r->state_len, err);
		r->created = db_column_int64(st, 9);
		r->expires = db_column_int64(st, 10);
		r->completed = db_column_int(st, 11) != 0;
	} else if (rc == DB_DONE) {
		ret = ob_err_set(err, OB_E_NOTFOUND, "no such session");
	} else {
		ret = ds_sql_err(s, rc, "session load", err);
	}
	db_reset(st);
	if (ret != 0)
		dstore_session_deinit(r);
	return ret;
}

int dstore_session_save(struct dstore *s, const struct dstore_session *r,
			struct ob_err *err)
{
	/* a replaced row takes a new rowid (ties of created broken by it) */
#define SESSION_INS                                                            \
	"INTO sml_session (token, device, session_id, tenant_id, account_id, " \
	"last_msg_id, reply, reply_type, state, created, expires, completed) " \
	"VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
	static const char *const sql_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] = "INSERT OR REPLACE " SESSION_INS,
		[DB_DIALECT_PGSQL] =
			"INSERT " SESSION_INS " ON CONFLICT (token) DO UPDATE "
			"SET device = excluded.device, session_id = "
			"excluded.session_id, tenant_id = excluded.tenant_id, "
			"account_id = excluded.account_id, last_msg_id = "
			"excluded.last_msg_id, reply = excluded.reply, "
			"reply_type = excluded.reply_type, state = "
			"excluded.state, created = excluded.created, expires = "
			"excluded.expires, completed = excluded.completed, "
			"rowid = DEFAULT",
	};
	const char *sql = sql_of[db_dialect(s->db)];
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	struct db_stmt *st;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_text(st, 1, r->token);
		db_bind_text(st, 2, r->device);
		db_bind_text(st, 3, r->session_id);
		db_bind_int64(st, 4, r->tenant_id);
		db_bind_int64(st, 5, r->account_id);
		db_bind_int64(st, 6, r->last_msg_id);
		if (r->reply != NULL)
			db_bind_blob(st, 7, r->reply, r->reply_len);
		db_bind_text(st, 8, r->reply_type);
		if (r->state != NULL)
			db_bind_blob(st, 9, r->state, r->state_len);
		db_bind_int64(st, 10, r->created);
		db_bind_int64(st, 11, r->expires);
		db_bind_int(st, 12, r->completed);
		ret = ds_exec_stmt(s, st, "session save", err);
	}
	return ret;
}

/* A session's rows, inside the caller's transaction. */
static int delete_rows(struct dstore *s, const char *token, struct ob_err *err)
{
	static const char del_s[] = "DELETE FROM sml_session WHERE token = ?";
	static const char del_p[] = "DELETE FROM sml_pending WHERE token = ?";
	static const char del_c[] = "DELETE FROM sml_chunk WHERE token = ?";
	static const char del_m[] = "DELETE FROM sml_mapbatch WHERE token = ?";
	const char *steps[4] = {del_s, del_p, del_c, del_m};
	int ret = 0;

	for (int i = 0; i < 4 && ret == 0; i++) {
		struct db_stmt *st = ds_stmt(s, steps[i], err);
		if (st == NULL)
			return err ? err->code : OB_E_FAIL;
		db_bind_text(st, 1, token);
		ret = ds_exec_stmt(s, st, "session delete", err);
	}
	return ret;
}

int dstore_session_delete(struct dstore *s, const char *token,
			  struct ob_err *err)
{
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_next(s, &t, &ret, err))
		ret = delete_rows(s, token, err);
	return ret;
}

/* The expiring sessions that never completed, to the caller's function. */
static int list_incomplete(struct dstore *s, int64_t now,
			   void (*fn)(const struct dstore_session *r,
				      void *ctx),
			   void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT token, device, session_id, tenant_id, account_id, "
		"last_msg_id, created, expires FROM sml_session "
		"WHERE expires <= ? AND completed = 0";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, now);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_session r = {0};
		ob_strlcpy(r.token, db_column_text(st, 0), sizeof(r.token));
		ob_strlcpy(r.device, db_column_text(st, 1), sizeof(r.device));
		ob_strlcpy(r.session_id, db_column_text(st, 2),
			   sizeof(r.session_id));
		r.tenant_id = db_column_int64(st, 3);
		r.account_id = db_column_int64(st, 4);
		r.last_msg_id = db_column_int64(st, 5);
		r.created = db_column_int64(st, 6);
		r.expires = db_column_int64(st, 7);
		fn(&r, ctx);
	}
	db_reset(st);
	return rc == DB_DONE ? 0 : ds_sql_err(s, rc, "session expire", err);
}

int dstore_session_expire(struct dstore *s, int64_t now,
			  void (*incomplete)(const struct dstore_session *r,
					     void *ctx),
			  void *ctx, int *count_r, struct ob_err *err)
{
	static const char del_p[] =
		"DELETE FROM sml_pending WHERE token IN (SELECT token FROM "
		"sml_session WHERE expires <= ?)";
	static const char del_c[] =
		"DELETE FROM sml_chunk WHERE token IN (SELECT token FROM "
		"sml_session WHERE expires <= ?)";
	static const char del_m[] =
		"DELETE FROM sml_mapbatch WHERE token IN (SELECT token FROM "
		"sml_session WHERE expires <= ?)";
	static const char del_s[] =
		"DELETE FROM sml_session WHERE expires <= ?";
	const char *steps[4] = {del_p, del_c, del_m, del_s};
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	int count = 0;

	/* a run again after a busy commit calls incomplete again: the
	 * first run's sessions were not deleted */
	while (ds_txn_next(s, &t, &ret, err)) {
		if (incomplete != NULL)
			ret = list_incomplete(s, now, incomplete, ctx, err);
		for (int i = 0; i < 4 && ret == 0; i++) {
			struct db_stmt *st = ds_stmt(s, steps[i], err);
			if (st == NULL) {
				ret = err ? err->code : OB_E_FAIL;
				break;
			}
			db_bind_int64(st, 1, now);
			ret = ds_exec_stmt(s, st, "session expire", err);
			if (i == 3)
				count = db_changes(s->db);
		}
	}
	if (ret == 0 && count_r != NULL)
		*count_r = count;
	return ret;
}

int dstore_session_limit(struct dstore *s, int64_t account_id,
			 const char *keep_token, int max, int *count_r,
			 struct ob_err *err)
{
	/* the account's sessions past the newest max - 1 besides keep */
	static const char sql[] =
		"SELECT token FROM sml_session WHERE account_id = ?1 AND "
		"token <> ?2 ORDER BY created DESC, rowid DESC LIMIT "
		"9223372036854775807 OFFSET ?3";
	char(*tokens)[DSTORE_TOKEN_MAX] = NULL;
	size_t n = 0, cap = 0;
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	int rc = DB_DONE;

	while (ds_txn_next(s, &t, &ret, err)) {
		struct db_stmt *st = ds_stmt(s, sql, err);

		n = 0;
		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
		} else {
			db_bind_int64(st, 1, account_id);
			db_bind_text(st, 2, keep_token);
			db_bind_int(st, 3, max > 1 ? max - 1 : 0);
			while ((rc = db_step(st)) == DB_ROW) {
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 16;
					void *p = realloc(tokens,
							  nc * sizeof(*tokens));
					if (p == NULL) {
						ret = ob_err_set(err,
								 OB_E_NOMEM,
								 "out of "
								 "memory");
						break;
					}
					tokens = p;
					cap = nc;
				}
				ob_strlcpy(tokens[n++], db_column_text(st, 0),
					   DSTORE_TOKEN_MAX);
			}
			if (ret == 0 && rc != DB_DONE)
				ret = ds_sql_err(s, rc, "session limit", err);
			db_reset(st);
		}
		for (size_t i = 0; i < n && ret == 0; i++)
			ret = delete_rows(s, tokens[i], err);
	}
	free(tokens);
	if (ret == 0 && count_r != NULL)
		*count_r = (int)n;
	return ret;
}

void dstore_session_deinit(struct dstore_session *r)
{
	free(r->reply);
	free(r->state);
	r->reply = r->state = NULL;
	r->reply_len = r->state_len = 0;
}

/* ---- pending map changes --------------------------------------------- */

int dstore_pending_put(struct dstore *s, int64_t tenant_id, const char *token,
		       int ds, const char *guid, const char *luid, int64_t rev,
		       enum dstore_pending_op op, bool resend,
		       struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO sml_pending (token, ds, tenant_id, guid, luid, "
		"rev, op, resend) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
		"ON CONFLICT (token, ds, guid) DO UPDATE SET "
		"luid = coalesce(excluded.luid, sml_pending.luid), rev = "
		"excluded.rev, "
		"op = excluded.op, resend = CASE WHEN excluded.resend <> 0 OR "
		"sml_pending.resend <> 0 THEN 1 ELSE 0 END";
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, sql, &st, err);

	if (ret < 0)
		return ret;
	db_bind_text(st, 1, token);
	db_bind_int(st, 2, ds);
	db_bind_int64(st, 3, tenant_id);
	db_bind_text(st, 4, guid);
	if (luid != NULL && *luid != '\0')
		db_bind_text(st, 5, luid);
	db_bind_int64(st, 6, rev);
	db_bind_int(st, 7, (int)op);
	db_bind_int(st, 8, resend ? 1 : 0);
	return ds_exec_stmt(s, st, "pending", err);
}

static void pending_from_row(struct db_stmt *st, struct dstore_pending *p)
{
	const char *luid = db_column_text(st, 1);

	ob_strlcpy(p->guid, db_column_text(st, 0), sizeof(p->guid));
	ob_strlcpy(p->luid, luid != NULL ? luid : "", sizeof(p->luid));
	p->rev = db_column_int64(st, 2);
	p->op = (enum dstore_pending_op)db_column_int(st, 3);
	p->resend = db_column_int(st, 4) != 0;
}

int dstore_pending_find(struct dstore *s, int64_t tenant_id, const char *token,
			int ds, const char *guid, const char *luid,
			struct dstore_pending *p_r, struct ob_err *err)
{
	static const char by_guid[] =
		"SELECT guid, luid, rev, op, resend FROM sml_pending WHERE "
		"token = ? AND ds = ? AND tenant_id = ? AND guid = ?";
	static const char by_luid[] =
		"SELECT guid, luid, rev, op, resend FROM sml_pending WHERE "
		"token = ? AND ds = ? AND tenant_id = ? AND luid = ? "
		"AND op = 1";
	struct db_stmt *st;
	int rc, ret;

	if ((guid == NULL) == (luid == NULL))
		return ob_err_set(err, OB_E_INVAL, "give guid or luid");
	st = ds_stmt(s, guid != NULL ? by_guid : by_luid, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, token);
	db_bind_int(st, 2, ds);
	db_bind_int64(st, 3, tenant_id);
	db_bind_text(st, 4, guid != NULL ? guid : luid);
	rc = db_step(st);
	if (rc == DB_ROW) {
		pending_from_row(st, p_r);
		ret = 0;
	} else if (rc == DB_DONE) {
		ret = ob_err_set(err, OB_E_NOTFOUND, "nothing pending");
	} else {
		ret = ds_sql_err(s, rc, "pending find", err);
	}
	db_reset(st);
	return ret;
}

int dstore_pending_resends(struct dstore *s, int64_t tenant_id,
			   const char *token, int ds, const char *after,
			   size_t limit,
			   int (*fn)(const struct dstore_pending *p, void *ctx),
			   void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT guid, luid, rev, op, resend FROM sml_pending WHERE "
		"token = ? AND ds = ? AND tenant_id = ? AND resend = 1 AND "
		"guid > ? ORDER BY guid LIMIT ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, token);
	db_bind_int(st, 2, ds);
	db_bind_int64(st, 3, tenant_id);
	db_bind_text(st, 4, after);
	db_bind_int64(st, 5, limit > 0 ? (int64_t)limit : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_pending p;
		pending_from_row(st, &p);
		ret = fn(&p, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE && rc != DB_ROW)
		ret = ds_sql_err(s, rc, "pending resends", err);
	db_reset(st);
	return ret;
}

int dstore_pending_maps(struct dstore *s, int64_t tenant_id, const char *token,
			int ds, int64_t rev,
			const struct dstore_map_pair *pairs, size_t n,
			struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO sml_mapbatch (token, ds, tenant_id, rev, data) "
		"VALUES (?,?,?,?,?)";
	struct ob_buf data;
	struct db_stmt *st;
	int ret = 0;

	if (n == 0)
		return 0;
	/* guid NUL luid NUL, pair after pair */
	ob_buf_init(&data, 64u << 20);
	for (size_t i = 0; i < n && ret == 0; i++) {
		size_t g = strlen(pairs[i].guid), l = strlen(pairs[i].luid);
		if (g == 0 || l == 0 || g >= DSTORE_DEVICE_MAX ||
		    l >= DSTORE_DEVICE_MAX) {
			ret = ob_err_set(err, OB_E_INVAL, "bad map item");
			break;
		}
		ret = ob_buf_add(&data, pairs[i].guid, g + 1);
		if (ret == 0)
			ret = ob_buf_add(&data, pairs[i].luid, l + 1);
	}
	if (ret == 0)
		ret = ds_write_stmt(s, tenant_id, sql, &st, err);
	if (ret == 0) {
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		db_bind_int64(st, 3, tenant_id);
		db_bind_int64(st, 4, rev);
		db_bind_blob(st, 5, data.data, data.len);
		ret = ds_exec_stmt(s, st, "map items", err);
	} else if (ret == OB_E_NOMEM) {
		ob_err_set(err, ret, "out of memory");
	}
	ob_buf_deinit(&data);
	return ret;
}

/* One Map item of a batch: its two ids (first as offsets into the
 * gathered blobs, which may move while they grow) and its batch's
 * revision. seq keeps the client's order among equal guids (the later
 * Map wins). */
struct map_item {
	size_t guid_off, luid_off, seq;
	const char *guid, *luid;
	int64_t rev;
};

static int map_cmp(const void *a, const void *b)
{
	const struct map_item *x = a, *y = b;
	int c = strcmp(x->guid, y->guid);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The Map items kept for (token, ds), gathered into data and items. */
static int gather_map_batches(struct dstore *s, int64_t tenant_id,
			      const char *token, int ds, struct ob_buf *data,
			      struct map_item **items_r, size_t *n_r,
			      struct ob_err *err)
{
	static const char rows[] =
		"SELECT rev, data FROM sml_mapbatch WHERE token = ? AND "
		"ds = ? AND tenant_id = ? ORDER BY id";
	struct map_item *items = NULL;
	size_t n = 0, cap = 0;
	struct db_stmt *st;
	int ret = ds_write_stmt(s, tenant_id, rows, &st, err);
	int rc;

	if (ret < 0)
		return ret;
	db_bind_text(st, 1, token);
	db_bind_int(st, 2, ds);
	db_bind_int64(st, 3, tenant_id);
	while (ret == 0 && (rc = db_step(st)) == DB_ROW) {
		int64_t rev = db_column_int64(st, 0);
		const char *p = db_column_blob(st, 1);
		size_t len = (size_t)db_column_bytes(st, 1);
		size_t base = data->len, off = 0;

		if (len == 0)
			continue;
		if (p[len - 1] != '\0' || ob_buf_add(data, p, len) != 0) {
			ret = p[len - 1] != '\0'
				      ? ob_err_set(err, OB_E_FAIL,
						   "map items: damaged row")
				      : ob_err_set(err, OB_E_NOMEM,
						   "out of memory");
			break;
		}
		/* written by dstore_pending_maps: two NUL-ended ids */
		while (off < len) {
			size_t g = off, l = g + strlen(p + g) + 1;
			if (l >= len) {
				ret = ob_err_set(err, OB_E_FAIL,
						 "map items: damaged row");
				break;
			}
			off = l + strlen(p + l) + 1;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				struct map_item *ni =
					realloc(items, nc * sizeof(*items));
				if (ni == NULL) {
					ret = ob_err_set(err, OB_E_NOMEM,
							 "out of memory");
					break;
				}
				items = ni;
				cap = nc;
			}
			items[n] = (struct map_item){.guid_off = base + g,
						     .luid_off = base + l,
						     .seq = n,
						     .rev = rev};
			n++;
		}
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "map items", err);
	db_reset(st);
	if (ret != 0) {
		free(items);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].guid = data->data + items[i].guid_off;
		items[i].luid = data->data + items[i].luid_off;
	}
	*items_r = items;
	*n_r = n;
	return 0;
}

/* The id map rows of up to MAP_ROWS Map items in one statement: opening
 * the table's and the index's cursors once for many rows instead of for
 * each. ?1 is the state, ?2 the tenant, then guid, luid, rev per row. */
#define MAP_ROWS 64
#define MAP_ROW "(?1,?2,?,?,?)"
#define MAP_ROW4 MAP_ROW "," MAP_ROW "," MAP_ROW "," MAP_ROW
#define MAP_ROW16 MAP_ROW4 "," MAP_ROW4 "," MAP_ROW4 "," MAP_ROW4
#define MAP_UPSERT                                                             \
	" ON CONFLICT (state_id, guid) DO UPDATE SET luid = excluded.luid, "   \
	"rev = excluded.rev"
#define MAP_INSERT                                                             \
	"INSERT INTO id_map (state_id, tenant_id, guid, luid, rev) VALUES "

static int put_maps(struct dstore *s, const char *sql, int64_t state_id,
		    int64_t tenant_id, const struct map_item *const *rows,
		    size_t n, struct ob_err *err)
{
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, state_id);
	db_bind_int64(st, 2, tenant_id);
	for (size_t i = 0; i < n; i++) {
		int k = 3 + 3 * (int)i;
		db_bind_text(st, k, rows[i]->guid);
		db_bind_text(st, k + 1, rows[i]->luid);
		db_bind_int64(st, k + 2, rows[i]->rev);
	}
	return ds_exec_stmt(s, st, "map items commit", err);
}

/* The Map items kept for (token, ds) into the id map of state_id, in
 * guid order: a slow sync's ten thousands of rows then go in at the end
 * of the id map's b-tree instead of at random places in it. */
static int apply_map_batches(struct dstore *s, int64_t tenant_id,
			     const char *token, int ds, int64_t state_id,
			     struct ob_err *err)
{
	static const char one[] = MAP_INSERT MAP_ROW MAP_UPSERT;
	static const char many[] = MAP_INSERT MAP_ROW16
		"," MAP_ROW16 "," MAP_ROW16 "," MAP_ROW16 MAP_UPSERT;
	struct ob_buf data;
	struct map_item *items = NULL;
	const struct map_item *batch[MAP_ROWS];
	size_t n = 0, nb = 0;
	bool rev = false;
	int ret;

	ob_buf_init(&data, 1u << 30);
	ret = gather_map_batches(s, tenant_id, token, ds, &data, &items, &n,
				 err);
	if (ret == 0 && n > 0) {
		qsort(items, n, sizeof(*items), map_cmp);
		rev = ds_map_rev_on(s, tenant_id, state_id);
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		/* of the same guid, only the client's last Map counts */
		if (i + 1 < n && strcmp(items[i].guid, items[i + 1].guid) == 0)
			continue;
		if (rev)
			ret = ds_map_rev_put(s, tenant_id, state_id,
					     items[i].guid, items[i].luid, err);
		batch[nb++] = &items[i];
		if (nb == MAP_ROWS) {
			ret = put_maps(s, many, state_id, tenant_id, batch, nb,
				       err);
			nb = 0;
		}
	}
	for (size_t i = 0; ret == 0 && i < nb; i++)
		ret = put_maps(s, one, state_id, tenant_id, &batch[i], 1, err);
	free(items);
	ob_buf_deinit(&data);
	return ret;
}

int dstore_pending_commit(struct dstore *s, int64_t tenant_id,
			  const char *token, int ds, int64_t state_id,
			  bool replace, struct ob_err *err)
{
	static const char clear[] =
		"DELETE FROM id_map WHERE state_id = ?4 AND tenant_id = ?3";
	static const char maps[] =
		"INSERT INTO id_map (state_id, tenant_id, guid, luid, rev) "
		"SELECT ?4, ?3, guid, luid, rev FROM sml_pending WHERE "
		"token = ?1 AND ds = ?2 AND tenant_id = ?3 AND op = 1 "
		"AND luid IS NOT NULL "
		"ON CONFLICT (state_id, guid) DO UPDATE SET "
		"luid = excluded.luid, rev = excluded.rev";
	/* the same into the state's LUID index, when it has one */
	static const char maps_rev[] =
		"INSERT INTO id_map_rev (state_id, luid, guid) "
		"SELECT ?4, luid, guid FROM sml_pending WHERE token = ?1 AND "
		"ds = ?2 AND tenant_id = ?3 AND op = 1 AND luid IS NOT NULL "
		"AND EXISTS (SELECT 1 FROM sync_state WHERE id = ?4 AND "
		"tenant_id = ?3 AND luid_lookup = 1) "
		"ON CONFLICT DO NOTHING";
	static const char dels[] =
		"DELETE FROM id_map WHERE state_id = ?4 AND tenant_id = ?3 "
		"AND guid IN (SELECT guid FROM sml_pending WHERE token = ?1 "
		"AND ds = ?2 AND tenant_id = ?3 AND op = 3)";
	const char *steps[4] = {clear, maps, maps_rev, dels};
	int ret = 0;

	for (int i = replace ? 0 : 1; i < 4 && ret == 0; i++) {
		struct db_stmt *st;
		ret = ds_write_stmt(s, tenant_id, steps[i], &st, err);
		if (ret < 0)
			break;
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		db_bind_int64(st, 3, tenant_id);
		db_bind_int64(st, 4, state_id);
		ret = ds_exec_stmt(s, st, "pending commit", err);
		if (ret == 0 && i == 0)
			ret = ds_map_rev_clear(s, tenant_id, state_id, err);
	}
	if (ret == 0)
		ret = apply_map_batches(s, tenant_id, token, ds, state_id, err);
	if (ret == 0)
		ret = dstore_pending_drop(s, tenant_id, token, ds, err);
	return ret;
}

int dstore_pending_drop(struct dstore *s, int64_t tenant_id, const char *token,
			int ds, struct ob_err *err)
{
	static const char rows[] = "DELETE FROM sml_pending WHERE token = ? "
				   "AND ds = ? AND tenant_id = ?";
	static const char maps[] = "DELETE FROM sml_mapbatch WHERE token = ? "
				   "AND ds = ? AND tenant_id = ?";
	const char *steps[2] = {rows, maps};
	int ret = 0;

	for (int i = 0; i < 2 && ret == 0; i++) {
		struct db_stmt *st;
		ret = ds_write_stmt(s, tenant_id, steps[i], &st, err);
		if (ret < 0)
			break;
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		db_bind_int64(st, 3, tenant_id);
		ret = ds_exec_stmt(s, st, "pending drop", err);
	}
	return ret;
}

/* ---- large objects from clients --------------------------------------- */

int dstore_chunk_append(struct dstore *s, const char *token, int ds,
			const char *luid, int64_t size, const void *data,
			size_t len, size_t max, struct ob_err *err)
{
	static const char get[] = "SELECT length(data) FROM sml_chunk WHERE "
				  "token = ? AND ds = ?";
	static const char put[] =
		"INSERT INTO sml_chunk (token, ds, luid, size, data) VALUES "
		"(?1, ?2, ?3, ?4, ?5) ON CONFLICT (token, ds) DO UPDATE SET "
		"data = sml_chunk.data || excluded.data";
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	struct db_stmt *st;
	int64_t have = 0;

	while (ds_txn_stmt(s, &t, get, &st, &ret, err)) {
		have = 0;
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		if (db_step(st) == DB_ROW)
			have = db_column_int64(st, 0);
		db_reset(st);
		if ((size_t)have + len > max) {
			ret = ob_err_set(err, OB_E_LIMIT,
					 "large object over %zu bytes", max);
			continue;
		}
		st = ds_stmt(s, put, err);
		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			continue;
		}
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		db_bind_text(st, 3, luid);
		db_bind_int64(st, 4, size);
		db_bind_blob(st, 5, len ? data : "", len);
		ret = ds_exec_stmt(s, st, "chunk", err);
	}
	return ret;
}

int dstore_chunk_take(struct dstore *s, const char *token, int ds,
		      char luid_r[DSTORE_DEVICE_MAX], int64_t *size_r,
		      unsigned char **data_r, size_t *len_r, struct ob_err *err)
{
	static const char get[] = "SELECT luid, size, data FROM sml_chunk "
				  "WHERE token = ? AND ds = ?";
	struct db_stmt *st = ds_stmt(s, get, err);
	int rc, ret = 0;

	*data_r = NULL;
	*len_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, token);
	db_bind_int(st, 2, ds);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ob_strlcpy(luid_r, db_column_text(st, 0), DSTORE_DEVICE_MAX);
		*size_r = db_column_int64(st, 1);
		ret = blob_dup(st, 2, data_r, len_r, err);
	} else {
		ret = rc == DB_DONE ? ob_err_set(err, OB_E_NOTFOUND, "no chunk")
				    : ds_sql_err(s, rc, "chunk", err);
	}
	db_reset(st);
	if (ret == 0)
		ret = dstore_chunk_drop(s, token, ds, err);
	return ret;
}

int dstore_chunk_drop(struct dstore *s, const char *token, int ds,
		      struct ob_err *err)
{
	static const char del[] = "DELETE FROM sml_chunk WHERE token = ? AND "
				  "ds = ?";
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	struct db_stmt *st;

	while (ds_txn_stmt(s, &t, del, &st, &ret, err)) {
		db_bind_text(st, 1, token);
		db_bind_int(st, 2, ds);
		ret = ds_exec_stmt(s, st, "chunk drop", err);
	}
	return ret;
}

/* ---- nonces ----------------------------------------------------------- */

int dstore_nonce_get(struct dstore *s, const char *device,
		     char nonce_r[DSTORE_NONCE_MAX], struct ob_err *err)
{
	static const char sql[] =
		"SELECT nonce FROM sml_nonce WHERE device = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	nonce_r[0] = '\0';
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, device);
	rc = db_step(st);
	if (rc == DB_ROW)
		ob_strlcpy(nonce_r, db_column_text(st, 0), DSTORE_NONCE_MAX);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? 0
					     : ds_sql_err(s, rc, "nonce", err);
}

int dstore_nonce_old(struct dstore *s, const char *device,
		     char old_r[DSTORE_NONCE_KEEP - 1][DSTORE_NONCE_MAX],
		     int *count_r, struct ob_err *err)
{
	static const char sql[] =
		"SELECT nonce FROM sml_nonce_old WHERE device = ? "
		"ORDER BY issued DESC, rowid DESC LIMIT ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, n = 0;

	*count_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, device);
	db_bind_int(st, 2, DSTORE_NONCE_KEEP - 1);
	while ((rc = db_step(st)) == DB_ROW && n < DSTORE_NONCE_KEEP - 1)
		ob_strlcpy(old_r[n++], db_column_text(st, 0), DSTORE_NONCE_MAX);
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return ds_sql_err(s, rc, "old nonces", err);
	*count_r = n;
	return 0;
}

/* One statement of dstore_nonce_set, with text ?1 and int ?2 (when the
 * statement has one). */
static int nonce_step(struct dstore *s, const char *sql, const char *text,
		      int num, const char *what, struct ob_err *err)
{
	struct db_stmt *st = ds_stmt(s, sql, err);

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, text);
	db_bind_int(st, 2, num);
	return ds_exec_stmt(s, st, what, err);
}

int dstore_nonce_set(struct dstore *s, const char *device, const char *login,
		     const char *nonce, int64_t now, int per_login,
		     struct ob_err *err)
{
	/* the nonce being replaced joins the superseded ones, of which the
	 * device keeps the newest DSTORE_NONCE_KEEP - 1 */
	/* a replaced row takes a new rowid (ties of issued broken by it) */
	static const char *const keep_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] =
			"INSERT OR REPLACE INTO sml_nonce_old (device, nonce, "
			"issued) SELECT device, nonce, updated FROM sml_nonce "
			"WHERE device = ?1",
		[DB_DIALECT_PGSQL] =
			"INSERT INTO sml_nonce_old (device, nonce, issued) "
			"SELECT device, nonce, updated FROM sml_nonce "
			"WHERE device = ?1 ON CONFLICT (device, nonce) DO "
			"UPDATE SET issued = excluded.issued, rowid = DEFAULT",
	};
	const char *keep = keep_of[db_dialect(s->db)];
	static const char keep_trim[] =
		"DELETE FROM sml_nonce_old WHERE device = ?1 AND rowid NOT IN "
		"(SELECT rowid FROM sml_nonce_old WHERE device = ?1 "
		"ORDER BY issued DESC, rowid DESC LIMIT ?2)";
	static const char *const sql_of[DB_DIALECT_COUNT] = {
		[DB_DIALECT_SQLITE] =
			"INSERT OR REPLACE INTO sml_nonce (device, nonce, "
			"updated, login) VALUES (?, ?, ?, ?)",
		[DB_DIALECT_PGSQL] =
			"INSERT INTO sml_nonce (device, nonce, updated, login) "
			"VALUES (?, ?, ?, ?) ON CONFLICT (device) DO UPDATE "
			"SET nonce = excluded.nonce, updated = "
			"excluded.updated, login = excluded.login, rowid = "
			"DEFAULT",
	};
	const char *sql = sql_of[db_dialect(s->db)];
	/* the login's devices beyond the newest per_login, current and
	 * superseded nonces */
	static const char trim_old[] =
		"DELETE FROM sml_nonce_old WHERE device IN "
		"(SELECT device FROM sml_nonce WHERE login = ?1 "
		"ORDER BY updated DESC, rowid DESC LIMIT 9223372036854775807 "
		"OFFSET ?2)";
	static const char trim[] =
		"DELETE FROM sml_nonce WHERE login = ?1 AND device NOT IN "
		"(SELECT device FROM sml_nonce WHERE login = ?1 "
		"ORDER BY updated DESC, rowid DESC LIMIT ?2)";
	int cap = per_login < 1 ? 1 : per_login;
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	struct db_stmt *st;

	while (ds_txn_next(s, &t, &ret, err)) {
		ret = nonce_step(s, keep, device, 0, "nonce keep", err);
		if (ret == 0)
			ret = nonce_step(s, keep_trim, device,
					 DSTORE_NONCE_KEEP - 1, "nonce keep",
					 err);
		if (ret == 0) {
			st = ds_stmt(s, sql, err);
			if (st == NULL) {
				ret = err ? err->code : OB_E_FAIL;
			} else {
				db_bind_text(st, 1, device);
				db_bind_text(st, 2, nonce);
				db_bind_int64(st, 3, now);
				db_bind_text(st, 4, login);
				ret = ds_exec_stmt(s, st, "nonce", err);
			}
		}
		if (ret == 0)
			ret = nonce_step(s, trim_old, login, cap, "nonce trim",
					 err);
		if (ret == 0)
			ret = nonce_step(s, trim, login, cap, "nonce trim",
					 err);
	}
	return ret;
}

int dstore_nonce_expire(struct dstore *s, int64_t before, int *count_r,
			struct ob_err *err)
{
	static const char sql[] = "DELETE FROM sml_nonce WHERE updated < ?";
	static const char old[] = "DELETE FROM sml_nonce_old WHERE issued < ?";
	struct ds_txn t = DS_TXN_OWN;
	int ret, n = 0;
	struct db_stmt *st;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, before);
		ret = ds_exec_stmt(s, st, "nonce expire", err);
		if (ret == 0) {
			n = db_changes(s->db);
			st = ds_stmt(s, old, err);
			if (st == NULL) {
				ret = err ? err->code : OB_E_FAIL;
			} else {
				db_bind_int64(st, 1, before);
				ret = ds_exec_stmt(s, st, "nonce expire", err);
			}
		}
		if (ret == 0 && count_r != NULL)
			*count_r = n;
	}
	return ret;
}

/* ---- throttling ------------------------------------------------------- */

int dstore_throttle_check(struct dstore *s, const char *key, int64_t now,
			  int64_t *until_r, struct ob_err *err)
{
	static const char sql[] = "SELECT until FROM auth_throttle WHERE "
				  "key = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc;

	*until_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW && db_column_int64(st, 0) > now)
		*until_r = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE
		       ? 0
		       : ds_sql_err(s, rc, "throttle", err);
}

int dstore_throttle_fail(struct dstore *s, const char *key, int64_t now,
			 int free_tries, int64_t window, int64_t first_delay,
			 int64_t max_delay, struct ob_err *err)
{
	static const char get[] = "SELECT failures, first FROM auth_throttle "
				  "WHERE key = ?";
	static const char put[] =
		"INSERT INTO auth_throttle (key, failures, first, until) "
		"VALUES (?,?,?,?) ON CONFLICT (key) DO UPDATE SET "
		"failures = excluded.failures, first = excluded.first, "
		"until = excluded.until";
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	int64_t failures = 0, first = now, until = 0;
	struct db_stmt *st;
	int rc;

	while (ds_txn_stmt(s, &t, get, &st, &ret, err)) {
		failures = 0, first = now, until = 0;
		db_bind_text(st, 1, key);
		rc = db_step(st);
		if (rc == DB_ROW && now - db_column_int64(st, 1) < window) {
			failures = db_column_int64(st, 0);
			first = db_column_int64(st, 1);
		}
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE) {
			ret = ds_sql_err(s, rc, "throttle", err);
			continue;
		}
		failures++;
		if (failures > free_tries) {
			int64_t delay = first_delay;
			for (int64_t i = free_tries + 1;
			     i < failures && delay < max_delay; i++)
				delay *= 2;
			until = now + (delay < max_delay ? delay : max_delay);
		}
		st = ds_stmt(s, put, err);
		if (st == NULL) {
			ret = err ? err->code : OB_E_FAIL;
			continue;
		}
		db_bind_text(st, 1, key);
		db_bind_int64(st, 2, failures);
		db_bind_int64(st, 3, first);
		db_bind_int64(st, 4, until);
		ret = ds_exec_stmt(s, st, "throttle", err);
	}
	return ret;
}

int dstore_throttle_clear(struct dstore *s, const char *key, struct ob_err *err)
{
	static const char sql[] = "DELETE FROM auth_throttle WHERE key = ?";
	struct ds_txn t = DS_TXN_OWN;
	int ret;
	struct db_stmt *st;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_text(st, 1, key);
		ret = ds_exec_stmt(s, st, "throttle", err);
	}
	return ret;
}
