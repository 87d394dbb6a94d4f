/* admin/common.c: what every command shares: the error and usage
 * messages with their exit status, opening the store, the --tenant
 * lookup, the UTC time format.
 *
 * Never: decides what a command does; knows no option but --db and
 * --tenant. */
#include "config.h"
#include "admin/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *usage_command;

static int exit_for(int code)
{
	switch (code) {
	case OB_OK:
		return ADM_EXIT_OK;
	case OB_E_PARSE:
	case OB_E_INVAL:
		return ADM_EXIT_INPUT;
	case OB_E_LIMIT:
		return ADM_EXIT_REFUSED;
	case OB_E_NOTFOUND:
	case OB_E_GONE: /* history pruned: not there any more */
		return ADM_EXIT_NOTFOUND;
	case OB_E_EXISTS:
	case OB_E_AUTH:
	case OB_E_VERSION:
		return ADM_EXIT_REFUSED;
	default:
		return ADM_EXIT_STORE;
	}
}

int adm_fail(const struct ob_err *err)
{
	char buf[1024];

	fprintf(stderr, "%s: %s\n", ADM_PROG,
		ob_err_describe(err, buf, sizeof(buf)));
	return exit_for(err->code);
}

void adm_usage_set_command(const char *name)
{
	usage_command = name;
}

/* fmt is always one of our literals: with one %s when arg is given,
 * without a conversion when it is NULL. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int adm_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", ADM_PROG);
	if (arg != NULL)
		fprintf(stderr, fmt, arg);
	else
		fputs(fmt, stderr);
	fprintf(stderr, "\nTry '%s%s%s --help'.\n", ADM_PROG,
		usage_command ? " " : "", usage_command ? usage_command : "");
	return ADM_EXIT_USAGE;
}
#pragma GCC diagnostic pop

int adm_store_open(const struct adm_args *a, struct dstore **s_r)
{
	struct dstore_options o = {0};
	struct ob_err err;

	o.path = adm_arg(a, "db");
	if (o.path == NULL)
		o.path = getenv("ORGBOOK_DB");
	if (o.path == NULL || o.path[0] == '\0')
		return adm_usage("no database: give --db PATH or set "
				 "ORGBOOK_DB",
				 NULL);
	o.key_path = adm_arg(a, "key-file");
	if (o.key_path == NULL)
		o.key_path = getenv("ORGBOOK_KEY_FILE");
	if (o.key_path != NULL && o.key_path[0] == '\0')
		o.key_path = NULL;
	if (dstore_open(&o, s_r, &err) < 0)
		return adm_fail(&err);
	if (dstore_open_notice(*s_r)[0] != '\0')
		fprintf(stderr, "%s: warning: %s\n", ADM_PROG,
			dstore_open_notice(*s_r));
	return 0;
}

int adm_tenant_need(struct dstore *s, const struct adm_args *a, int64_t *id_r)
{
	const char *name = adm_arg(a, "tenant");
	struct dstore_tenant t;
	struct ob_err err;

	if (name == NULL || name[0] == '\0')
		return adm_usage("--tenant NAME is required", NULL);
	if (dstore_tenant_find(s, name, &t, &err) < 0)
		return adm_fail(&err);
	*id_r = t.id;
	return 0;
}

void adm_utc_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
