/* Password logins with throttling, and the account activity log (see
 * dirstore.h): what every listener and tool shares about accounts. */
#include "config.h"

#include <stdio.h>

#include "dirstore/internal.h"

#define THROTTLE_FREE 5 /* failures of one login before its lockout */
/* Failures from one address before its lockout: higher, since many users
 * may share an address (NAT, a company proxy). */
#define THROTTLE_FREE_ADDR 30
#define THROTTLE_WINDOW 900 /* seconds failures are counted over */
/* The first lockout, seconds: long enough to matter to a guesser and to
 * be worth the "wait" the refusal tells a person; it doubles from there. */
#define THROTTLE_FIRST 30
#define THROTTLE_MAX 900 /* longest lockout, seconds */

int64_t dstore_login_throttled(struct dstore *s, const char *login,
			       const char *addr, int64_t now)
{
	char key[DSTORE_LOGIN_MAX + 16];
	int64_t until = 0, by_addr = 0;
	struct ob_err err;

	/* a check that fails leaves 0: the lockout is not enforced then */
	snprintf(key, sizeof(key), "login:%s", login);
	if (*login != '\0')
		(void)dstore_throttle_check(s, key, now, &until, &err);
	snprintf(key, sizeof(key), "addr:%s", addr);
	(void)dstore_throttle_check(s, key, now, &by_addr, &err);
	return by_addr > until ? by_addr : until;
}

void dstore_login_failed(struct dstore *s, const char *login, const char *addr,
			 int64_t now)
{
	char key[DSTORE_LOGIN_MAX + 16];
	struct ob_err err;

	if (*login != '\0') {
		snprintf(key, sizeof(key), "login:%s", login);
		(void)dstore_throttle_fail(s, key, now, THROTTLE_FREE,
					   THROTTLE_WINDOW, THROTTLE_FIRST,
					   THROTTLE_MAX, &err);
	}
	snprintf(key, sizeof(key), "addr:%s", addr);
	(void)dstore_throttle_fail(s, key, now, THROTTLE_FREE_ADDR,
				   THROTTLE_WINDOW, THROTTLE_FIRST,
				   THROTTLE_MAX, &err);
}

void dstore_login_succeeded(struct dstore *s, const char *login)
{
	char key[DSTORE_LOGIN_MAX + 16];
	struct ob_err err;

	snprintf(key, sizeof(key), "login:%s", login);
	(void)dstore_throttle_clear(s, key, &err);
}

int dstore_login_record(struct dstore *s, int64_t tenant_id, int64_t account_id,
			int64_t now, struct ob_err *err)
{
	static const char sql[] = "UPDATE account SET last_login = ? WHERE "
				  "id = ? AND tenant_id = ?";
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, now);
		db_bind_int64(st, 2, account_id);
		db_bind_int64(st, 3, tenant_id);
		ret = ds_exec_stmt(s, st, "last login", err);
	}
	return ret;
}

int dstore_login(struct dstore *s, const char *login, const char *password,
		 const char *addr, int64_t now, struct dstore_account *a_r,
		 struct ob_err *err)
{
	int ret;

	if (dstore_login_throttled(s, login, addr, now) != 0)
		return ob_err_set(err, OB_E_LIMIT,
				  "too many failed logins; try again later");
	ret = dstore_account_verify(s, login, password, a_r, err);
	if (ret == OB_E_AUTH)
		dstore_login_failed(s, login, addr, now);
	else if (ret == 0)
		dstore_login_succeeded(s, login);
	return ret;
}

int dstore_account_log_add(struct dstore *s, int64_t tenant_id, int64_t now,
			   const char *actor, const char *op, const char *login,
			   const char *detail, struct ob_err *err)
{
	static const char sql[] =
		"INSERT INTO account_log (tenant_id, time, actor, op, login, "
		"detail) VALUES (?,?,?,?,?,?)";
	struct db_stmt *st;
	struct ds_txn t = DS_TXN_OWN;
	int ret;

	while (ds_txn_stmt(s, &t, sql, &st, &ret, err)) {
		db_bind_int64(st, 1, tenant_id);
		db_bind_int64(st, 2, now);
		db_bind_text(st, 3, actor);
		db_bind_text(st, 4, op);
		db_bind_text(st, 5, login);
		db_bind_text(st, 6, detail ? detail : "");
		ret = ds_exec_stmt(s, st, "account log", err);
	}
	return ret;
}

int dstore_account_log_recent(struct dstore *s, int64_t tenant_id, size_t limit,
			      int (*fn)(const struct dstore_account_event *e,
					void *ctx),
			      void *ctx, struct ob_err *err)
{
	static const char sql[] =
		"SELECT id, time, actor, op, login, detail FROM account_log "
		"WHERE tenant_id = ? ORDER BY id DESC LIMIT ?";
	struct db_stmt *st = ds_stmt(s, sql, err);
	int rc, ret = 0;

	if (st == NULL)
		return err ? err->code : OB_E_FAIL;
	db_bind_int64(st, 1, tenant_id);
	db_bind_int64(st, 2, limit ? (int64_t)limit : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		struct dstore_account_event e = {
			.id = db_column_int64(st, 0),
			.time = db_column_int64(st, 1),
			.actor = db_column_text(st, 2),
			.op = db_column_text(st, 3),
			.login = db_column_text(st, 4),
			.detail = db_column_text(st, 5),
		};
		ret = fn(&e, ctx);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = ds_sql_err(s, rc, "account log", err);
	db_reset(st);
	return ret;
}
