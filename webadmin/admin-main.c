/* orgbook-admin: the operator's command line for the directory store.
 *
 * Enterprises, accounts, org units, people, imports and the change log.
 * Passwords come from a terminal prompt (no echo) or --password-stdin,
 * never from argv. Exit codes: 0 ok, 1 usage, 2 bad input, 3 not found,
 * 4 refused (exists, guard, auth), 5 store or I/O failure. */
#include "config.h"
#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "webadmin/export.h"
#include "import/import.h"
#include "webadmin/web-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_USAGE = 1,
	EXIT_INPUT = 2,
	EXIT_NOTFOUND = 3,
	EXIT_REFUSED = 4,
	EXIT_STORE = 5,
};

#define MAX_MULTI 16

/* Parsed command line: positional words and --options. */
struct args {
	const char *pos[16];
	int npos;
	struct {
		const char *name;
		const char *value; /* NULL for a flag */
	} opt[48];
	int nopt;
	char names[48][64]; /* option names given as --name=value */
};

static const char *prog = "orgbook-admin";

static int exit_for(int code)
{
	switch (code) {
	case OB_OK:
		return 0;
	case OB_E_PARSE:
	case OB_E_INVAL:
	case OB_E_LIMIT:
		return code == OB_E_LIMIT ? EXIT_REFUSED : EXIT_INPUT;
	case OB_E_NOTFOUND:
	case OB_E_GONE: /* history pruned: not there any more */
		return EXIT_NOTFOUND;
	case OB_E_EXISTS:
	case OB_E_AUTH:
	case OB_E_VERSION:
		return EXIT_REFUSED;
	default:
		return EXIT_STORE;
	}
}

static int fail(const struct ob_err *err)
{
	char buf[1024];

	fprintf(stderr, "%s: %s\n", prog,
		ob_err_describe(err, buf, sizeof(buf)));
	return exit_for(err->code);
}

/* fmt is always one of this file's literals with at most one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg ? arg : "");
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}
#pragma GCC diagnostic pop

/* The person field options of person add/update; each takes a value. */
static const char *const person_fields[] = {
	"name",           "family",  "given", "phonetic-family",
	"phonetic-given", "title",   "work",  "cell",
	"home",           "fax",     "email", "uid",
	"note",           "street",  "city",  "region",
	"postcode",       "country", "photo", "unit",
	"hidden",         NULL};

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(name, list[i]) == 0)
			return true;
	}
	return false;
}

/* Options that take a value; everything else starting with -- is a flag. */
static bool takes_value(const char *name)
{
	static const char *const other[] = {
		"db",       "tenant",   "display",    "format",
		"mode",     "encoding", "since",      "retention-days",
		"md5-auth", "sort",     "max-delete", "output",
		"now",      "hours",    "url",        NULL};

	return in_list(person_fields, name) || in_list(other, name);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (strncmp(w, "--", 2) == 0 && w[2] != '\0') {
			const char *eq = strchr(w, '=');
			char *name;

			if (a->nopt >= 48)
				return usage_error("too many options", NULL);
			if (eq != NULL) {
				size_t n = (size_t)(eq - w - 2);

				if (n >= sizeof(a->names[0]))
					return usage_error("option too long",
							   NULL);
				memcpy(a->names[a->nopt], w + 2, n);
				a->names[a->nopt][n] = '\0';
				name = a->names[a->nopt];
			} else {
				name = (char *)w + 2;
			}
			a->opt[a->nopt].name = name;
			if (eq != NULL) {
				a->opt[a->nopt].value = eq + 1;
			} else if (takes_value(name)) {
				if (i + 1 >= argc)
					return usage_error("option --%s needs "
							   "a value",
							   name);
				a->opt[a->nopt].value = argv[++i];
			}
			a->nopt++;
		} else {
			if (a->npos >= 16)
				return usage_error("too many arguments", NULL);
			a->pos[a->npos++] = w;
		}
	}
	return 0;
}

static const char *opt(const struct args *a, const char *name)
{
	for (int i = a->nopt - 1; i >= 0; i--) {
		if (strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value ? a->opt[i].value : "";
	}
	return NULL;
}

static bool flag(const struct args *a, const char *name)
{
	return opt(a, name) != NULL;
}

/* All values of a repeatable option, in order. */
static size_t opt_all(const struct args *a, const char *name, const char **out,
		      size_t max)
{
	size_t n = 0;

	for (int i = 0; i < a->nopt && n < max; i++) {
		if (strcmp(a->opt[i].name, name) == 0 && a->opt[i].value)
			out[n++] = a->opt[i].value;
	}
	return n;
}

/* Refuse options that are in neither list (--db and --help always pass). */
static int check_opts2(const struct args *a, const char *const *own,
		       const char *const *shared)
{
	for (int i = 0; i < a->nopt; i++) {
		if (!in_list(own, a->opt[i].name) &&
		    !in_list(shared, a->opt[i].name) &&
		    strcmp(a->opt[i].name, "db") != 0 &&
		    strcmp(a->opt[i].name, "help") != 0)
			return usage_error("unknown option --%s",
					   a->opt[i].name);
	}
	return 0;
}

static int check_opts(const struct args *a, const char *const *allowed)
{
	static const char *const none[] = {NULL};

	return check_opts2(a, allowed, none);
}

static int open_store(const struct args *a, struct dstore **s_r)
{
	struct dstore_options o = {0};
	struct ob_err err;

	o.path = opt(a, "db");
	if (o.path == NULL)
		o.path = getenv("ORGBOOK_DB");
	if (o.path == NULL || o.path[0] == '\0')
		return usage_error("no database: give --db PATH or set "
				   "ORGBOOK_DB",
				   NULL);
	if (dstore_open(&o, s_r, &err) < 0)
		return fail(&err);
	if (dstore_open_notice(*s_r)[0] != '\0')
		fprintf(stderr, "%s: warning: %s\n", prog,
			dstore_open_notice(*s_r));
	return 0;
}

static int need_tenant(struct dstore *s, const struct args *a, int64_t *id_r)
{
	const char *name = opt(a, "tenant");
	struct dstore_tenant t;
	struct ob_err err;

	if (name == NULL || name[0] == '\0')
		return usage_error("--tenant NAME is required", NULL);
	if (dstore_tenant_find(s, name, &t, &err) < 0)
		return fail(&err);
	*id_r = t.id;
	return 0;
}

/* ---- passwords -------------------------------------------------------- */

static int read_password(const struct args *a, char *buf, size_t size)
{
	size_t n;

	if (flag(a, "password-stdin")) {
		if (fgets(buf, (int)size, stdin) == NULL) {
			fprintf(stderr, "%s: no password on standard input\n",
				prog);
			return EXIT_INPUT;
		}
	} else {
		struct termios old, quiet;
		char again[DSTORE_PASSWORD_MAX + 2];
		FILE *in = fopen("/dev/tty", "r"),
		     *out = fopen("/dev/tty", "w");

		if (in == NULL || out == NULL) {
			if (in != NULL)
				fclose(in);
			if (out != NULL)
				fclose(out);
			fprintf(stderr,
				"%s: no terminal for a password prompt; use "
				"--password-stdin\n",
				prog);
			return EXIT_USAGE;
		}
		tcgetattr(fileno(in), &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(in), TCSAFLUSH, &quiet);
		fputs("Password: ", out);
		fflush(out);
		if (fgets(buf, (int)size, in) == NULL)
			buf[0] = '\0';
		fputs("\nAgain: ", out);
		fflush(out);
		if (fgets(again, sizeof(again), in) == NULL)
			again[0] = '\0';
		fputs("\n", out);
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fclose(in);
		fclose(out);
		if (strcmp(buf, again) != 0) {
			explicit_bzero(again, sizeof(again));
			fprintf(stderr, "%s: the passwords differ\n", prog);
			return EXIT_INPUT;
		}
		explicit_bzero(again, sizeof(again));
	}
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

/* ---- commands --------------------------------------------------------- */

static int cmd_init(struct dstore *s, const struct args *a)
{
	printf("database ready (schema version %d)\n",
	       dstore_schema_version(s));
	(void)a;
	return 0;
}

static int print_tenant(const struct dstore_tenant *t, void *ctx)
{
	(void)ctx;
	printf("%-20s revision %-8lld md5-auth %-3s retention %dd  %s\n",
	       t->name, (long long)t->revision, t->md5_auth ? "yes" : "no",
	       t->retention_days, t->display);
	return 0;
}

static int cmd_enterprise(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"display", "md5-auth",
					      "retention-days", NULL};
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	struct ob_err err;
	int ret = check_opts(a, allowed);

	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0) {
		if (dstore_tenant_list(s, print_tenant, NULL, &err) < 0)
			return fail(&err);
		return 0;
	}
	if (strcmp(sub, "create") == 0 || strcmp(sub, "set") == 0) {
		struct dstore_tenant t;
		const char *md5 = opt(a, "md5-auth");
		const char *days = opt(a, "retention-days");
		uint64_t d = 0;
		int64_t id;

		if (a->npos != 3)
			return usage_error("usage: enterprise %s NAME", sub);
		if (strcmp(sub, "create") == 0) {
			if (dstore_tenant_create(s, a->pos[2],
						 opt(a, "display"), &id,
						 &err) < 0)
				return fail(&err);
		}
		if (dstore_tenant_find(s, a->pos[2], &t, &err) < 0)
			return fail(&err);
		if (md5 != NULL && strcmp(md5, "yes") != 0 &&
		    strcmp(md5, "no") != 0)
			return usage_error("--md5-auth takes yes or no", NULL);
		if (days != NULL &&
		    ob_parse_u64(days, strlen(days), 3650, &d) < 0)
			return usage_error("--retention-days takes 1 to 3650",
					   NULL);
		if (md5 != NULL || days != NULL) {
			if (dstore_tenant_configure(
				    s, t.id,
				    md5 ? strcmp(md5, "yes") == 0 : t.md5_auth,
				    days ? (int)d : t.retention_days, &err) < 0)
				return fail(&err);
		}
		printf("enterprise %s %s\n", a->pos[2],
		       strcmp(sub, "create") == 0 ? "created" : "updated");
		return 0;
	}
	return usage_error("usage: enterprise create|list|set ...", NULL);
}

static int print_account_event(const struct dstore_account_event *e, void *ctx)
{
	char when[32];
	time_t t = (time_t)e->time;
	struct tm tm;

	(void)ctx;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
	printf("%s  %-20s %-9s %-24s %s\n", when, e->actor, e->op, e->login,
	       e->detail);
	return 0;
}

/* login, role, status, last sign-in (UTC, "never"), linked person (uid
 * and name, "-" when none) */
static int print_account(const struct dstore_account *acc, void *ctx)
{
	char when[32] = "never";

	(void)ctx;
	if (acc->last_login != 0) {
		time_t t = (time_t)acc->last_login;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&t, &tm));
	}
	printf("%-24s %-5s %-8s %-20s %s%s%s\n", acc->login,
	       acc->role == DSTORE_ROLE_ADMIN ? "admin" : "user",
	       acc->disabled ? "disabled" : "active", when,
	       acc->person_uid[0] ? acc->person_uid : "-",
	       acc->person_uid[0] ? " " : "", acc->person_name);
	return 0;
}

static void utc_time(int64_t t, char out[32]);

/* account reset-link LOGIN [--hours N] [--url BASE] */
static int account_reset_link(struct dstore *s, const struct args *a,
			      const struct dstore_account *acc)
{
	const char *h = opt(a, "hours"), *url = opt(a, "url");
	char tok[DSTORE_RESET_TOKEN_MAX], when[32], detail[64];
	int64_t expires = 0;
	uint64_t hours = DSTORE_RESET_HOURS_DEFAULT;
	struct ob_err err;

	if (h != NULL &&
	    (ob_parse_u64(h, strlen(h), DSTORE_RESET_HOURS_MAX, &hours) != 0 ||
	     hours == 0))
		return usage_error("--hours takes 1 to 720", NULL);
	if (acc->disabled) {
		fprintf(stderr, "%s: the account %s is disabled\n", prog,
			acc->login);
		return EXIT_REFUSED;
	}
	if (dstore_reset_create(s, acc->tenant_id, acc->id, (int64_t)time(NULL),
				(int)hours, "cli", tok, &expires, &err) < 0)
		return fail(&err);
	snprintf(detail, sizeof(detail), "valid %llu hours",
		 (unsigned long long)hours);
	(void)dstore_account_log_add(s, acc->tenant_id, (int64_t)time(NULL),
				     "cli", "reset-link", acc->login, detail,
				     &err);
	utc_time(expires, when);
	/* shown this once: only its hash is stored */
	printf("%s/reset?token=%s\n", url ? url : "", tok);
	explicit_bzero(tok, sizeof(tok));
	fprintf(stderr, "reset link for %s, valid until %s (once)\n",
		acc->login, when);
	return 0;
}

static int cmd_account(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {
		"tenant",      "admin", "password-stdin", "hours", "url",
		"reset-links", NULL};
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	char pw[DSTORE_PASSWORD_MAX + 2];
	struct dstore_account acc;
	struct ob_err err;
	int64_t t, id;
	int ret = check_opts(a, allowed);

	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0) {
		ret = need_tenant(s, a, &t);
		if (ret != 0)
			return ret;
		if (dstore_account_list(s, t, print_account, NULL, &err) < 0)
			return fail(&err);
		return 0;
	}
	if (strcmp(sub, "log") == 0) {
		ret = need_tenant(s, a, &t);
		if (ret != 0)
			return ret;
		if (dstore_account_log_recent(s, t, 100, print_account_event,
					      NULL, &err) < 0)
			return fail(&err);
		return 0;
	}
	if (strcmp(sub, "create") == 0) {
		if (a->npos != 3)
			return usage_error("usage: account create --tenant T "
					   "LOGIN [--admin] [--password-stdin]",
					   NULL);
		ret = need_tenant(s, a, &t);
		if (ret == 0)
			ret = read_password(a, pw, sizeof(pw));
		if (ret != 0)
			return ret;
		ret = dstore_account_create(s, t, a->pos[2], pw,
					    flag(a, "admin") ? DSTORE_ROLE_ADMIN
							     : DSTORE_ROLE_USER,
					    &id, &err);
		explicit_bzero(pw, sizeof(pw));
		if (ret < 0)
			return fail(&err);
		(void)dstore_account_log_add(
			s, t, (int64_t)time(NULL), "cli", "create", a->pos[2],
			flag(a, "admin") ? "administrator" : "user", &err);
		printf("account %s created\n", a->pos[2]);
		return 0;
	}
	if (strcmp(sub, "import") == 0) {
		struct wa_account_new *na = NULL;
		struct ob_buf data;
		size_t n = 0;

		if (a->npos != 3)
			return usage_error("usage: account import --tenant T "
					   "FILE.csv [--reset-links [--url "
					   "BASE]]",
					   NULL);
		ret = need_tenant(s, a, &t);
		if (ret != 0)
			return ret;
		ob_buf_init(&data, 64u << 20);
		if (ob_file_read(a->pos[2], &data, &err) < 0) {
			ob_buf_deinit(&data);
			return fail(&err);
		}
		ret = wa_accounts_import_csv(s, t, "cli", ob_buf_str(&data),
					     data.len, flag(a, "reset-links"),
					     &na, &n, &err);
		ob_buf_deinit(&data);
		if (ret < 0)
			return fail(&err);
		/* shown this once: only the hashes are stored */
		if (flag(a, "reset-links")) {
			const char *url = opt(a, "url");
			printf("login,reset_link\n");
			for (size_t i = 0; i < n; i++)
				printf("%s,%s/reset?token=%s\n", na[i].login,
				       url ? url : "", na[i].token);
		} else {
			printf("login,password\n");
			for (size_t i = 0; i < n; i++)
				printf("%s,%s\n", na[i].login, na[i].pw);
		}
		explicit_bzero(na, n * sizeof(*na));
		free(na);
		fprintf(stderr, "%zu accounts created\n", n);
		return 0;
	}
	if (strcmp(sub, "link") == 0 || strcmp(sub, "unlink") == 0) {
		bool link = strcmp(sub, "link") == 0;

		if (a->npos != (link ? 4 : 3))
			return usage_error(link ? "usage: account link LOGIN "
						  "UID"
						: "usage: account unlink LOGIN",
					   NULL);
		if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
			return fail(&err);
		if (dstore_account_link(s, acc.tenant_id, acc.id,
					link ? a->pos[3] : NULL, &err) < 0)
			return fail(&err);
		(void)dstore_account_log_add(
			s, acc.tenant_id, (int64_t)time(NULL), "cli", sub,
			acc.login, link ? a->pos[3] : acc.person_uid, &err);
		if (link)
			printf("account %s linked to %s\n", acc.login,
			       a->pos[3]);
		else
			printf("account %s unlinked\n", acc.login);
		return 0;
	}
	if (strcmp(sub, "reset-link") == 0) {
		if (a->npos != 3)
			return usage_error("usage: account reset-link LOGIN "
					   "[--hours N] [--url BASE]",
					   NULL);
		if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
			return fail(&err);
		return account_reset_link(s, a, &acc);
	}
	if (strcmp(sub, "passwd") == 0 || strcmp(sub, "disable") == 0 ||
	    strcmp(sub, "enable") == 0) {
		if (a->npos != 3)
			return usage_error("usage: account %s LOGIN", sub);
		if (dstore_account_find(s, a->pos[2], &acc, &err) < 0)
			return fail(&err);
		if (strcmp(sub, "passwd") == 0) {
			ret = read_password(a, pw, sizeof(pw));
			if (ret != 0)
				return ret;
			ret = dstore_account_set_password(s, acc.tenant_id,
							  acc.id, pw, &err);
			explicit_bzero(pw, sizeof(pw));
		} else {
			ret = dstore_account_set_disabled(
				s, acc.tenant_id, acc.id,
				strcmp(sub, "disable") == 0, &err);
		}
		if (ret < 0)
			return fail(&err);
		(void)dstore_account_log_add(
			s, acc.tenant_id, (int64_t)time(NULL), "cli",
			strcmp(sub, "passwd") == 0 ? "password" : sub,
			acc.login, "", &err);
		printf("account %s: %s done\n", a->pos[2], sub);
		return 0;
	}
	return usage_error(
		"usage: account create|import|list|log|passwd|disable|enable|"
		"link|unlink|reset-link",
		NULL);
}

static void utc_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* import --undo: the last import of the tenant undone in one
 * transaction (rolled back for --dry-run, which prints the plan). */
static int import_undo(struct dstore *s, const struct args *a, int64_t t)
{
	struct dstore_undo_report r;
	struct ob_err err;
	bool dry = flag(a, "dry-run");
	int64_t rev = 0;
	char when[32];
	int ret;

	dstore_undo_report_init(&r);
	ret = dstore_begin(s, t, "cli", &err);
	if (ret == 0)
		ret = dstore_import_undo(s, t, 0, dry, &r, &err);
	if (ret == 0 && !dry) {
		ret = dstore_commit(s, &rev, &err);
	} else {
		struct dstore_tenant tn;

		dstore_rollback(s);
		if (ret == 0 && dstore_tenant_get(s, t, &tn, &err) == 0)
			rev = tn.revision;
	}
	if (ret < 0) {
		fputs(ob_buf_str(&r.blockers), stderr);
		dstore_undo_report_deinit(&r);
		return fail(&err);
	}
	if (dry)
		fputs(ob_buf_str(&r.plan), stdout);
	utc_time(r.import.time, when);
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

static int cmd_import(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant",   "format",     "mode",
					      "dry-run",  "force",      "undo",
					      "encoding", "max-delete", NULL};
	struct imp_opts o = {0};
	struct imp_report rep;
	const char *fmt = opt(a, "format"), *mode = opt(a, "mode");
	const char *enc = opt(a, "encoding"), *maxdel = opt(a, "max-delete");
	struct ob_buf data;
	struct ob_err err;
	const char *text = "";
	size_t text_len = 0;
	bool mapped = false;
	char dir[4096];
	int64_t t;
	int ret = check_opts(a, allowed);

	if (ret != 0)
		return ret;
	if (flag(a, "undo")) {
		if (a->npos != 1 || fmt || mode || enc || maxdel ||
		    flag(a, "force"))
			return usage_error("usage: import --tenant T --undo "
					   "[--dry-run] (no file, no other "
					   "options)",
					   NULL);
		ret = need_tenant(s, a, &t);
		return ret != 0 ? ret : import_undo(s, a, t);
	}
	if (a->npos != 2)
		return usage_error("usage: import --tenant T FILE", NULL);
	if (fmt != NULL && strcmp(fmt, "csv") != 0 &&
	    strcmp(fmt, "json") != 0 && strcmp(fmt, "vcf") != 0)
		return usage_error("unsupported --format %s (csv, json, vcf)",
				   fmt);
	if (mode != NULL && strcmp(mode, "merge") != 0 &&
	    strcmp(mode, "replace") != 0)
		return usage_error("--mode takes merge or replace", NULL);
	if (enc != NULL && imp_encoding_parse(enc, &o.encoding) < 0)
		return usage_error("--encoding takes auto, utf-8 or gb18030",
				   NULL);
	if (maxdel != NULL) {
		uint64_t pct;

		if (ob_parse_u64(maxdel, strlen(maxdel), 100, &pct) < 0)
			return usage_error("--max-delete takes a percentage "
					   "0-100",
					   NULL);
		o.max_delete = (double)pct / 100.0;
		if (pct == 0)
			o.max_delete = 1e-9;
	}
	ret = need_tenant(s, a, &t);
	if (ret != 0)
		return ret;
	o.replace = mode != NULL && strcmp(mode, "replace") == 0;
	o.dry_run = flag(a, "dry-run");
	o.force = flag(a, "force");
	o.actor = "cli";
	ob_strlcpy(dir, a->pos[1], sizeof(dir));
	o.base_dir = strcmp(a->pos[1], "-") == 0 ? "." : dirname(dir);
	ob_buf_init(&data, 256u << 20);
	if (strcmp(a->pos[1], "-") == 0) {
		ret = ob_file_read("-", &data, &err);
		text = ob_buf_str(&data);
		text_len = data.len;
	} else {
		ret = ob_file_map(a->pos[1], 256u << 20, &text, &text_len,
				  &err);
		mapped = ret == 0;
	}
	if (ret < 0) {
		ob_buf_deinit(&data);
		return fail(&err);
	}
	imp_report_init(&rep);
	if (fmt == NULL) { /* by file name, CSV by default */
		size_t n = strlen(a->pos[1]);

		fmt = n > 5 && ob_str_ieq(a->pos[1] + n - 5, ".json")  ? "json"
		      : n > 4 && ob_str_ieq(a->pos[1] + n - 4, ".vcf") ? "vcf"
								       : "csv";
	}
	ret = (strcmp(fmt, "json") == 0 ? imp_json_import
	       : strcmp(fmt, "vcf") == 0
		       ? imp_vcf_import
		       : imp_csv_import)(s, t, text, text_len, &o, &rep, &err);
	if (mapped)
		ob_file_unmap(text, text_len);
	ob_buf_deinit(&data);
	if (ret == OB_E_PARSE && rep.bad_rows > 0) {
		fputs(ob_buf_str(&rep.errors), stderr);
		fprintf(stderr, "%s: %s: %s\n", prog, a->pos[1], err.msg);
		imp_report_deinit(&rep);
		return EXIT_INPUT;
	}
	if (ret < 0) {
		imp_report_deinit(&rep);
		ob_err_prefix(&err, "%s: ", a->pos[1]);
		return fail(&err);
	}
	if (o.dry_run)
		fputs(ob_buf_str(&rep.plan), stdout);
	if (rep.unkept.len > 0)
		printf("not kept (no field for it):\n%s",
		       ob_buf_str(&rep.unkept));
	printf("%s%zu rows: %zu added, %zu changed, %zu unchanged, %zu "
	       "deleted, %zu units created; revision %lld\n",
	       o.dry_run ? "dry run, nothing written: " : "", rep.rows,
	       rep.adds, rep.changes, rep.unchanged, rep.deletes,
	       rep.units_created, (long long)rep.revision);
	if (!o.dry_run &&
	    rep.adds + rep.changes + rep.deletes + rep.units_created > 0)
		printf("undo it with: %s import --tenant %s --undo\n", prog,
		       opt(a, "tenant"));
	imp_report_deinit(&rep);
	return 0;
}

/* Fill a person from options (for add and update). */
static int person_from_opts(struct dstore *s, int64_t t, const struct args *a,
			    struct dstore_person *p, struct dstore_phone *ph,
			    const char **emails)
{
	static const char *const types[] = {"work", "cell", "home", "fax"};
	struct {
		const char *opt;
		char **field;
	} strs[] = {
		{"name", &p->display},
		{"family", &p->family},
		{"given", &p->given},
		{"phonetic-family", &p->phonetic_family},
		{"phonetic-given", &p->phonetic_given},
		{"title", &p->title},
		{"note", &p->note},
		{"street", &p->street},
		{"city", &p->locality},
		{"region", &p->region},
		{"postcode", &p->postcode},
		{"country", &p->country},
	};
	const char *v;
	size_t n = 0;
	struct ob_err err;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = opt(a, strs[i].opt);
		if (v != NULL) {
			free(*strs[i].field);
			*strs[i].field = ob_strndup(v, strlen(v));
		}
	}
	v = opt(a, "hidden");
	if (v != NULL) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return usage_error("--hidden takes yes or no", NULL);
		p->hidden = strcmp(v, "yes") == 0;
	}
	v = opt(a, "unit");
	if (v != NULL) {
		if (v[0] == '\0' || strcmp(v, "/") == 0) {
			p->unit_id = 0;
		} else if (dstore_unit_ensure_path(s, t, v, false, &p->unit_id,
						   &err) < 0) {
			return fail(&err);
		}
	}
	/* phones and emails given on the command line replace the old ones */
	for (int k = 0; k < 4; k++) {
		const char *vals[MAX_MULTI];
		size_t m = opt_all(a, types[k], vals, MAX_MULTI);

		for (size_t i = 0; i < m && n < MAX_MULTI; i++) {
			ph[n].type = (char *)types[k];
			ph[n++].number = (char *)vals[i];
		}
	}
	if (n > 0) {
		for (size_t i = 0; i < p->n_phones; i++) {
			free(p->phones[i].type);
			free(p->phones[i].number);
		}
		free(p->phones);
		p->phones = calloc(n, sizeof(*p->phones));
		for (size_t i = 0; p->phones && i < n; i++) {
			p->phones[i].type =
				ob_strndup(ph[i].type, strlen(ph[i].type));
			p->phones[i].number =
				ob_strndup(ph[i].number, strlen(ph[i].number));
		}
		p->n_phones = p->phones ? n : 0;
	}
	n = opt_all(a, "email", emails, MAX_MULTI);
	if (n > 0) {
		for (size_t i = 0; i < p->n_emails; i++)
			free(p->emails[i]);
		free(p->emails);
		p->emails = calloc(n, sizeof(*p->emails));
		for (size_t i = 0; p->emails && i < n; i++)
			p->emails[i] = ob_strndup(emails[i], strlen(emails[i]));
		p->n_emails = p->emails ? n : 0;
	}
	v = opt(a, "photo");
	if (v != NULL) {
		struct ob_buf b;

		free(p->photo);
		p->photo = NULL;
		p->photo_len = 0;
		if (v[0] != '\0') {
			ob_buf_init(&b, 16u << 20);
			if (ob_file_read(v, &b, &err) < 0) {
				ob_buf_deinit(&b);
				return fail(&err);
			}
			p->photo = (unsigned char *)ob_buf_steal(&b,
								 &p->photo_len);
		}
	}
	return 0;
}

static void print_person(const struct dstore_person *p)
{
	printf("uid:          %s\n", p->uid);
	printf("name:         %s\n", p->display);
	if (p->family || p->given)
		printf("family/given: %s / %s\n", p->family ? p->family : "",
		       p->given ? p->given : "");
	if (p->phonetic_family || p->phonetic_given)
		printf("phonetic:     %s %s\n",
		       p->phonetic_family ? p->phonetic_family : "",
		       p->phonetic_given ? p->phonetic_given : "");
	printf("unit:         %s\n",
	       p->unit_path && p->unit_path[0] ? p->unit_path : "(top level)");
	if (p->title)
		printf("title:        %s\n", p->title);
	for (size_t i = 0; i < p->n_phones; i++)
		printf("phone:        %s %s\n", p->phones[i].type,
		       p->phones[i].number);
	for (size_t i = 0; i < p->n_emails; i++)
		printf("email:        %s\n", p->emails[i]);
	if (p->street || p->locality || p->country)
		printf("address:      %s, %s %s %s, %s\n",
		       p->street ? p->street : "",
		       p->postcode ? p->postcode : "",
		       p->locality ? p->locality : "",
		       p->region ? p->region : "",
		       p->country ? p->country : "");
	if (p->note)
		printf("note:         %s\n", p->note);
	if (p->photo_len)
		printf("photo:        %zu bytes\n", p->photo_len);
	printf("hidden:       %s\n", p->hidden ? "yes" : "no");
	printf("revision:     %lld\n", (long long)p->rev);
}

static int print_person_line(const struct dstore_person *p, void *ctx)
{
	(void)ctx;
	printf("%-28s %-24s %s%s\n", p->uid, p->display,
	       p->unit_path && p->unit_path[0] ? p->unit_path : "-",
	       p->hidden ? "  (hidden)" : "");
	return 0;
}

static int cmd_person(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant", "all", NULL};
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	struct dstore_phone ph[MAX_MULTI * 4];
	const char *emails[MAX_MULTI];
	struct dstore_person p = {0};
	enum dstore_put_result res;
	struct ob_err err;
	int64_t t, rev, unit = 0;
	int ret = check_opts2(a, allowed, person_fields);

	if (ret == 0)
		ret = need_tenant(s, a, &t);
	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0) {
		struct dstore_iter_opts it = {0};
		const char *u = opt(a, "unit");

		if (u != NULL &&
		    dstore_unit_ensure_path(s, t, u, false, &unit, &err) < 0)
			return fail(&err);
		it.unit_id = unit;
		it.include_hidden = flag(a, "all");
		if (dstore_person_iter(s, t, &it, print_person_line, NULL,
				       &err) < 0)
			return fail(&err);
		return 0;
	}
	if (strcmp(sub, "show") == 0) {
		if (a->npos != 3)
			return usage_error("usage: person show --tenant T UID",
					   NULL);
		if (dstore_person_get(s, t, a->pos[2], true, &p, &err) < 0)
			return fail(&err);
		print_person(&p);
		dstore_person_deinit(&p);
		return 0;
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0) {
		bool add = strcmp(sub, "add") == 0;

		if (add ? a->npos != 2 : a->npos != 3)
			return usage_error(
				add ? "usage: person add --tenant T "
				      "--name NAME [fields]"
				    : "usage: person update --tenant "
				      "T UID [fields]",
				NULL);
		if (!add &&
		    dstore_person_get(s, t, a->pos[2], true, &p, &err) < 0)
			return fail(&err);
		if (add && opt(a, "uid") != NULL)
			p.uid = ob_strndup(opt(a, "uid"),
					   strlen(opt(a, "uid")));
		if (add) {
			struct dstore_person old;

			if (p.uid != NULL &&
			    dstore_person_get(s, t, p.uid, false, &old, &err) ==
				    0) {
				dstore_person_deinit(&old);
				dstore_person_deinit(&p);
				ob_err_set_at(&err, OB_E_EXISTS, 0, 0, "uid",
					      "a person with uid %s exists",
					      opt(a, "uid"));
				return fail(&err);
			}
		}
		ret = dstore_begin(s, t, "cli", &err);
		if (ret == 0)
			ret = person_from_opts(s, t, a, &p, ph, emails) != 0
				      ? OB_E_INVAL
				      : 0;
		if (ret == OB_E_INVAL) {
			dstore_rollback(s);
			dstore_person_deinit(&p);
			return EXIT_USAGE;
		}
		if (ret == 0)
			ret = dstore_person_put(s, t, &p, &res, &err);
		if (ret == 0)
			ret = dstore_commit(s, &rev, &err);
		else
			dstore_rollback(s);
		if (ret < 0) {
			dstore_person_deinit(&p);
			return fail(&err);
		}
		printf("%s %s (revision %lld)\n",
		       res == DSTORE_PUT_ADDED      ? "added"
		       : res == DSTORE_PUT_MODIFIED ? "updated"
						    : "unchanged",
		       p.uid, (long long)rev);
		dstore_person_deinit(&p);
		return 0;
	}
	if (strcmp(sub, "delete") == 0 || strcmp(sub, "move") == 0) {
		bool del = strcmp(sub, "delete") == 0;

		if (del ? a->npos != 3 : a->npos != 4)
			return usage_error(
				del ? "usage: person delete --tenant "
				      "T UID"
				    : "usage: person move --tenant T "
				      "UID UNIT-PATH",
				NULL);
		if (!del && strcmp(a->pos[3], "/") != 0 &&
		    dstore_unit_ensure_path(s, t, a->pos[3], false, &unit,
					    &err) < 0)
			return fail(&err);
		ret = dstore_begin(s, t, "cli", &err);
		if (ret == 0)
			ret = del ? dstore_person_delete(s, t, a->pos[2], &err)
				  : dstore_person_move(s, t, a->pos[2], unit,
						       &err);
		if (ret == 0)
			ret = dstore_commit(s, &rev, &err);
		else
			dstore_rollback(s);
		if (ret < 0)
			return fail(&err);
		printf("%s %s (revision %lld)\n", del ? "deleted" : "moved",
		       a->pos[2], (long long)rev);
		return 0;
	}
	return usage_error("usage: person add|update|delete|move|show|list",
			   NULL);
}

static int print_unit(const struct dstore_unit *u, void *ctx)
{
	int depth = 0;

	(void)ctx;
	for (const char *p = u->path; *p; p++)
		depth += *p == '/';
	printf("%*s%s (%lld)\n", depth * 2, "", u->name, (long long)u->people);
	return 0;
}

static int cmd_unit(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant", "sort", NULL};
	const char *sub = a->npos > 1 ? a->pos[1] : "";
	struct ob_err err;
	int64_t t, id = 0, parent = 0, rev;
	int ret = check_opts(a, allowed);

	if (ret == 0)
		ret = need_tenant(s, a, &t);
	if (ret != 0)
		return ret;
	if (strcmp(sub, "list") == 0) {
		if (dstore_unit_list(s, t, print_unit, NULL, &err) < 0)
			return fail(&err);
		return 0;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "rename") != 0 &&
	    strcmp(sub, "move") != 0 && strcmp(sub, "delete") != 0)
		return usage_error("usage: unit add|rename|move|delete|list",
				   NULL);
	if (a->npos !=
	    (strcmp(sub, "add") == 0 || strcmp(sub, "delete") == 0 ? 3 : 4))
		return usage_error("usage: unit add PATH | rename PATH NAME | "
				   "move PATH NEW-PARENT|/ | delete PATH",
				   NULL);
	ret = dstore_begin(s, t, "cli", &err);
	if (ret == 0 && strcmp(sub, "add") == 0) {
		ret = dstore_unit_ensure_path(s, t, a->pos[2], false, &id,
					      &err);
		if (ret == 0)
			ret = ob_err_set_at(&err, OB_E_EXISTS, 0, 0, "unit",
					    "unit %s already exists",
					    a->pos[2]);
		else if (ret == OB_E_NOTFOUND)
			ret = dstore_unit_ensure_path(s, t, a->pos[2], true,
						      &id, &err);
	} else if (ret == 0) {
		ret = dstore_unit_ensure_path(s, t, a->pos[2], false, &id,
					      &err);
		if (ret == 0 && strcmp(sub, "rename") == 0)
			ret = dstore_unit_rename(s, t, id, a->pos[3], &err);
		else if (ret == 0 && strcmp(sub, "move") == 0) {
			if (strcmp(a->pos[3], "/") != 0)
				ret = dstore_unit_ensure_path(
					s, t, a->pos[3], false, &parent, &err);
			if (ret == 0)
				ret = dstore_unit_move(s, t, id, parent, &err);
		} else if (ret == 0)
			ret = dstore_unit_delete(s, t, id, &err);
	}
	if (ret == 0)
		ret = dstore_commit(s, &rev, &err);
	else
		dstore_rollback(s);
	if (ret < 0)
		return fail(&err);
	printf("unit %s: %s done (revision %lld)\n", a->pos[2], sub,
	       (long long)rev);
	return 0;
}

static int cmd_prune(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant", "now", NULL};
	const char *now_s = opt(a, "now");
	struct dstore_tenant t;
	struct ob_err err;
	uint64_t now = (uint64_t)ob_wall_s();
	int64_t id, pruned = 0;
	int ret = check_opts(a, allowed);

	if (ret == 0)
		ret = need_tenant(s, a, &id);
	if (ret != 0)
		return ret;
	if (now_s != NULL &&
	    ob_parse_u64(now_s, strlen(now_s), INT64_MAX, &now) < 0)
		return usage_error("--now takes a Unix time in seconds", NULL);
	ret = dstore_begin(s, id, "cli", &err);
	if (ret == 0)
		ret = dstore_prune(s, id, (int64_t)now, &pruned, &err);
	if (ret == 0)
		ret = dstore_commit(s, NULL, &err);
	else
		dstore_rollback(s);
	if (ret == 0)
		ret = dstore_tenant_get(s, id, &t, &err);
	if (ret < 0)
		return fail(&err);
	printf("history kept after revision %lld (retention %d days); devices "
	       "older than that sync fully\n",
	       (long long)pruned, t.retention_days);
	return 0;
}

static int write_out(const char *data, size_t len, void *ctx)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : OB_E_IO;
}

static int cmd_export(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant",    "format", "unit",
					      "no-photos", "output", NULL};
	struct wa_export_opts o = {0};
	const char *fmt = opt(a, "format"), *u = opt(a, "unit");
	const char *path = opt(a, "output");
	struct ob_err err;
	size_t count = 0;
	FILE *f = stdout;
	int64_t t;
	int ret = check_opts(a, allowed);

	if (ret == 0)
		ret = need_tenant(s, a, &t);
	if (ret != 0)
		return ret;
	if (fmt == NULL || strcmp(fmt, "vcf30") == 0)
		o.version = VCARD_V30;
	else if (strcmp(fmt, "vcf21") == 0)
		o.version = VCARD_V21;
	else if (strcmp(fmt, "vcf40") == 0)
		o.version = VCARD_V40;
	else if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
		return usage_error("--format takes vcf21, vcf30, vcf40, csv or "
				   "json",
				   NULL);
	if (u != NULL &&
	    dstore_unit_ensure_path(s, t, u, false, &o.unit_id, &err) < 0)
		return fail(&err);
	o.photos = !flag(a, "no-photos");
	if (path != NULL) {
		/* the directory is for signed-in people only: 0600 */
		int fd = ob_file_open_private(path, &err);

		if (fd < 0)
			return fail(&err);
		f = fdopen(fd, "wb");
		if (f == NULL) {
			close(fd);
			ob_err_set(&err, OB_E_IO, "%s: %s", path,
				   strerror(errno));
			return fail(&err);
		}
	}
	if (fmt != NULL && strcmp(fmt, "csv") == 0)
		ret = wa_export_csv(s, t, o.unit_id, write_out, f, &count,
				    &err);
	else if (fmt != NULL && strcmp(fmt, "json") == 0)
		ret = wa_export_json(s, t, o.unit_id, write_out, f, &count,
				     &err);
	else
		ret = wa_export_vcf(s, t, &o, write_out, f, &count, &err);
	if (ret == OB_E_IO)
		ob_err_set(&err, OB_E_IO, "write failed: %s", strerror(errno));
	if (path != NULL && fclose(f) != 0 && ret == 0)
		ret = ob_err_set(&err, OB_E_IO, "%s: %s", path,
				 strerror(errno));
	if (ret < 0)
		return fail(&err);
	if (path != NULL)
		printf("%zu people written to %s\n", count, path);
	return 0;
}

static int print_change(const struct dstore_change *c, void *ctx)
{
	static const char *const k[] = {"?", "add", "modify", "remove"};

	(void)ctx;
	printf("%-7s %s (revision %lld)\n", k[c->kind], c->uid,
	       (long long)c->rev);
	return 0;
}

static int print_log(const struct dstore_log_entry *e, void *ctx)
{
	char when[32];
	time_t tt = (time_t)e->time;
	struct tm tm;

	(void)ctx;
	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
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

static int cmd_changes(struct dstore *s, const struct args *a)
{
	static const char *const allowed[] = {"tenant", "since", "unit", "log",
					      NULL};
	const char *since = opt(a, "since"), *u = opt(a, "unit");
	struct ob_err err;
	uint64_t rev = 0;
	int64_t t, unit = 0, upto;
	int ret = check_opts(a, allowed);

	if (ret == 0)
		ret = need_tenant(s, a, &t);
	if (ret != 0)
		return ret;
	if (since != NULL &&
	    ob_parse_u64(since, strlen(since), INT64_MAX, &rev) < 0)
		return usage_error("--since takes a revision number", NULL);
	if (u != NULL &&
	    dstore_unit_ensure_path(s, t, u, false, &unit, &err) < 0)
		return fail(&err);
	if (flag(a, "log")) {
		if (dstore_log_since(s, t, (int64_t)rev, print_log, NULL,
				     &err) < 0)
			return fail(&err);
		return 0;
	}
	if (dstore_changes_since(s, t, (int64_t)rev, unit, print_change, NULL,
				 &upto, &err) < 0)
		return fail(&err);
	printf("up to revision %lld\n", (long long)upto);
	return 0;
}

static void help(void)
{
	printf("Usage: %s [--db PATH] COMMAND ...\n"
	       "The database is --db PATH or $ORGBOOK_DB.\n\n"
	       "  init                               create or upgrade the "
	       "database\n"
	       "  enterprise create NAME [--display TEXT] [--md5-auth yes|no]\n"
	       "             [--retention-days N]\n"
	       "  enterprise set NAME [--md5-auth yes|no] [--retention-days "
	       "N]\n"
	       "  enterprise list\n"
	       "  account create --tenant T LOGIN [--admin] "
	       "[--password-stdin]\n"
	       "  account import --tenant T FILE.csv [--reset-links [--url "
	       "BASE]]\n"
	       "         (login,role[,uid]; prints the generated passwords, "
	       "or reset links, once)\n"
	       "  account list|log --tenant T   (list: login, role, status, "
	       "last sign-in, person)\n"
	       "  account passwd|disable|enable LOGIN [--password-stdin]\n"
	       "  account link LOGIN UID | unlink LOGIN   the account's "
	       "person\n"
	       "  account reset-link LOGIN [--hours N] [--url BASE]   a "
	       "one-time\n"
	       "         password link (default 72 hours), printed once\n"
	       "  import --tenant T [--format csv|json|vcf] [--mode "
	       "merge|replace]\n"
	       "         [--dry-run] [--force] [--max-delete PCT]\n"
	       "         [--encoding auto|utf-8|gb18030] FILE\n"
	       "  import --tenant T --undo [--dry-run]   undo the last "
	       "import\n"
	       "  person add --tenant T --name NAME [--family F] [--given G]\n"
	       "         [--phonetic-family P] [--phonetic-given P] [--unit "
	       "PATH]\n"
	       "         [--title T] [--work N]... [--cell N]... [--home "
	       "N]...\n"
	       "         [--fax N]... [--email E]... [--street S] [--city C]\n"
	       "         [--region R] [--postcode P] [--country C] [--note "
	       "N]\n"
	       "         [--photo FILE] [--hidden yes|no] [--uid UID]\n"
	       "  person update --tenant T UID [same fields]\n"
	       "  person delete --tenant T UID\n"
	       "  person move --tenant T UID UNIT-PATH|/\n"
	       "  person show --tenant T UID\n"
	       "  person list --tenant T [--unit PATH] [--all]\n"
	       "  unit add|delete --tenant T PATH\n"
	       "  unit rename --tenant T PATH NEW-NAME\n"
	       "  unit move --tenant T PATH NEW-PARENT|/\n"
	       "  unit list --tenant T\n"
	       "  changes --tenant T [--since REV] [--unit PATH] [--log]\n"
	       "  prune --tenant T [--now UNIXTIME]   drop history older "
	       "than the\n"
	       "                                     retention (run daily)\n"
	       "  export --tenant T [--format vcf21|vcf30|vcf40|csv|json]\n"
	       "         [--unit PATH] [--no-photos] [--output FILE]\n\n"
	       "Exit status: 0 ok, 1 usage, 2 bad input, 3 not found, 4 "
	       "refused,\n5 store or I/O error. CSV columns: see IMPORT.md.\n",
	       prog);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct dstore *s, const struct args *a);
	} cmds[] = {
		{"init", cmd_init},       {"enterprise", cmd_enterprise},
		{"account", cmd_account}, {"import", cmd_import},
		{"person", cmd_person},   {"unit", cmd_unit},
		{"changes", cmd_changes}, {"export", cmd_export},
		{"prune", cmd_prune},
	};
	struct args a;
	struct dstore *s = NULL;
	int ret;

	ret = parse_args(argc - 1, argv + 1, &a);
	if (ret != 0)
		return ret;
	if (flag(&a, "help") || a.npos == 0 || strcmp(a.pos[0], "help") == 0) {
		help();
		return a.npos == 0 && !flag(&a, "help") ? EXIT_USAGE : 0;
	}
	if (flag(&a, "version")) {
		printf("%s %s\n", prog, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(a.pos[0], cmds[i].name) != 0)
			continue;
		ret = open_store(&a, &s);
		if (ret != 0)
			return ret;
		ret = cmds[i].fn(s, &a);
		dstore_close(&s);
		return ret;
	}
	return usage_error("unknown command '%s'", a.pos[0]);
}
