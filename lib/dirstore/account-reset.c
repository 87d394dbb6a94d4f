/* Password-reset links (see dirstore.h): one per account, a random token
 * of 32 bytes (getrandom) shown once as 64 hex characters and kept only
 * as its SHA-256, with an expiry. Using one sets the password the way
 * dstore_account_set_password does and deletes the token in the same
 * transaction, so a token works once.
 *
 * What it does not do: it does not throttle guesses (the callers count a
 * refused token against the client address, as for a wrong password),
 * send mail, or tell a holder why a token is refused: every refusal is
 * the one OB_E_NOTFOUND message, and only err->field says which case it
 * was, for the server log. */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "dirstore/internal.h"
#include "util/str.h"

#define INVALID "invalid or expired reset link"

static int hash_token(const char *token, char out[65], struct ob_err *err)
{
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) != 0)
		return ob_err_set(err, OB_E_FAIL, "hash failed");
	ob_hex_encode(d, sizeof(d), out);
	return 0;
}

/* 64 lowercase hex digits, nothing else: anything else is never looked
 * up. */
static bool token_well_formed(const char *t)
{
	size_t i;

	for (i = 0; i < DSTORE_RESET_TOKEN_MAX - 1; i++)
		if (!((t[i] >= '0' && t[i] <= '9') ||
		      (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return t[i] == '\0';
}

int dstore_reset_create(struct dstore *s, int64_t tenant_id, int64_t account_id,
			int64_t now, int hours, const char *actor,
			char token_r[DSTORE_RESET_TOKEN_MAX],
			int64_t *expires_r, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO account_reset (account_id, tenant_id, "
		"token_hash, created, expires, actor) SELECT id, tenant_id, "
		"?3, ?4, ?5, ?6 FROM account WHERE id = ?1 AND tenant_id = ?2 "
		"ON CONFLICT (account_id) DO UPDATE SET "
		"tenant_id = excluded.tenant_id, "
		"token_hash = excluded.token_hash, created = excluded.created, "
		"expires = excluded.expires, actor = excluded.actor";
	char hash[65];
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	token_r[0] = '\0';
	if (hours < 1 || hours > DSTORE_RESET_HOURS_MAX)
		return ob_err_set_at(err, OB_E_INVAL, 0, 0, "hours",
				     "a reset link lasts 1 to %d hours",
				     DSTORE_RESET_HOURS_MAX);
	if (ob_random_hex(token_r, 32) != 0)
		return ob_err_set(err, OB_E_IO, "no randomness");
	ret = hash_token(token_r, hash, err);
	if (ret != 0) {
		explicit_bzero(token_r, DSTORE_RESET_TOKEN_MAX);
		return ret;
	}
	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, account_id);
		db_bind_int64(st, 2, tenant_id);
		db_bind_text(st, 3, hash);
		db_bind_int64(st, 4, now);
		db_bind_int64(st, 5, now + (int64_t)hours * 3600);
		db_bind_text(st, 6, actor ? actor : "");
		ret = ds_exec_stmt(s, st, "create reset link", err);
		if (ret == 0 && db_changes(s->db) == 0)
			ret = ob_err_set(err, OB_E_NOTFOUND, "no such account");
	}
	if (ret != 0)
		explicit_bzero(token_r, DSTORE_RESET_TOKEN_MAX);
	else if (expires_r != NULL)
		*expires_r = now + (int64_t)hours * 3600;
	return ret;
}

/* The account of a usable token into *a_r, its hash into hash. */
static int find_token(struct dstore *s, const char *token, int64_t now,
		      struct dstore_account *a_r, char hash[65],
		      struct ob_err *err)
{
	static const char sql[] =
		"SELECT " DS_ACCOUNT_COLS ", r.expires FROM account_reset r "
		"JOIN account a ON a.id = r.account_id AND a.tenant_id = "
		"r.tenant_id LEFT JOIN person p ON p.id = a.person_id AND "
		"p.tenant_id = a.tenant_id WHERE r.token_hash = ?";
	struct db_stmt *st;
	int64_t expires = 0;
	int rc, ret;

	if (token == NULL || !token_well_formed(token))
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "token",
				     INVALID);
	ret = hash_token(token, hash, err);
	if (ret != 0)
		return ret;
	st = ds_stmt(s, sql, err);
	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_text(st, 1, hash);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ds_account_from_row(st, a_r);
		expires = db_column_int64(st, 10);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "token",
				     INVALID);
	if (rc != DB_ROW)
		return ds_sql_err(s, rc, "reset link", err);
	if (expires <= now)
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "expired",
				     INVALID);
	if (a_r->disabled)
		return ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "disabled",
				     INVALID);
	return 0;
}

int dstore_reset_check(struct dstore *s, const char *token, int64_t now,
		       struct dstore_account *a_r, struct ob_err *err)
{
	struct dstore_account a;
	char hash[65];
	int ret = find_token(s, token, now, &a, hash, err);

	if (ret == 0 && a_r != NULL)
		*a_r = a;
	return ret;
}

int dstore_reset_use(struct dstore *s, const char *token, const char *password,
		     int64_t now, struct dstore_account *a_r,
		     struct ob_err *err)
{
	static const char take[] =
		"DELETE FROM account_reset WHERE token_hash = ? AND "
		"account_id = ? AND expires > ?";
	struct dstore_password pw = {0};
	struct dstore_account a, again;
	char hash[65];
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	ret = find_token(s, token, now, &a, hash, err);
	/* the slow hash before the write lock */
	if (ret == 0)
		ret = dstore_password_prepare(s, a.tenant_id, a.login, password,
					      &pw, err);
	if (ret != 0)
		return ret;
	while (ds_txn_next(s, &t, &ret, err)) {
		/* used, replaced or the account disabled meanwhile? */
		ret = find_token(s, token, now, &again, hash, err);
		if (ret == 0 && again.id != a.id)
			ret = ob_err_set_at(err, OB_E_NOTFOUND, 0, 0, "token",
					    INVALID);
		if (ret == 0 && (st = ds_stmt(s, take, err)) == NULL)
			ret = err ? err->code : OB_E_FAIL;
		if (ret == 0) {
			db_bind_text(st, 1, hash);
			db_bind_int64(st, 2, a.id);
			db_bind_int64(st, 3, now);
			ret = ds_exec_stmt(s, st, "use reset link", err);
			if (ret == 0 && db_changes(s->db) != 1)
				ret = ob_err_set_at(err, OB_E_NOTFOUND, 0, 0,
						    "token", INVALID);
		}
		if (ret == 0)
			ret = ds_account_store_password(s, a.tenant_id, a.id,
							&pw, err);
	}
	if (ret == 0 && a_r != NULL)
		*a_r = a;
	dstore_password_deinit(&pw);
	return ret;
}
