/* Password logins with throttling (see dirstore.h): the policy every
 * listener shares, SyncML and the admin pages alike. */
#include "config.h"

#include <stdio.h>

#include "dirstore/internal.h"

#define THROTTLE_FREE 5 /* failures of one login before its lockout */
/* Failures from one address before its lockout: higher, since many users
 * may share an address (NAT, a company proxy). */
#define THROTTLE_FREE_ADDR 30
#define THROTTLE_WINDOW 900 /* seconds failures are counted over */
#define THROTTLE_MAX 900    /* longest lockout, seconds */

bool dstore_login_throttled(struct dstore *s, const char *login,
			    const char *addr, int64_t now)
{
	char key[DSTORE_LOGIN_MAX + 16];
	int64_t until = 0;
	struct ob_err err;

	snprintf(key, sizeof(key), "login:%s", login);
	if (*login != '\0' &&
	    dstore_throttle_check(s, key, now, &until, &err) == 0 && until > 0)
		return true;
	snprintf(key, sizeof(key), "addr:%s", addr);
	return dstore_throttle_check(s, key, now, &until, &err) == 0 &&
	       until > 0;
}

void dstore_login_failed(struct dstore *s, const char *login, const char *addr,
			 int64_t now)
{
	char key[DSTORE_LOGIN_MAX + 16];
	struct ob_err err;

	if (*login != '\0') {
		snprintf(key, sizeof(key), "login:%s", login);
		(void)dstore_throttle_fail(s, key, now, THROTTLE_FREE,
					   THROTTLE_WINDOW, THROTTLE_MAX, &err);
	}
	snprintf(key, sizeof(key), "addr:%s", addr);
	(void)dstore_throttle_fail(s, key, now, THROTTLE_FREE_ADDR,
				   THROTTLE_WINDOW, THROTTLE_MAX, &err);
}

void dstore_login_succeeded(struct dstore *s, const char *login)
{
	char key[DSTORE_LOGIN_MAX + 16];
	struct ob_err err;

	snprintf(key, sizeof(key), "login:%s", login);
	(void)dstore_throttle_clear(s, key, &err);
}

int dstore_login(struct dstore *s, const char *login, const char *password,
		 const char *addr, int64_t now, struct dstore_account *a_r,
		 struct ob_err *err)
{
	int ret;

	if (dstore_login_throttled(s, login, addr, now))
		return ob_err_set(err, OB_E_LIMIT,
				  "too many failed logins; try again later");
	ret = dstore_account_verify(s, login, password, a_r, err);
	if (ret == OB_E_AUTH)
		dstore_login_failed(s, login, addr, now);
	else if (ret == 0)
		dstore_login_succeeded(s, login);
	return ret;
}
