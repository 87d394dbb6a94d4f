/* admin/tenant.c: the commands on the database and its enterprises:
 * init (create or upgrade the schema), enterprise create, set and list.
 *
 * Never: deletes an enterprise (no command does), touches its people. */
#include "config.h"
#include "admin/admin.h"
#include "util/textout.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

static int run_init(struct dstore *s, const struct adm_args *a)
{
	(void)a;
	printf("database ready (schema version %d)\n",
	       dstore_schema_version(s));
	return 0;
}

static int print_tenant(const struct dstore_tenant *t, void *ctx)
{
	if (ctx != NULL) {
		ob_jw_obj(ctx);
		ob_jw_kstr(ctx, "name", t->name);
		ob_jw_kstr(ctx, "display", t->display);
		ob_jw_kint(ctx, "revision", t->revision);
		ob_jw_kint(ctx, "pruned_revision", t->pruned_rev);
		ob_jw_kbool(ctx, "md5_auth", t->md5_auth);
		ob_jw_kint(ctx, "retention_days", t->retention_days);
		ob_jw_kstr(ctx, "ldap_base", t->ldap_base);
		ob_jw_kbool(ctx, "ldap_anonymous", t->ldap_anonymous);
		ob_jw_end(ctx);
		return 0;
	}
	printf("%-20s revision %-8lld md5-auth %-3s retention %dd  %s\n",
	       t->name, (long long)t->revision, t->md5_auth ? "yes" : "no",
	       t->retention_days, t->display);
	if (*t->ldap_base != '\0' || t->ldap_anonymous)
		printf("%-20s ldap-base %s%s  ldap-anonymous %s\n", "",
		       *t->ldap_base ? t->ldap_base : "dc=",
		       *t->ldap_base ? "" : t->name,
		       t->ldap_anonymous ? "yes" : "no");
	return 0;
}

/* enterprise create|set NAME [--display] [--md5-auth] [--retention-days]
 * [--ldap-base] [--ldap-anonymous] */
static int create_or_set(struct dstore *s, const struct adm_args *a,
			 const char *sub)
{
	struct dstore_tenant t;
	const char *md5 = adm_arg(a, "md5-auth");
	const char *days = adm_arg(a, "retention-days");
	const char *base = adm_arg(a, "ldap-base");
	const char *anon = adm_arg(a, "ldap-anonymous");
	bool create = strcmp(sub, "create") == 0;
	struct ob_err err;
	uint64_t d = 0;
	int64_t id;

	if (a->npos != 3)
		return adm_usage("usage: enterprise %s NAME", sub);
	if (create && dstore_tenant_create(s, a->pos[2], adm_arg(a, "display"),
					   &id, &err) < 0)
		return adm_fail(&err);
	if (dstore_tenant_find(s, a->pos[2], &t, &err) < 0)
		return adm_fail(&err);
	if (md5 != NULL && strcmp(md5, "yes") != 0 && strcmp(md5, "no") != 0)
		return adm_usage("--md5-auth takes yes or no", NULL);
	if (days != NULL && ob_parse_u64(days, strlen(days), 3650, &d) < 0)
		return adm_usage("--retention-days takes 1 to 3650", NULL);
	if (anon != NULL && strcmp(anon, "yes") != 0 && strcmp(anon, "no") != 0)
		return adm_usage("--ldap-anonymous takes yes or no", NULL);
	if ((base != NULL || anon != NULL) &&
	    dstore_tenant_set_ldap(s, t.id, base ? base : t.ldap_base,
				   anon ? strcmp(anon, "yes") == 0
					: t.ldap_anonymous,
				   &err) < 0)
		return adm_fail(&err);
	if ((md5 != NULL || days != NULL) &&
	    dstore_tenant_configure(s, t.id,
				    md5 ? strcmp(md5, "yes") == 0 : t.md5_auth,
				    days ? (int)d : t.retention_days, &err) < 0)
		return adm_fail(&err);
	printf("enterprise %s %s\n", a->pos[2], create ? "created" : "updated");
	return 0;
}

static int run_enterprise(struct dstore *s, const struct adm_args *a)
{
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	struct ob_err err;

	if (strcmp(sub, "list") == 0) {
		struct ob_jw w;
		bool json = adm_flag(a, "json");

		ob_jw_init(&w, stdout);
		if (json)
			ob_jw_arr(&w);
		if (dstore_tenant_list(s, print_tenant, json ? &w : NULL,
				       &err) < 0) {
			fflush(stdout);
			return adm_fail(&err);
		}
		if (json)
			ob_jw_end(&w);
		return 0;
	}
	if (strcmp(sub, "create") == 0 || strcmp(sub, "set") == 0)
		return create_or_set(s, a, sub);
	return adm_usage("usage: enterprise create|list|set ...", NULL);
}

static const struct option no_options[] = {{NULL, 0, NULL, 0}};

const struct adm_command adm_cmd_init = {
	"init", no_options,
	"  init                               create or upgrade the "
	"database\n",
	run_init};

static const struct option enterprise_options[] = {
	{"display", required_argument, NULL, 0},
	{"md5-auth", required_argument, NULL, 0},
	{"retention-days", required_argument, NULL, 0},
	{"ldap-base", required_argument, NULL, 0},
	{"ldap-anonymous", required_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_enterprise = {
	"enterprise", enterprise_options,
	"  enterprise create NAME [--display TEXT] [--md5-auth yes|no]\n"
	"             [--retention-days N] [--ldap-base DN]\n"
	"             [--ldap-anonymous yes|no]\n"
	"  enterprise set NAME [--md5-auth yes|no] [--retention-days N]\n"
	"             [--ldap-base DN] [--ldap-anonymous yes|no]\n"
	"  enterprise list [--json]\n",
	run_enterprise};
