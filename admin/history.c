/* admin/history.c: the directory's history: changes (the net change per
 * person since a revision, as a syncing device sees it, or with --log the
 * audit trail), prune (history past the retention window dropped) and
 * import --undo (the last import walked back as one new revision).
 *
 * Never: rewrites history: an undo is a new revision, a prune keeps what
 * a device seen inside the window still needs. */
#include "config.h"
#include "admin/admin.h"
#include "util/textout.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int print_change(const struct dstore_change *c, void *ctx)
{
	static const char *const k[] = {"?", "add", "modify", "remove"};

	if (ctx != NULL) {
		ob_jw_obj(ctx);
		ob_jw_kstr(ctx, "kind", k[c->kind]);
		ob_jw_kstr(ctx, "uid", c->uid);
		ob_jw_kint(ctx, "revision", c->rev);
		ob_jw_end(ctx);
		return 0;
	}
	printf("%-7s %s (revision %lld)\n", k[c->kind], c->uid,
	       (long long)c->rev);
	return 0;
}

static int print_log(const struct dstore_log_entry *e, void *ctx)
{
	char when[32];
	time_t tt = (time_t)e->time;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (ctx != NULL) {
		ob_jw_obj(ctx);
		ob_jw_kint(ctx, "revision", e->rev);
		ob_jw_kint(ctx, "time", e->time);
		ob_jw_kstr(ctx, "when", when);
		ob_jw_kstr(ctx, "actor", e->actor);
		ob_jw_kstr(ctx, "what", e->what);
		ob_jw_kstr(ctx, "op", e->op);
		ob_jw_kstr(ctx, "uid", e->uid);
		ob_jw_kstr(ctx, "name", e->name);
		ob_jw_kstr(ctx, "detail", e->detail);
		ob_jw_end(ctx);
		return 0;
	}
	printf("%lld %s %-8s %-6s %-7s %s%s%s", (long long)e->rev, when,
	       e->actor, e->what, e->op, e->uid,
	       e->name[0] && e->uid[0] ? " " : "", e->name);
	/* a person's changed fields one per line below it, other details
	 * (a unit's old -> new path, an import's counts) on the line */
	if (e->detail[0] != '\0' && strcmp(e->what, "person") != 0 &&
	    strchr(e->detail, '\n') == NULL) {
		printf("%s%s\n", e->uid[0] || e->name[0] ? "  " : "",
		       e->detail);
	} else {
		const char *d = e->detail;

		putchar('\n');
		while (*d != '\0') {
			size_t len = strcspn(d, "\n");

			printf("    %.*s\n", (int)len, d);
			d += len + (d[len] == '\n');
		}
	}
	return 0;
}

/* changes --tenant T [--since REV] [--unit PATH] [--log] */
static int run_changes(struct dstore *s, const struct adm_args *a)
{
	const char *since = adm_arg(a, "since"), *u = adm_arg(a, "unit");
	struct ob_err err;
	uint64_t rev = 0;
	int64_t t, unit = 0, upto;
	int ret = adm_tenant_need(s, a, &t);

	if (ret != 0)
		return ret;
	if (since != NULL &&
	    ob_parse_u64(since, strlen(since), INT64_MAX, &rev) < 0)
		return adm_usage("--since takes a revision number", NULL);
	if (u != NULL &&
	    dstore_unit_ensure_path(s, t, u, false, &unit, &err) < 0)
		return adm_fail(&err);
	struct ob_jw w;
	bool json = adm_flag(a, "json");

	ob_jw_init(&w, stdout);
	if (adm_flag(a, "log")) {
		if (json)
			ob_jw_arr(&w);
		if (dstore_log_since(s, t, (int64_t)rev, print_log,
				     json ? &w : NULL, &err) < 0) {
			fflush(stdout);
			return adm_fail(&err);
		}
		if (json)
			ob_jw_end(&w);
		return 0;
	}
	if (json) {
		ob_jw_obj(&w);
		ob_jw_key(&w, "changes");
		ob_jw_arr(&w);
	}
	if (dstore_changes_since(s, t, (int64_t)rev, unit, print_change,
				 json ? &w : NULL, &upto, &err) < 0) {
		fflush(stdout);
		return adm_fail(&err);
	}
	if (json) {
		ob_jw_end(&w);
		ob_jw_kint(&w, "upto_revision", upto);
		ob_jw_end(&w);
	} else {
		printf("up to revision %lld\n", (long long)upto);
	}
	return 0;
}

struct prune_ctx {
	int64_t tenant, now, pruned;
};

static int prune_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct prune_ctx *x = ctx;

	return dstore_prune(s, x->tenant, x->now, &x->pruned, err);
}

/* prune --tenant T [--now UNIXTIME] */
static int run_prune(struct dstore *s, const struct adm_args *a)
{
	const char *now_s = adm_arg(a, "now");
	struct dstore_tenant t;
	struct ob_err err;
	uint64_t now = (uint64_t)ob_wall_s();
	int64_t id, pruned = 0;
	int ret = adm_tenant_need(s, a, &id);

	if (ret != 0)
		return ret;
	if (now_s != NULL &&
	    ob_parse_u64(now_s, strlen(now_s), INT64_MAX, &now) < 0)
		return adm_usage("--now takes a Unix time in seconds", NULL);
	struct prune_ctx x = {id, (int64_t)now, 0};
	ret = dstore_retry(s, id, "cli", ADM_TRIES, prune_txn, &x, NULL, &err);
	pruned = x.pruned;
	if (ret == 0)
		ret = dstore_tenant_get(s, id, &t, &err);
	if (ret < 0)
		return adm_fail(&err);
	printf("history kept after revision %lld (retention %d days); devices "
	       "older than that sync fully\n",
	       (long long)pruned, t.retention_days);
	return 0;
}

struct undo_ctx {
	int64_t tenant;
	struct dstore_undo_report *r;
};

/* The undo as one transaction; a rerun starts from an empty report. */
static int undo_txn(struct dstore *s, void *ctx, struct ob_err *err)
{
	struct undo_ctx *x = ctx;

	dstore_undo_report_deinit(x->r);
	dstore_undo_report_init(x->r);
	return dstore_import_undo(s, x->tenant, 0, false, x->r, err);
}

int adm_import_undo(struct dstore *s, const struct adm_args *a, int64_t t)
{
	struct dstore_undo_report r;
	struct ob_err err;
	bool dry = adm_flag(a, "dry-run");
	int64_t rev = 0;
	char when[32];
	int ret;

	dstore_undo_report_init(&r);
	if (!dry) {
		struct undo_ctx x = {t, &r};

		ret = dstore_retry(s, t, "cli", ADM_TRIES, undo_txn, &x, &rev,
				   &err);
	} else {
		/* a dry run writes nothing: its transaction is rolled back */
		struct dstore_tenant tn;

		ret = dstore_begin(s, t, "cli", &err);
		if (ret == 0)
			ret = dstore_import_undo(s, t, 0, true, &r, &err);
		dstore_rollback(s);
		if (ret == 0 && dstore_tenant_get(s, t, &tn, &err) == 0)
			rev = tn.revision;
	}
	if (ret < 0) {
		fputs(ob_buf_str(&r.blockers), stderr);
		dstore_undo_report_deinit(&r);
		return adm_fail(&err);
	}
	if (dry)
		fputs(ob_buf_str(&r.plan), stdout);
	adm_utc_time(r.import.time, when);
	printf("%sundo of the %s import of revision %lld (by %s at %s): %zu "
	       "deleted, %zu restored, %zu brought back, %zu units removed, "
	       "%zu kept, %zu put back; revision %lld\n",
	       dry ? "dry run, nothing written: " : "", r.import.mode,
	       (long long)r.import.rev, r.import.actor, when, r.deletes,
	       r.restores, r.returns, r.units_removed, r.units_kept,
	       r.units_restored, (long long)rev);
	dstore_undo_report_deinit(&r);
	return 0;
}

static const struct option changes_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"since", required_argument, NULL, 0},
	{"unit", required_argument, NULL, 0},
	{"log", no_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_changes = {
	"changes", changes_options,
	"  changes --tenant T [--since REV] [--unit PATH] [--log] [--json]\n",
	run_changes};

static const struct option prune_options[] = {
	{"tenant", required_argument, NULL, 0},
	{"now", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

const struct adm_command adm_cmd_prune = {
	"prune", prune_options,
	"  prune --tenant T [--now UNIXTIME]   drop history older than the\n"
	"                                     retention (run daily)\n",
	run_prune};
