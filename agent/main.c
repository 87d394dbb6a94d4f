/* orgbook-agent: keeps an offline copy of the company directory current
 * (SyncML, agent/sync.c) and finds anyone in it (agent/store.c).
 *
 *   orgbook-agent [--dir DIR] init --server URL --user NAME
 *                 [--password-stdin] [--wbxml] [--md5] [--unit PATH]
 *                 [--ca-file FILE] [--pin sha256//...] [--syncml 1.1]
 *                 [--max-msg BYTES] [--device ID]
 *   orgbook-agent sync [--slow | --refresh]
 *   orgbook-agent search QUERY [--limit N] [--json]
 *   orgbook-agent lookup-number NUMBER [--json]
 *   orgbook-agent units [PATH] [--json]
 *   orgbook-agent show ID
 *   orgbook-agent export [--format vcf21|vcf30] [--unit PATH]
 *   orgbook-agent status
 * Exit status: 0 ok, 1 usage, 2 bad input (agent.conf others can read
 * included), 3 not found, 4 login refused, 5 network or server error (a
 * RespURI off the server's origin included), 6 local store error, 7 sync
 * finished with refused items (counted by reason on stdout). */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent/store.h"
#include "agent/sync.h"
#include "dircard/dircard.h"
#include "syncml/xml.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/str.h"
#include "util/textout.h"
#include "vcard/vcard.h"

enum {
	EX_OK = 0,
	EX_USAGE = 1,
	EX_INPUT = 2,
	EX_NOTFOUND = 3,
	EX_AUTH = 4,
	EX_NET = 5,
	EX_STORE = 6,
	EX_REFUSED = 7
};

struct conf {
	char server[1024], user[256], password[1024], unit[512];
	char ca_file[1024], pin[256], device[128];
	bool wbxml, md5;
	int version;
	size_t max_msg;
};

static char dir[2048];
static bool opt_quiet;

/* ---- the command line (getopt_long) -------------------------------------- */

#define MAX_POS 8
#define MAX_OPTS 32

/* A parsed command line: the words after the command and its options in
 * the order given; every pointer borrows from argv. */
struct args {
	const char *pos[MAX_POS];
	int npos;
	struct {
		const char *name, *value; /* value NULL: a flag */
	} opt[MAX_OPTS];
	int nopt;
};

struct command {
	const char *name;
	const struct option *options;
	const char *synopsis; /* after the name, for --help */
	int min_pos, max_pos;
	int (*run)(const struct args *a);
};

/* Options every command takes; --list-options is for the bash
 * completion (contrib/bash-completion), not in --help. */
static const struct option global_opts[] = {
	{"dir", required_argument, NULL, 0},
	{"quiet", no_argument, NULL, 0},
	{"help", no_argument, NULL, 0},
	{"version", no_argument, NULL, 0},
	{"list-options", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

static const struct option init_opts[] = {
	{"server", required_argument, NULL, 0},
	{"user", required_argument, NULL, 0},
	{"password-stdin", no_argument, NULL, 0},
	{"wbxml", no_argument, NULL, 0},
	{"md5", no_argument, NULL, 0},
	{"unit", required_argument, NULL, 0},
	{"ca-file", required_argument, NULL, 0},
	{"pin", required_argument, NULL, 0},
	{"syncml", required_argument, NULL, 0},
	{"max-msg", required_argument, NULL, 0},
	{"device", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};
static const struct option sync_opts[] = {
	{"slow", no_argument, NULL, 0},
	{"refresh", no_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};
static const struct option search_opts[] = {
	{"limit", required_argument, NULL, 0},
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};
static const struct option json_opts[] = {
	{"json", no_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};
static const struct option export_opts[] = {
	{"format", required_argument, NULL, 0},
	{"unit", required_argument, NULL, 0},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orgbook-agent [--dir DIR] [--quiet] COMMAND "
		"[OPTION]...\n"
		"  init --server URL --user NAME [--password-stdin] [--wbxml]"
		" [--md5]\n"
		"       [--unit PATH] [--ca-file FILE] [--pin sha256//...]"
		" [--syncml 1.1]\n"
		"       [--max-msg BYTES] [--device ID]\n"
		"  sync [--slow | --refresh] [--json]\n"
		"  search QUERY [--limit N] [--json]\n"
		"  lookup-number NUMBER [--json]\n"
		"  units [PATH] [--json]\n"
		"  show ID [--json]\n"
		"  export [--format vcf21|vcf30] [--unit PATH]\n"
		"  status [--json]\n"
		"options take --opt VALUE or --opt=VALUE, anywhere after the\n"
		"command; --dir DIR (else $ORGBOOK_AGENT_DIR, else\n"
		"$XDG_DATA_HOME/orgbook) holds agent.conf and directory.db;\n"
		"--quiet: no progress bar; COMMAND --help, --version.\n"
		"exit status: 0 ok, 1 usage, 2 bad input (also an\n"
		"  agent.conf others can read), 3 not found, 4 login\n"
		"  refused, 5 network or server error (also a RespURI to\n"
		"  another scheme, host or port), 6 local store error,\n"
		"  7 sync finished with refused items (the summary counts\n"
		"  them by reason)\n"
		"see orgbook-agent(1)\n");
}

/* A usage error: the message, a hint, exit status 1. fmt has one %s. */
static int bad_usage(const char *fmt, const char *arg)
	__attribute__((format(printf, 1, 0)));
static int bad_usage(const char *fmt, const char *arg)
{
	fputs("orgbook-agent: ", stderr);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
	fputs("\nTry 'orgbook-agent --help' for more information.\n", stderr);
	return EX_USAGE;
}

/* Options of t then the global ones into out, each val its index. */
static size_t build_table(const struct option *t, struct option *out,
			  size_t max)
{
	size_t n = 0;

	for (int part = 0; part < 2; part++) {
		for (const struct option *o = part ? global_opts : t;
		     o && o->name && n + 1 < max; o++) {
			out[n] = *o;
			out[n].flag = NULL;
			out[n].val = (int)n + 0x100;
			n++;
		}
	}
	memset(&out[n], 0, sizeof(out[n]));
	return n;
}

/* Parse argv[1..argc) against t and the global options: GNU long options,
 * --opt=value or --opt value, unambiguous prefixes, words anywhere, "--"
 * ends the options. Returns 0 or EX_USAGE after naming the option. */
static int parse(const char *cmd, const struct option *t, int argc, char **argv,
		 struct args *a)
{
	struct option tab[MAX_OPTS + 8];
	char what[160];
	int c;

	char pre[48];

	snprintf(pre, sizeof(pre), "%s%s", cmd ? cmd : "", cmd ? ": " : "");
	memset(a, 0, sizeof(*a));
	build_table(t, tab, sizeof(tab) / sizeof(tab[0]));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:hq", tab, NULL)) != -1) {
		const char *w =
			optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		if (c == 1) {
			if (a->npos >= MAX_POS)
				return bad_usage("%stoo many arguments", pre);
			a->pos[a->npos++] = optarg;
			continue;
		}
		if (c == 'h' || c == 'q') {
			if (a->nopt >= MAX_OPTS)
				return bad_usage("%stoo many options", pre);
			a->opt[a->nopt].name = c == 'h' ? "help" : "quiet";
			a->opt[a->nopt++].value = NULL;
			continue;
		}
		if (c == ':') {
			snprintf(what, sizeof(what),
				 "%soption %.64s needs a value", pre, w);
			return bad_usage("%s", what);
		}
		if (c == '?') {
			size_t len = strcspn(w, "=");
			if (optopt >= 0x100)
				snprintf(what, sizeof(what),
					 "%soption --%s takes no value", pre,
					 tab[optopt - 0x100].name);
			else if (optopt != 0)
				snprintf(what, sizeof(what),
					 "%sunknown option -%c", pre, optopt);
			else
				snprintf(what, sizeof(what),
					 "%sunknown option %.*s", pre,
					 (int)(len > 64 ? 64 : len), w);
			return bad_usage("%s", what);
		}
		if (a->nopt >= MAX_OPTS)
			return bad_usage("%stoo many options", pre);
		a->opt[a->nopt].name = tab[c - 0x100].name;
		a->opt[a->nopt].value = optarg;
		a->nopt++;
	}
	for (int i = optind; i < argc; i++) {
		if (a->npos >= MAX_POS)
			return bad_usage("%stoo many arguments", pre);
		a->pos[a->npos++] = argv[i];
	}
	return 0;
}

/* The last value of --name ("" for a flag), NULL when not given. */
static const char *arg(const struct args *a, const char *name)
{
	for (int i = a->nopt - 1; i >= 0; i--) {
		if (strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value ? a->opt[i].value : "";
	}
	return NULL;
}

static bool flag(const struct args *a, const char *name)
{
	return arg(a, name) != NULL;
}

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static int exit_of(int code)
{
	switch (code) {
	case OB_E_AUTH:
		return EX_AUTH;
	case OB_E_NOTFOUND:
		return EX_NOTFOUND;
	case OB_E_IO:
	case OB_E_PARSE:
	case OB_E_LIMIT:
	case OB_E_FAIL:
		return EX_NET;
	case OB_E_INVAL:
		return EX_INPUT;
	default:
		return EX_STORE;
	}
}

/* ---- config file (0600: it holds the password) ------------------------- */

static void conf_set(struct conf *c, const char *k, const char *v)
{
	if (strcmp(k, "server") == 0)
		ob_strlcpy(c->server, v, sizeof(c->server));
	else if (strcmp(k, "user") == 0)
		ob_strlcpy(c->user, v, sizeof(c->user));
	else if (strcmp(k, "password") == 0)
		ob_strlcpy(c->password, v, sizeof(c->password));
	else if (strcmp(k, "unit") == 0)
		ob_strlcpy(c->unit, v, sizeof(c->unit));
	else if (strcmp(k, "ca-file") == 0)
		ob_strlcpy(c->ca_file, v, sizeof(c->ca_file));
	else if (strcmp(k, "pin") == 0)
		ob_strlcpy(c->pin, v, sizeof(c->pin));
	else if (strcmp(k, "device") == 0)
		ob_strlcpy(c->device, v, sizeof(c->device));
	else if (strcmp(k, "wbxml") == 0)
		c->wbxml = strcmp(v, "yes") == 0;
	else if (strcmp(k, "md5") == 0)
		c->md5 = strcmp(v, "yes") == 0;
	else if (strcmp(k, "syncml") == 0)
		c->version = strcmp(v, "1.1") == 0 ? 11 : 12;
	else if (strcmp(k, "max-msg") == 0)
		c->max_msg = (size_t)strtoul(v, NULL, 10);
}

static int conf_load(struct conf *c)
{
	char p[2100];
	struct ob_buf b;
	struct ob_err err;

	memset(c, 0, sizeof(*c));
	c->version = 12;
	path_of(p, sizeof(p), "agent.conf");
	/* The file holds the password: used only when nobody else can read
	 * or change it (what ssh asks of a private key). */
	struct stat st;
	if (stat(p, &st) == 0) {
		uid_t me = geteuid();
		if (st.st_uid != me) {
			fprintf(stderr,
				"orgbook-agent: %s holds the password but "
				"belongs to uid %lu, not to you (uid %lu); "
				"refusing it. Fix: chown %lu %s (or run "
				"orgbook-agent init again)\n",
				p, (unsigned long)st.st_uid, (unsigned long)me,
				(unsigned long)me, p);
			return EX_INPUT;
		}
		if ((st.st_mode & 066) != 0) {
			fprintf(stderr,
				"orgbook-agent: %s holds the password but "
				"can be %s by others (mode %04o); refusing "
				"it. Fix: chmod 600 %s\n",
				p, (st.st_mode & 044) != 0 ? "read" : "changed",
				(unsigned)(st.st_mode & 07777), p);
			return EX_INPUT;
		}
	}
	ob_buf_init(&b, 1u << 16);
	if (ob_file_read(p, &b, &err) != 0) {
		ob_buf_deinit(&b);
		fprintf(stderr,
			"orgbook-agent: not set up (%s); run "
			"orgbook-agent init first\n",
			err.msg);
		return EX_USAGE;
	}
	for (char *line = b.data, *nl; line != NULL && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		conf_set(c, line, eq + 1);
	}
	explicit_bzero(b.data, b.len);
	ob_buf_deinit(&b);
	return 0;
}

static int conf_save(const struct conf *c)
{
	char p[2100];
	struct ob_buf b;
	struct ob_err err;
	int ret;

	ob_buf_init(&b, 1u << 16);
	ob_buf_addf(&b,
		    "server=%s\nuser=%s\npassword=%s\nunit=%s\nca-file=%s\n"
		    "pin=%s\ndevice=%s\nwbxml=%s\nmd5=%s\nsyncml=%s\n"
		    "max-msg=%zu\n",
		    c->server, c->user, c->password, c->unit, c->ca_file,
		    c->pin, c->device, c->wbxml ? "yes" : "no",
		    c->md5 ? "yes" : "no", c->version == 11 ? "1.1" : "1.2",
		    c->max_msg);
	path_of(p, sizeof(p), "agent.conf");
	ret = ob_file_write_atomic(p, b.data, b.len, 0600, &err);
	explicit_bzero(b.data, b.len);
	ob_buf_deinit(&b);
	if (ret != 0)
		fprintf(stderr, "orgbook-agent: %s\n", err.msg);
	return ret == 0 ? 0 : EX_STORE;
}

static int open_store(struct agent_store **s)
{
	char p[2100];
	struct ob_err err;

	path_of(p, sizeof(p), "directory.db");
	if (agent_store_open(p, s, &err) != 0) {
		fprintf(stderr, "orgbook-agent: %s\n", err.msg);
		return EX_STORE;
	}
	return 0;
}

static int read_password(char *pw, size_t size, bool from_stdin)
{
	struct termios t, quiet;
	bool tty = !from_stdin && isatty(STDIN_FILENO);

	if (!from_stdin && !tty) {
		fprintf(stderr, "orgbook-agent: no terminal for the password; "
				"use --password-stdin\n");
		return EX_USAGE;
	}
	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &t);
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	char *ok = fgets(pw, (int)size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		fprintf(stderr, "\n");
	}
	if (ok == NULL)
		return EX_INPUT;
	pw[strcspn(pw, "\r\n")] = '\0';
	return *pw ? 0 : EX_INPUT;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_init(const struct args *a)
{
	static const char *const keys[] = {"server",  "user",  "unit",
					   "ca-file", "pin",   "syncml",
					   "max-msg", "device"};
	struct conf c;
	bool pw_stdin = flag(a, "password-stdin");

	memset(&c, 0, sizeof(c));
	c.version = 12;
	c.wbxml = flag(a, "wbxml");
	c.md5 = flag(a, "md5");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = arg(a, keys[k]);
		if (v != NULL)
			conf_set(&c, keys[k], v);
	}
	if (*c.server == '\0' || *c.user == '\0')
		return bad_usage("%s",
				 "init needs --server URL and --user NAME");
	if (strncmp(c.server, "http://", 7) != 0 &&
	    strncmp(c.server, "https://", 8) != 0) {
		fprintf(stderr, "orgbook-agent: the server URL must start "
				"with http:// or https://\n");
		return EX_INPUT;
	}
	int ret = read_password(c.password, sizeof(c.password), pw_stdin);
	if (ret != 0)
		return ret;
	if (*c.device == '\0') {
		char id[17];
		ob_random_hex(id, 8);
		snprintf(c.device, sizeof(c.device), "orgbook-agent-%s", id);
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "orgbook-agent: cannot create %s: %s\n", dir,
			strerror(errno));
		return EX_STORE;
	}
	ret = conf_save(&c);
	explicit_bzero(c.password, sizeof(c.password));
	if (ret != 0)
		return ret;
	struct agent_store *s;
	if ((ret = open_store(&s)) != 0)
		return ret;
	agent_store_close(&s);
	printf("ready: %s as %s (data in %s)\n", c.server, c.user, dir);
	return 0;
}

static void on_progress(long done, long total, void *ctx)
{
	ob_progress_update(ctx, done, total);
}

static int cmd_sync(const struct args *a)
{
	struct conf c;
	struct agent_store *s;
	struct agent_sync_opts o = {0};
	struct agent_sync_result r;
	struct ob_err err;
	char ds[600];
	int ret;

	if ((ret = conf_load(&c)) != 0)
		return ret;
	if (flag(a, "slow") && flag(a, "refresh"))
		return bad_usage("%s",
				 "sync: give --slow or --refresh, not both");
	if (flag(a, "slow"))
		o.mode = AGENT_SYNC_SLOW;
	else if (flag(a, "refresh"))
		o.mode = AGENT_SYNC_REFRESH;
	if ((ret = open_store(&s)) != 0)
		return ret;
	snprintf(ds, sizeof(ds), "contacts%s%s", *c.unit ? "/" : "", c.unit);
	struct ob_progress pr;
	ob_progress_start(&pr, STDERR_FILENO, "syncing", 0, opt_quiet);
	o.url = c.server;
	o.user = c.user;
	o.password = c.password;
	o.datastore = ds;
	o.wbxml = c.wbxml;
	o.md5 = c.md5;
	o.version = c.version;
	o.max_msg = c.max_msg >= 4096 ? c.max_msg : 1u << 20;
	o.max_reply = 64u << 20;
	o.ca_file = *c.ca_file ? c.ca_file : NULL;
	o.pin = *c.pin ? c.pin : NULL;
	o.timeout_s = 300;
	o.device = c.device;
	o.progress = on_progress;
	o.progress_ctx = &pr;
	ret = agent_sync(s, &o, &r, &err);
	explicit_bzero(c.password, sizeof(c.password));
	ob_progress_end(&pr);
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: sync failed: %s\n", err.msg);
		agent_store_close(&s);
		return exit_of(ret);
	}
	int64_t n = 0;
	agent_store_count(s, &n, &err);
	agent_store_close(&s);
	static const char *const reason[AGENT_REFUSED_N] = {
		[AGENT_REFUSED_MALFORMED] = "malformed vCard",
		[AGENT_REFUSED_TOO_LARGE] = "over the size cap",
		[AGENT_REFUSED_LIMIT] = "over a vCard limit",
		[AGENT_REFUSED_NO_ID] = "without a usable id",
	};
	static const char *const reason_key[AGENT_REFUSED_N] = {
		[AGENT_REFUSED_MALFORMED] = "malformed",
		[AGENT_REFUSED_TOO_LARGE] = "too_large",
		[AGENT_REFUSED_LIMIT] = "limit",
		[AGENT_REFUSED_NO_ID] = "no_id",
	};
	const char *mode = r.alert == 201   ? "slow"
			   : r.alert == 205 ? "refresh"
					    : "two-way";
	if (flag(a, "json")) {
		printf("{\"mode\":\"%s\",\"added\":%ld,\"updated\":%ld,"
		       "\"deleted\":%ld,\"full_sync_removed\":%ld,"
		       "\"people\":%lld,\"bytes_in\":%lu,\"messages\":%ld,"
		       "\"refused\":{",
		       mode, r.adds, r.replaces, r.deletes + r.removed,
		       r.removed, (long long)n, (unsigned long)r.bytes_in,
		       r.messages);
		for (int i = 0; i < AGENT_REFUSED_N; i++) {
			printf("%s\"%s\":{\"count\":%ld,\"first\":",
			       i ? "," : "", reason_key[i], r.refused[i].count);
			ob_json_fput(stdout, r.refused[i].count
						     ? r.refused[i].first
						     : "");
			putchar('}');
		}
		printf("}}\n");
		return r.refused_total == 0 ? 0 : EX_REFUSED;
	}
	printf("%s sync: %ld added, %ld updated, %ld deleted%s; %lld people "
	       "(%lu bytes in %ld messages)\n",
	       mode, r.adds, r.replaces, r.deletes + r.removed,
	       r.removed ? " (after a full sync)" : "", (long long)n,
	       (unsigned long)r.bytes_in, r.messages);
	if (r.refused_total == 0)
		return 0;
	printf("%ld item%s refused:", r.refused_total,
	       r.refused_total == 1 ? "" : "s");
	const char *sep = " ";
	for (int i = 0; i < AGENT_REFUSED_N; i++) {
		if (r.refused[i].count == 0)
			continue;
		printf("%s%ld %s", sep, r.refused[i].count, reason[i]);
		if (i == AGENT_REFUSED_TOO_LARGE)
			printf(" of %u bytes", AGENT_MAX_ITEM);
		printf(" (%s%s)", r.refused[i].count > 1 ? "first: " : "",
		       r.refused[i].first);
		sep = ", ";
	}
	printf("; the server was told, and the next sync asks for them "
	       "again\n");
	return EX_REFUSED;
}

struct out {
	bool json;
	int n;
};

static int print_person(const struct agent_person *p, void *ctx)
{
	struct out *o = ctx;
	if (o->json) {
		printf("%s{\"id\":%lld,\"uid\":", o->n ? "," : "[",
		       (long long)p->luid);
		ob_json_fput(stdout, p->guid);
		printf(",\"name\":");
		ob_json_fput(stdout, p->name);
		printf(",\"title\":");
		ob_json_fput(stdout, p->title);
		printf(",\"unit\":");
		ob_json_fput(stdout, p->unit);
		printf(",\"phones\":");
		ob_json_fput(stdout, p->phones);
		printf(",\"emails\":");
		ob_json_fput(stdout, p->emails);
		printf("}");
	} else {
		/* columns by display width: a CJK name takes two a
		 * character */
		printf("%-6lld ", (long long)p->luid);
		ob_fput_cell(stdout, p->name, 20);
		putchar(' ');
		ob_fput_cell(stdout, p->title, 24);
		putchar(' ');
		ob_fput_cell(stdout, p->unit, 30);
		printf(" %s\n", p->phones);
	}
	o->n++;
	return 0;
}

static int end_list(struct out *o, int ret, struct ob_err *err)
{
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: %s\n", err->msg);
		return exit_of(ret);
	}
	if (o->json)
		printf("%s\n", o->n ? "]" : "[]");
	return o->n > 0 ? 0 : EX_NOTFOUND;
}

static int cmd_search_as(const struct args *a, bool number)
{
	struct out o = {0};
	struct agent_store *s;
	struct ob_err err;
	const char *q = a->pos[0];
	const char *l = arg(a, "limit");
	uint64_t limit = 20;
	int ret;

	o.json = flag(a, "json");
	if (l != NULL &&
	    (ob_parse_u64(l, strlen(l), 100000, &limit) != 0 || limit == 0))
		return bad_usage("search: --limit: expected a number from 1 "
				 "to 100000, not '%s'",
				 l);
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = number ? agent_store_lookup_number(s, q, print_person, &o, &err)
		     : agent_store_search(s, q, (int)limit, print_person, &o,
					  &err);
	agent_store_close(&s);
	return end_list(&o, ret, &err);
}

static int cmd_search(const struct args *a)
{
	return cmd_search_as(a, false);
}

static int cmd_lookup(const struct args *a)
{
	return cmd_search_as(a, true);
}

static int print_unit(const char *name, int64_t count, void *ctx)
{
	struct out *o = ctx;
	if (o->json) {
		printf("%s{\"unit\":", o->n ? "," : "[");
		ob_json_fput(stdout, name);
		printf(",\"people\":%lld}", (long long)count);
	} else {
		printf("%s/  (%lld)\n", name, (long long)count);
	}
	o->n++;
	return 0;
}

static int cmd_units(const struct args *a)
{
	struct out o = {.json = flag(a, "json")};
	struct agent_store *s;
	struct ob_err err;
	const char *path = a->npos > 0 ? a->pos[0] : "";
	int ret;

	while (*path == '/')
		path++;
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = agent_store_units(s, path, print_unit, print_person, &o, &err);
	agent_store_close(&s);
	return end_list(&o, ret, &err);
}

static void json_member(const char *name, const char *v, bool first)
{
	printf("%s\"%s\":", first ? "" : ",", name);
	ob_json_fput(stdout, v);
}

static void json_list(const char *name, const char *const *v, size_t n)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		ob_json_fput(stdout, v[i]);
	}
	putchar(']');
}

/* show --json: the card's fields and the card itself. */
static int show_json(const char *id, const char *card)
{
	static const char *const ptype[] = {"work", "cell", "home", "fax",
					    "other"};
	struct vcard_limits lim = vcard_limits_default();
	struct vcard *vc = NULL;
	struct vcard_contact c;
	struct vcard_error verr;

	if (vcard_parse(card, strlen(card), &lim, &vc, &verr) != 0 ||
	    vcard_contact_from_card(vc, &c, &verr) != 0) {
		vcard_free(&vc);
		fprintf(stderr,
			"orgbook-agent: show: the stored card of %s "
			"does not parse\n",
			id);
		return EX_STORE;
	}
	json_member("id", id, true);
	json_member("uid", c.uid, false);
	json_member("name", c.display, false);
	json_member("family", c.family, false);
	json_member("given", c.given, false);
	json_member("title", c.title, false);
	json_list("org", c.org, c.n_org);
	printf(",\"phones\":[");
	for (size_t i = 0; i < c.n_phones; i++) {
		printf("%s{\"type\":\"%s\",\"number\":", i ? "," : "",
		       ptype[c.phones[i].type <= VCARD_PHONE_OTHER
				     ? c.phones[i].type
				     : VCARD_PHONE_OTHER]);
		ob_json_fput(stdout, c.phones[i].number);
		putchar('}');
	}
	putchar(']');
	json_list("emails", c.emails, c.n_emails);
	json_member("note", c.note, false);
	json_member("vcard", card, false);
	printf("}\n");
	vcard_free(&vc);
	return 0;
}

static int cmd_show(const struct args *a)
{
	struct agent_store *s;
	struct ob_err err;
	char *card = NULL;
	int ret;

	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = agent_store_card(s, a->pos[0], &card, &err);
	agent_store_close(&s);
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: %s\n", err.msg);
		return exit_of(ret);
	}
	if (flag(a, "json")) {
		putchar('{');
		ret = show_json(a->pos[0], card);
	} else {
		fputs(card, stdout);
	}
	free(card);
	return ret;
}

struct exp {
	enum vcard_version v;
	struct dcard_buf buf;
	int bad;
};

static int export_card(const char *card, void *ctx)
{
	struct exp *x = ctx;
	struct vcard_limits lim = vcard_limits_default();
	struct vcard *vc = NULL;
	struct vcard_contact c;
	struct dcard_render_opts o = {.version = x->v, .photo = true};
	struct vcard_error verr;
	struct ob_err err;
	size_t len;

	if (vcard_parse(card, strlen(card), &lim, &vc, &verr) != 0 ||
	    vcard_contact_from_card(vc, &c, &verr) != 0) {
		vcard_free(&vc);
		x->bad++;
		return 0;
	}
	if (dcard_render(&c, &o, &x->buf, &len, &err) == 0)
		fwrite(x->buf.data, 1, len, stdout);
	else
		x->bad++;
	vcard_free(&vc);
	return 0;
}

static int cmd_export(const struct args *a)
{
	struct exp x = {.v = VCARD_V30};
	struct agent_store *s;
	struct ob_err err;
	const char *unit = arg(a, "unit");
	const char *f = arg(a, "format");
	int ret;

	if (f != NULL && strcmp(f, "vcf21") == 0)
		x.v = VCARD_V21;
	else if (f != NULL && strcmp(f, "vcf30") != 0)
		return bad_usage("export: --format: expected vcf21 or vcf30, "
				 "not '%s'",
				 f);
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = agent_store_cards(s, unit, export_card, &x, &err);
	agent_store_close(&s);
	free(x.buf.data);
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: %s\n", err.msg);
		return exit_of(ret);
	}
	return x.bad ? EX_INPUT : 0;
}

static int cmd_status(const struct args *a)
{
	struct conf c;
	struct agent_store *s;
	struct ob_err err;
	char last_sync[64], server_last[64];
	int64_t n = 0;
	int ret;

	if ((ret = conf_load(&c)) != 0)
		return ret;
	explicit_bzero(c.password, sizeof(c.password));
	if ((ret = open_store(&s)) != 0)
		return ret;
	if ((ret = agent_store_get(s, "last_sync", last_sync, sizeof(last_sync),
				   &err)) != 0 ||
	    (ret = agent_store_get(s, "server_last", server_last,
				   sizeof(server_last), &err)) != 0 ||
	    (ret = agent_store_count(s, &n, &err)) != 0) {
		agent_store_close(&s);
		fprintf(stderr, "orgbook-agent: status: %s\n", err.msg);
		return exit_of(ret);
	}
	agent_store_close(&s);
	if (flag(a, "json"))
		putchar('{');
	if (*last_sync) {
		time_t t = (time_t)strtoll(last_sync, NULL, 10);
		struct tm tm;
		strftime(last_sync, sizeof(last_sync), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
	}
	if (flag(a, "json")) {
		char ds[600];
		snprintf(ds, sizeof(ds), "contacts%s%s", *c.unit ? "/" : "",
			 c.unit);
		json_member("server", c.server, true);
		json_member("user", c.user, false);
		json_member("datastore", ds, false);
		json_member("device", c.device, false);
		json_member("last_sync", *last_sync ? last_sync : NULL, false);
		json_member("revision", server_last, false);
		printf(",\"people\":%lld}\n", (long long)n);
		return 0;
	}
	printf("server:     %s\nuser:       %s\ndatastore:  contacts%s%s\n"
	       "device:     %s\nlast sync:  %s\nrevision:   %s\n"
	       "people:     %lld\n",
	       c.server, c.user, *c.unit ? "/" : "", c.unit, c.device,
	       *last_sync ? last_sync : "never", server_last, (long long)n);
	return 0;
}

static const struct command commands[] = {
	{"init", init_opts, "--server URL --user NAME [OPTION]...", 0, 0,
	 cmd_init},
	{"sync", sync_opts, "[--slow | --refresh] [--json]", 0, 0, cmd_sync},
	{"search", search_opts, "QUERY [--limit N] [--json]", 1, 1, cmd_search},
	{"lookup-number", json_opts, "NUMBER [--json]", 1, 1, cmd_lookup},
	{"units", json_opts, "[PATH] [--json]", 0, 1, cmd_units},
	{"show", json_opts, "ID [--json]", 1, 1, cmd_show},
	{"export", export_opts, "[--format vcf21|vcf30] [--unit PATH]", 0, 0,
	 cmd_export},
	{"status", json_opts, "[--json]", 0, 0, cmd_status},
};
static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

/* --list-options: the commands, or one command's options, one a line
 * ("--name=" when it takes a value), for the bash completion. */
static void list_options(const struct command *c)
{
	const struct option *t = c ? c->options : NULL;

	if (c == NULL) {
		for (size_t i = 0; i < n_commands; i++)
			printf("%s\n", commands[i].name);
	}
	for (int part = 0; part < 2; part++) {
		for (const struct option *o = part ? global_opts : t;
		     o && o->name; o++) {
			if (strcmp(o->name, "list-options") != 0)
				printf("--%s%s\n", o->name,
				       o->has_arg == required_argument ? "="
								       : "");
		}
	}
}

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < n_commands; i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

/* The data directory: --dir, $ORGBOOK_AGENT_DIR, $XDG_DATA_HOME/orgbook,
 * ~/.local/share/orgbook. */
static int dir_set(const char *d)
{
	if (d == NULL)
		d = getenv("ORGBOOK_AGENT_DIR");
	if (d != NULL)
		ob_strlcpy(dir, d, sizeof(dir));
	else if (getenv("XDG_DATA_HOME") != NULL)
		snprintf(dir, sizeof(dir), "%s/orgbook",
			 getenv("XDG_DATA_HOME"));
	else if (getenv("HOME") != NULL)
		snprintf(dir, sizeof(dir), "%s/.local/share/orgbook",
			 getenv("HOME"));
	else
		return bad_usage("%s", "no --dir, $ORGBOOK_AGENT_DIR or $HOME");
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;
	const struct command *cmd = NULL;
	int at = 0, ret;

	/* the global options before the command */
	for (int i = 1; i < argc && at == 0; i++) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0)
			at = i + 1 < argc ? i + 1 : -1;
		else if (w[0] != '-' || w[1] == '\0')
			at = i;
		else if (strcmp(w, "--dir") == 0)
			i++;
	}
	if (at > 0) {
		cmd = command_find(argv[at]);
		if (cmd == NULL && strcmp(argv[at], "help") != 0)
			return bad_usage("unknown command '%s'", argv[at]);
		/* the command word first, the options before it after it */
		char *word = argv[at];
		memmove(argv + 2, argv + 1, (size_t)(at - 1) * sizeof(*argv));
		argv[1] = word;
		ret = parse(word, cmd ? cmd->options : NULL, argc - 1, argv + 1,
			    &a);
	} else {
		ret = parse(NULL, NULL, argc, argv, &a);
	}
	if (ret != 0)
		return ret;
	if (flag(&a, "list-options")) {
		list_options(cmd);
		return 0;
	}
	if (flag(&a, "help") || (at > 0 && cmd == NULL)) {
		if (cmd != NULL)
			printf("usage: orgbook-agent [--dir DIR] [--quiet] "
			       "%s %s\n(all commands: orgbook-agent --help; "
			       "orgbook-agent(1))\n",
			       cmd->name, cmd->synopsis);
		else
			usage(stdout);
		return 0;
	}
	if (flag(&a, "version")) {
		printf("orgbook-agent %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (cmd == NULL)
		return bad_usage("%s", "no command given");
	if (a.npos < cmd->min_pos)
		return bad_usage(cmd->min_pos == 1 && cmd->max_pos == 1
					 ? "%s needs one argument"
					 : "%s needs an argument",
				 cmd->name);
	if (a.npos > cmd->max_pos) {
		char what[160];
		snprintf(what, sizeof(what), "%s: unexpected argument '%.64s'",
			 cmd->name, a.pos[cmd->max_pos]);
		return bad_usage("%s", what);
	}
	opt_quiet = flag(&a, "quiet");
	if ((ret = dir_set(arg(&a, "dir"))) != 0)
		return ret;
	/* Whatever the caller's umask: the data directory 0700, agent.conf,
	 * directory.db and its -wal and -shm 0600 (they hold the password
	 * and the directory). */
	umask(077);
	sml_xml_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = cmd->run(&a);
	curl_global_cleanup();
	return ret;
}
