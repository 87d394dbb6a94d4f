/* Administrators' browser sessions (see dirstore.h). The cookie token is
 * random; the table keeps its SHA-256 only. Like the SyncML sessions these
 * rows live in the database, so any server instance serves any session. */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/internal.h"
#include "dirstore/websession.h"
#include "util/str.h"

#define TOUCH_EVERY 60     /* seconds between last_seen writes */
#define KEEP_AT_MOST 86400 /* sessions idle longer are swept at create */

static int token_hash(const char *token, char out[65], struct ob_err *err)
{
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
		return ob_err_set(err, OB_E_FAIL, "hash failed");
	ob_hex_encode(d, sizeof(d), out);
	return 0;
}

int dstore_web_session_create(struct dstore *s, int64_t account_id, int64_t now,
			      char token_r[DSTORE_WEB_TOKEN_MAX],
			      struct dstore_web_session *r, struct ob_err *err)
{
	static const char sweep[] =
		"DELETE FROM web_session WHERE last_seen < ?";
	static const char acct[] = "SELECT tenant_id, login FROM account "
				   "WHERE id = ? AND disabled = 0";
	static const char ins[] =
		"INSERT INTO web_session (token_hash, tenant_id, account_id, "
		"csrf, created, last_seen) VALUES (?,?,?,?,?,?)";
	char hash[65];
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int rc, ret;

	memset(r, 0, sizeof(*r));
	if (ob_random_hex(token_r, 32) != 0 || ob_random_hex(r->csrf, 32) != 0)
		return ob_err_set(err, OB_E_IO, "no randomness");
	ret = token_hash(token_r, hash, err);
	if (ret != 0)
		return ret;
	while (ds_txn_stmt(s, &t, sweep, &st, &ret, err)) {
		db_bind_int64(st, 1, now - KEEP_AT_MOST);
		ret = ds_exec_stmt(s, st, "sweep web sessions", err);
		if (ret == 0 && (st = ds_stmt(s, acct, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0) {
			db_bind_int64(st, 1, account_id);
			rc = db_step(st);
			if (rc == DB_ROW) {
				r->tenant_id = db_column_int64(st, 0);
				ob_strlcpy(r->login, db_column_text(st, 1),
					   sizeof(r->login));
			} else {
				ret = rc == DB_DONE
					      ? ob_err_set(err, OB_E_NOTFOUND,
							   "no such account")
					      : ds_sql_err(s, rc, "account",
							   err);
			}
			db_reset(st);
		}
		if (ret == 0 && (st = ds_stmt(s, ins, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0) {
			db_bind_text(st, 1, hash);
			db_bind_int64(st, 2, r->tenant_id);
			db_bind_int64(st, 3, account_id);
			db_bind_text(st, 4, r->csrf);
			db_bind_int64(st, 5, now);
			db_bind_int64(st, 6, now);
			ret = ds_exec_stmt(s, st, "create web session", err);
		}
	}
	r->account_id = account_id;
	r->created = r->last_seen = now;
	if (ret != 0) {
		explicit_bzero(token_r, DSTORE_WEB_TOKEN_MAX);
		memset(r, 0, sizeof(*r));
	}
	return ret;
}

int dstore_web_session_load(struct dstore *s, const char *token, int64_t now,
			    int64_t idle_s, int64_t max_s,
			    struct dstore_web_session *r, struct ob_err *err)
{
	static const char get[] =
		"SELECT w.tenant_id, w.account_id, a.login, w.csrf, w.created, "
		"w.last_seen FROM web_session w JOIN account a ON "
		"a.id = w.account_id AND a.tenant_id = w.tenant_id "
		"WHERE w.token_hash = ? AND a.disabled = 0 AND a.role = ?";
	static const char touch[] =
		"UPDATE web_session SET last_seen = ? WHERE token_hash = ?";
	char hash[65];
	struct db_stmt *st;
	int rc, ret;

	memset(r, 0, sizeof(*r));
	if (strlen(token) != DSTORE_WEB_TOKEN_MAX - 1)
		return ob_err_set(err, OB_E_NOTFOUND, "no such session");
	ret = token_hash(token, hash, err);
	if (ret != 0)
		return ret;
	st = ds_stmt(s, get, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, DSTORE_ROLE_ADMIN);
	rc = db_step(st);
	if (rc == DB_ROW) {
		r->tenant_id = db_column_int64(st, 0);
		r->account_id = db_column_int64(st, 1);
		ob_strlcpy(r->login, db_column_text(st, 2), sizeof(r->login));
		ob_strlcpy(r->csrf, db_column_text(st, 3), sizeof(r->csrf));
		r->created = db_column_int64(st, 4);
		r->last_seen = db_column_int64(st, 5);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return ds_sql_err(s, rc, "web session", err);
	if (rc == DB_DONE || now - r->last_seen > idle_s ||
	    now - r->created > max_s) {
		memset(r, 0, sizeof(*r));
		return ob_err_set(err, OB_E_NOTFOUND, "no such session");
	}
	if (now - r->last_seen >= TOUCH_EVERY) {
		struct ds_txn t = DS_TXN_OWN;

		while (ds_txn_stmt(s, &t, touch, &st, &ret, err)) {
			db_bind_int64(st, 1, now);
			db_bind_text(st, 2, hash);
			ret = ds_exec_stmt(s, st, "touch web session", err);
		}
		r->last_seen = now;
	}
	return ret;
}

static int delete_where(struct dstore *s, const char *sql, const char *text,
			int64_t id, struct ob_err *err)
{
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		if (text != NULL)
			db_bind_text(st, 1, text);
		else
			db_bind_int64(st, 1, id);
		ret = ds_exec_stmt(s, st, "end web session", err);
	}
	return ret;
}

int dstore_web_session_delete(struct dstore *s, const char *token,
			      struct ob_err *err)
{
	static const char sql[] = "DELETE FROM web_session WHERE "
				  "token_hash = ?";
	char hash[65];
	int ret = token_hash(token, hash, err);

	return ret != 0 ? ret : delete_where(s, sql, hash, 0, err);
}

int dstore_web_session_end_account(struct dstore *s, int64_t account_id,
				   struct ob_err *err)
{
	static const char sql[] = "DELETE FROM web_session WHERE "
				  "account_id = ?";
	return delete_where(s, sql, NULL, account_id, err);
}

/* ---- uploads between an import's preview and its apply ------------------ */

#define UPLOAD_TTL 3600

int dstore_web_upload_put(struct dstore *s, int64_t tenant_id,
			  int64_t account_id, int64_t now, const void *data,
			  size_t len, const char *meta, int64_t *id_r,
			  struct ob_err *err)
{
	static const char sweep[] = "DELETE FROM web_upload WHERE created < ?";
	static const char ins[] =
		"INSERT INTO web_upload (tenant_id, account_id, created, meta, "
		"data) VALUES (?,?,?,?,?)";
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	if (strlen(meta) > 255)
		return ob_err_set(err, OB_E_INVAL, "upload meta too long");
	while (ds_txn_stmt(s, &t, sweep, &st, &ret, err)) {
		db_bind_int64(st, 1, now - UPLOAD_TTL);
		ret = ds_exec_stmt(s, st, "sweep uploads", err);
		if (ret == 0 && (st = ds_stmt(s, ins, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0) {
			db_bind_int64(st, 1, tenant_id);
			db_bind_int64(st, 2, account_id);
			db_bind_int64(st, 3, now);
			db_bind_text(st, 4, meta);
			db_bind_blob(st, 5, len ? data : "", len);
			ret = ds_exec_stmt(s, st, "store upload", err);
			*id_r = db_last_insert_id(s->db);
		}
	}
	return ret;
}

int dstore_web_upload_get(struct dstore *s, int64_t tenant_id,
			  int64_t account_id, int64_t id, char **data_r,
			  size_t *len_r, char meta_r[256], struct ob_err *err)
{
	static const char sql[] =
		"SELECT meta, data FROM web_upload WHERE id = ? AND "
		"tenant_id = ? AND account_id = ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	*data_r = NULL;
	*len_r = 0;
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, tenant_id);
	db_bind_int64(st, 3, account_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		size_t n = (size_t)db_column_bytes(st, 1);
		const void *b = db_column_blob(st, 1);
		ob_strlcpy(meta_r, db_column_text(st, 0), 256);
		*data_r = malloc(n + 1);
		if (*data_r == NULL) {
			ret = ob_err_set(err, OB_E_NOMEM, "out of memory");
		} else {
			if (n > 0)
				memcpy(*data_r, b, n);
			(*data_r)[n] = '\0';
			*len_r = n;
		}
	} else {
		ret = rc == DB_DONE ? ob_err_set(err, OB_E_NOTFOUND,
						 "the upload has expired")
				    : ds_sql_err(s, rc, "upload", err);
	}
	db_reset(st);
	return ret;
}

int dstore_web_upload_delete(struct dstore *s, int64_t tenant_id,
			     int64_t account_id, int64_t id, struct ob_err *err)
{
	static const char sql[] = "DELETE FROM web_upload WHERE id = ? AND "
				  "tenant_id = ? AND account_id = ?";
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, tenant_id);
		db_bind_int64(st, 3, account_id);
		ret = ds_exec_stmt(s, st, "delete upload", err);
	}
	return ret;
}
