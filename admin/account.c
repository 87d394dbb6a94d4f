/* admin/account.c: the account commands: create, import (many from a
 * CSV, each with a generated password or a reset link), list, log,
 * passwd, disable, enable, link and unlink a person, reset-link. Every
 * change is written to the account log as actor "cli".
 *
 * Never: reads a password from argv (admin/password.c reads them), shows
 * a generated password or token twice (only hashes are stored). */
#include "config.h"
#include "admin/admin.h"
#include "util/textout.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "webadmin/web-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int print_event(const struct dstore_account_event *e, void *ctx)
{
	char when[32];
	time_t t = (time_t)e->time;
	struct tm tm;

	if (ctx != NULL) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&t, &tm));
		ob_jw_obj(ctx);
		ob_jw_kint(ctx, "time", e->time);
		ob_jw_kstr(ctx, "when", when);
		ob_jw_kstr(ctx, "actor", e->actor);
		ob_jw_kstr(ctx, "op", e->op);
		ob_jw_kstr(ctx, "login", e->login);
		ob_jw_kstr(ctx, "detail", e->detail);
		ob_jw_end(ctx);
		return 0;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
	printf("%s  ", when);
	ob_fput_cell(stdout, e->actor, 20);
	printf(" %-9s ", e->op);
	ob_fput_cell(stdout, e->login, 24);
	printf(" %s\n", e->detail);
	return 0;
}

/* login, role, status, last sign-in (UTC, "never"), linked person (uid
 * and name, "-" when none) */
static int print_account(const struct dstore_account *acc, void *ctx)
{
	char when[32] = "never";

	if (acc->last_login != 0) {
		time_t t = (time_t)acc->last_login;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&t, &tm));
	}
	if (ctx != NULL) {
		ob_jw_obj(ctx);
		ob_jw_kstr(ctx, "login", acc->login);
		ob_jw_kstr(ctx, "role",
			   acc->role == DSTORE_ROLE_ADMIN ? "admin" : "user");
		ob_jw_kbool(ctx, "disabled", acc->disabled);
		ob_jw_kint(ctx, "created", acc->created);
		ob_jw_key(ctx, "last_login");
		if (acc->last_login != 0)
			ob_jw_str(ctx, when);
		else
			ob_jw_str(ctx, NULL);
		ob_jw_kstr(ctx, "person_uid",
			   acc->person_uid[0] ? acc->person_uid : NULL);
		ob_jw_kstr(ctx, "person_name",
			   acc->person_uid[0] ? acc->person_name : NULL);
		ob_jw_end(ctx);
		return 0;
	}
	ob_fput_cell(stdout, acc->login, 24);
	printf(" %-5s %-8s %-20s %s%s%s\n",
	       acc->role == DSTORE_ROLE_ADMIN ? "admin" : "user",
	       acc->disabled ? "disabled" : "active", when,
	       acc->person_uid[0] ? acc->person_uid : "-",
	       acc->person_uid[0] ? " " : "", acc->person_name);
	return 0;
}

static void log_add(struct dstore *s, int64_t t, const char *op,
		    const char *login, const char *detail)
{
	struct ob_err err;

	(void)dstore_account_log_add(s, t, (int64_t)time(NULL), "cli", op,
				     login, detail, &err);
}

/* account list|log --tenant T */
static int list_or_log(struct dstore *s, const struct adm_args *a, bool log)
{
	struct ob_err err;
	int64_t t;
	int ret = adm_tenant_need(s, a, &t);

	if (ret != 0)
		return ret;
	struct ob_jw w;
	bool json = adm_flag(a, "json");

	ob_jw_init(&w, stdout);
	if (json)
		ob_jw_arr(&w);
	ret = log ? dstore_account_log_recent(s, t, 100, print_event,
					      json ? &w : NULL, &err)
		  : dstore_account_list(s, t, print_account, json ? &w : NULL,
					&err);
	if (ret < 0) {
		fflush(stdout);
		return adm_fail(&err);
	}
	if (json)
		ob_jw_end(&w);
	return 0;
}

/* account create --tenant T LOGIN [--admin] [--password-stdin] */
static int create(struct dstore *s, const struct adm_args *a)
{
	char pw[DSTORE_PASSWORD_MAX + 2];
	bool admin = adm_flag(a, "admin");
	struct ob_err err;
	int64_t t, id;
	int ret;

	if (a->npos != 3)
		return adm_usage("usage: account create --tenant T "
				 "LOGIN [--admin] [--password-stdin]",
				 NULL);
	ret = adm_tenant_need(s, a, &t);
	if (ret == 0)
		ret = adm_password_read(a, pw, sizeof(pw));
	if (ret != 0)
		return ret;
	ret = dstore_account_create(
		s, t, a->pos[2], pw,
		admin ? DSTORE_ROLE_ADMIN : DSTORE_ROLE_USER, &id, &err);
	explicit_bzero(pw, sizeof(pw));
	if (ret < 0)
		return adm_fail(&err);
	log_add(s, t, "create", a->pos[2], admin ? "administrator" : "user");
	printf("account %s created\n", a->pos[2]);
	return 0;
}

/* account import --tenant T FILE.csv [--reset-links [--url BASE]] */
static int import(struct dstore *s, const struct adm_args *a)
{
	struct wa_account_new *na = NULL;
	bool links = adm_flag(a, "reset-links");
	const char *url = adm_arg(a, "url");
	struct ob_buf data;
	struct ob_err err;
	size_t n = 0;
	int64_t t;
	int ret;

	if (a->npos != 3)
		return adm_usage("usage: account import --tenant T "
				 "FILE.csv [--reset-links [--url "
				 "BASE]]",
				 NULL);
	ret = adm_tenant_need(s, a, &t);
	if (ret != 0)
		return ret;
	ob_buf_init(&data, 64u << 20);
	ret = ob_file_read(a->pos[2], &data, &err);
	if (ret == 0)
		ret = wa_accounts_import_csv(s, t, "cli", ob_buf_str(&data),
					     data.len, links, &na, &n, &err);
	ob_buf_deinit(&data);
	if (ret < 0)
		return adm_fail(&err);
	/* shown this once: only the hashes are stored */
	fputs(links ? "login,reset_link\n" : "login,password\n", stdout);
	for (size_t i = 0; i < n; i++) {
		if (links)
			printf("%s,%s/reset?token=%s\n", na[i].login,
			       url ? url : "", na[i].token);
		else
			printf("%s,%s\n", na[i].login, na[i].pw);
	}
	explicit_bzero(na, n * sizeof(*na));
	free(na);
	fprintf(stderr, "%zu accounts created\n", n);
	return 0;
}

/* account link LOGIN UID | account unlink LOGIN */
static int link_person(struct dstore *s, const struct adm_args *a,
		       const char *sub)
{
	bool link = strcmp(sub, "link") == 0;
	struct dstore_account acc;
	struct ob_err err;

	if (a->npos != (link ? 4 : 3))
		return adm_usage(link ? "usage: account link LOGIN UID"
				      : "usage: account unlink LOGIN",
				 NULL);
	if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
		return adm_fail(&err);
	if (dstore_account_link(s, acc.tenant_id, acc.id,
				link ? a->pos[3] : NULL, &err) < 0)
		return adm_fail(&err);
	log_add(s, acc.tenant_id, sub, acc.login,
		link ? a->pos[3] : acc.person_uid);
	if (link)
		printf("account %s linked to %s\n", acc.login, a->pos[3]);
	else
		printf("account %s unlinked\n", acc.login);
	return 0;
}

/* account reset-link LOGIN [--hours N] [--url BASE] */
static int reset_link(struct dstore *s, const struct adm_args *a)
{
	const char *h = adm_arg(a, "hours"), *url = adm_arg(a, "url");
	char tok[DSTORE_RESET_TOKEN_MAX], when[32], detail[64];
	uint64_t hours = DSTORE_RESET_HOURS_DEFAULT;
	struct dstore_account acc;
	int64_t expires = 0;
	struct ob_err err;

	if (a->npos != 3)
		return adm_usage("usage: account reset-link LOGIN "
				 "[--hours N] [--url BASE]",
				 NULL);
	if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
		return adm_fail(&err);
	if (h != NULL &&
	    (ob_parse_u64(h, strlen(h), DSTORE_RESET_HOURS_MAX, &hours) != 0 ||
	     hours == 0))
		return adm_usage("--hours takes 1 to 720", NULL);
	if (acc.disabled) {
		fprintf(stderr, "%s: the account %s is disabled\n", ADM_PROG,
			acc.login);
		return ADM_EXIT_REFUSED;
	}
	if (dstore_reset_create(s, acc.tenant_id, acc.id, (int64_t)time(NULL),
				(int)hours, "cli", tok, &expires, &err) < 0)
		return adm_fail(&err);
	snprintf(detail, sizeof(detail), "valid %llu hours",
		 (unsigned long long)hours);
	log_add(s, acc.tenant_id, "reset-link", acc.login, detail);
	adm_utc_time(expires, when);
	/* shown this once: only its hash is stored */
	printf("%s/reset?token=%s\n", url ? url : "", tok);
	explicit_bzero(tok, sizeof(tok));
	fprintf(stderr, "reset link for %s, valid until %s (once)\n", acc.login,
		when);
	return 0;
}

/* account passwd|disable|enable LOGIN [--password-stdin] */
static int set_state(struct dstore *s, const struct adm_args *a,
		     const char *sub)
{
	char pw[DSTORE_PASSWORD_MAX + 2];
	bool passwd = strcmp(sub, "passwd") == 0;
	struct dstore_account acc;
	struct ob_err err;
	int ret;

	if (a->npos != 3)
		return adm_usage("usage: account %s LOGIN", sub);
	if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
		return adm_fail(&err);
	if (passwd) {
		ret = adm_password_read(a, pw, sizeof(pw));
		if (ret != 0)
			return ret;
		ret = dstore_account_set_password(s, acc.tenant_id, acc.id, pw,
						  &err);
		explicit_bzero(pw, sizeof(pw));
	} else {
		ret = dstore_account_set_disabled(s, acc.tenant_id, acc.id,
						  strcmp(sub, "disable") == 0,
						  &err);
	}
	if (ret < 0)
		return adm_fail(&err);
	log_add(s, acc.tenant_id, passwd ? "password" : sub, acc.login, "");
	printf("account %s: %s done\n", a->pos[2], sub);
	return 0;
}

static int run_account(struct dstore *s, const struct adm_args *a)
{
	const char *sub = a->npos > 1 ? a->pos[1] : "";

	if (strcmp(sub, "list") == 0 || strcmp(sub, "log") == 0)
		return list_or_log(s, a, strcmp(sub, "log") == 0);
	if (strcmp(sub, "create") == 0)
		return create(s, a);
	if (strcmp(sub, "import") == 0)
		return import(s, a);
	if (strcmp(sub, "link") == 0 || strcmp(sub, "unlink") == 0)
		return link_person(s, a, sub);
	if (strcmp(sub, "reset-link") == 0)
		return reset_link(s, a);
	if (strcmp(sub, "passwd") == 0 || strcmp(sub, "disable") == 0 ||
	    strcmp(sub, "enable") == 0)
		return set_state(s, a, sub);
	return adm_usage("usage: account create|import|list|log|passwd|"
			 "disable|enable|link|unlink|reset-link",
			 NULL);
}

static const struct option account_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"admin", no_argument, NULL, 0},
	{"password-stdin", no_argument, NULL, 0},
	{"hours", required_argument, NULL, 0},
	{"url", required_argument, NULL, 0},
	{"reset-links", no_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_account = {
	"account", account_options,
	"  account create --tenant T LOGIN [--admin] [--password-stdin]\n"
	"  account import --tenant T FILE.csv [--reset-links [--url BASE]]\n"
	"         (login,role[,uid]; prints the generated passwords, or "
	"reset links, once)\n"
	"  account list|log --tenant T [--json]   (list: login, role, "
	"status,\n         last sign-in, person)\n"
	"  account passwd|disable|enable LOGIN [--password-stdin]\n"
	"  account link LOGIN UID   link the account to its person\n"
	"  account unlink LOGIN     and undo it\n"
	"  account reset-link LOGIN [--hours N] [--url BASE]   a one-time\n"
	"         password link (default 72 hours), printed once\n",
	run_account};
