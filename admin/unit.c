/* admin/unit.c: the org unit commands: add, rename, move, delete, list.
 * Unit paths are names from the top joined by '/'; "/" as a new parent
 * is the top level. Each change is one transaction.
 *
 * Never: deletes a unit that has people or sub-units (the store refuses),
 * creates the parents of a unit it moves or renames. */
#include "config.h"
#include "admin/admin.h"
#include "util/textout.h"

#include <stdio.h>
#include <string.h>

static int print_unit(const struct dstore_unit *u, void *ctx)
{
	int depth = 0;

	if (ctx != NULL) {
		ob_jw_obj(ctx);
		ob_jw_kstr(ctx, "path", u->path);
		ob_jw_kstr(ctx, "name", u->name);
		ob_jw_kint(ctx, "people", u->people);
		ob_jw_kint(ctx, "sort", u->sort);
		ob_jw_end(ctx);
		return 0;
	}
	for (const char *p = u->path; *p; p++)
		depth += *p == '/';
	printf("%*s%s (%lld)\n", depth * 2, "", u->name, (long long)u->people);
	return 0;
}

/* unit add PATH: refused when it exists, its parents created as needed */
static int add(struct dstore *s, int64_t t, const char *path,
	       struct ob_err *err)
{
	int64_t id = 0;
	int ret = dstore_unit_ensure_path(s, t, path, false, &id, err);

	if (ret == 0)
		return ob_err_set_at(err, OB_E_EXISTS, 0, 0, "unit",
				     "unit %s already exists", path);
	if (ret == OB_E_NOTFOUND)
		ret = dstore_unit_ensure_path(s, t, path, true, &id, err);
	return ret;
}

/* rename PATH NAME, move PATH PARENT|/, delete PATH, inside a
 * transaction */
static int change(struct dstore *s, int64_t t, const struct adm_args *a,
		  const char *sub, struct ob_err *err);

struct change_ctx {
	int64_t tenant;
	const struct adm_args *a;
	const char *sub;
};

static int change_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	const struct change_ctx *x = ctx;

	return change(s, x->tenant, x->a, x->sub, err);
}

static int change(struct dstore *s, int64_t t, const struct adm_args *a,
		  const char *sub, struct ob_err *err)
{
	int64_t id = 0, parent = 0;
	int ret;

	if (strcmp(sub, "add") == 0)
		return add(s, t, a->pos[2], err);
	ret = dstore_unit_ensure_path(s, t, a->pos[2], false, &id, err);
	if (ret != 0)
		return ret;
	if (strcmp(sub, "rename") == 0)
		return dstore_unit_rename(s, t, id, a->pos[3], err);
	if (strcmp(sub, "move") == 0) {
		if (strcmp(a->pos[3], "/") != 0)
			ret = dstore_unit_ensure_path(s, t, a->pos[3], false,
						      &parent, err);
		return ret != 0 ? ret : dstore_unit_move(s, t, id, parent, err);
	}
	return dstore_unit_delete(s, t, id, err);
}

static int run_unit(struct dstore *s, const struct adm_args *a)
{
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	struct ob_err err;
	int64_t t, rev;
	int ret = adm_tenant_need(s, a, &t);

	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0) {
		struct ob_jw w;
		bool json = adm_flag(a, "json");

		ob_jw_init(&w, stdout);
		if (json)
			ob_jw_arr(&w);
		if (dstore_unit_list(s, t, print_unit, json ? &w : NULL, &err) <
		    0) {
			fflush(stdout);
			return adm_fail(&err);
		}
		if (json)
			ob_jw_end(&w);
		return 0;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "rename") != 0 &&
	    strcmp(sub, "move") != 0 && strcmp(sub, "delete") != 0)
		return adm_usage("usage: unit add|rename|move|delete|list",
				 NULL);
	if (a->npos !=
	    (strcmp(sub, "add") == 0 || strcmp(sub, "delete") == 0 ? 3 : 4))
		return adm_usage("usage: unit add PATH | rename PATH NAME | "
				 "move PATH NEW-PARENT|/ | delete PATH",
				 NULL);
	struct change_ctx x = {t, a, sub};
	ret = dstore_retry(s, t, "cli", ADM_TRIES, change_txn, &x, &rev, &err);
	if (ret < 0)
		return adm_fail(&err);
	printf("unit %s: %s done (revision %lld)\n", a->pos[2], sub,
	       (long long)rev);
	return 0;
}

/* --sort was accepted and ignored by the earlier parser; kept so no
 * script that passes it breaks */
static const struct option unit_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"sort", required_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_unit = {
	"unit", unit_options,
	"  unit add|delete --tenant T PATH\n"
	"  unit rename --tenant T PATH NEW-NAME\n"
	"  unit move --tenant T PATH NEW-PARENT|/\n"
	"  unit list --tenant T [--json]\n",
	run_unit};
