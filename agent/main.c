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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: orgbook-agent [--dir DIR] COMMAND\n"
		"  init --server URL --user NAME [--password-stdin] [--wbxml]"
		" [--md5]\n"
		"       [--unit PATH] [--ca-file FILE] [--pin sha256//...]"
		" [--syncml 1.1]\n"
		"       [--max-msg BYTES] [--device ID]\n"
		"  sync [--slow | --refresh]\n"
		"  search QUERY [--limit N] [--json]\n"
		"  lookup-number NUMBER [--json]\n"
		"  units [PATH] [--json]\n"
		"  show ID\n"
		"  export [--format vcf21|vcf30] [--unit PATH]\n"
		"  status\n"
		"exit status: 0 ok, 1 usage, 2 bad input (also an\n"
		"  agent.conf others can read), 3 not found, 4 login\n"
		"  refused, 5 network or server error (also a RespURI to\n"
		"  another scheme, host or port), 6 local store error,\n"
		"  7 sync finished with refused items (the summary counts\n"
		"  them by reason)\n");
}

static void die_usage(void)
{
	usage(stderr);
	exit(EX_USAGE);
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

static int cmd_init(int argc, char **argv)
{
	struct conf c;
	bool pw_stdin = false;

	memset(&c, 0, sizeof(c));
	c.version = 12;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--password-stdin") == 0)
			pw_stdin = true;
		else if (strcmp(a, "--wbxml") == 0)
			c.wbxml = true;
		else if (strcmp(a, "--md5") == 0)
			c.md5 = true;
		else if (v == NULL)
			die_usage();
		else if (strcmp(a, "--server") == 0)
			conf_set(&c, "server", argv[++i]);
		else if (strcmp(a, "--user") == 0)
			conf_set(&c, "user", argv[++i]);
		else if (strcmp(a, "--unit") == 0)
			conf_set(&c, "unit", argv[++i]);
		else if (strcmp(a, "--ca-file") == 0)
			conf_set(&c, "ca-file", argv[++i]);
		else if (strcmp(a, "--pin") == 0)
			conf_set(&c, "pin", argv[++i]);
		else if (strcmp(a, "--syncml") == 0)
			conf_set(&c, "syncml", argv[++i]);
		else if (strcmp(a, "--max-msg") == 0)
			conf_set(&c, "max-msg", argv[++i]);
		else if (strcmp(a, "--device") == 0)
			conf_set(&c, "device", argv[++i]);
		else
			die_usage();
	}
	if (*c.server == '\0' || *c.user == '\0')
		die_usage();
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

struct progress {
	bool tty;
	uint64_t start;
};

static void on_progress(long done, long total, void *ctx)
{
	struct progress *p = ctx;
	if (!p->tty)
		return;
	double secs = (double)(ob_now_ms() - p->start) / 1000.0;
	double rate = secs > 0 ? (double)done / secs : 0;
	if (total > 0)
		fprintf(stderr, "\rsyncing: %ld of %ld (%.0f/s)   ", done,
			total, rate);
	else
		fprintf(stderr, "\rsyncing: %ld (%.0f/s)   ", done, rate);
}

static int cmd_sync(int argc, char **argv)
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
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--slow") == 0)
			o.mode = AGENT_SYNC_SLOW;
		else if (strcmp(argv[i], "--refresh") == 0)
			o.mode = AGENT_SYNC_REFRESH;
		else
			die_usage();
	}
	if ((ret = open_store(&s)) != 0)
		return ret;
	snprintf(ds, sizeof(ds), "contacts%s%s", *c.unit ? "/" : "", c.unit);
	struct progress pr = {.tty = isatty(STDERR_FILENO),
			      .start = ob_now_ms()};
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
	if (pr.tty)
		fprintf(stderr, "\r%60s\r", "");
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: sync failed: %s\n", err.msg);
		agent_store_close(&s);
		return exit_of(ret);
	}
	int64_t n = 0;
	agent_store_count(s, &n, &err);
	agent_store_close(&s);
	printf("%s sync: %ld added, %ld updated, %ld deleted%s; %lld people "
	       "(%lu bytes in %ld messages)\n",
	       r.alert == 201   ? "slow"
	       : r.alert == 205 ? "refresh"
				: "two-way",
	       r.adds, r.replaces, r.deletes + r.removed,
	       r.removed ? " (after a full sync)" : "", (long long)n,
	       (unsigned long)r.bytes_in, r.messages);
	if (r.refused_total == 0)
		return 0;
	static const char *const reason[AGENT_REFUSED_N] = {
		[AGENT_REFUSED_MALFORMED] = "malformed vCard",
		[AGENT_REFUSED_TOO_LARGE] = "over the size cap",
		[AGENT_REFUSED_LIMIT] = "over a vCard limit",
		[AGENT_REFUSED_NO_ID] = "without a usable id",
	};
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

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
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
		json_str(p->guid);
		printf(",\"name\":");
		json_str(p->name);
		printf(",\"title\":");
		json_str(p->title);
		printf(",\"unit\":");
		json_str(p->unit);
		printf(",\"phones\":");
		json_str(p->phones);
		printf(",\"emails\":");
		json_str(p->emails);
		printf("}");
	} else {
		printf("%-6lld %-20s %-24s %-30s %s\n", (long long)p->luid,
		       p->name, p->title, p->unit, p->phones);
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

static int cmd_search(int argc, char **argv, bool number)
{
	struct out o = {0};
	struct agent_store *s;
	struct ob_err err;
	const char *q = NULL;
	int limit = 20, ret;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = atoi(argv[++i]);
		else if (q == NULL)
			q = argv[i];
		else
			die_usage();
	}
	if (q == NULL)
		die_usage();
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = number ? agent_store_lookup_number(s, q, print_person, &o, &err)
		     : agent_store_search(s, q, limit, print_person, &o, &err);
	agent_store_close(&s);
	return end_list(&o, ret, &err);
}

static int print_unit(const char *name, int64_t count, void *ctx)
{
	struct out *o = ctx;
	if (o->json) {
		printf("%s{\"unit\":", o->n ? "," : "[");
		json_str(name);
		printf(",\"people\":%lld}", (long long)count);
	} else {
		printf("%s/  (%lld)\n", name, (long long)count);
	}
	o->n++;
	return 0;
}

static int cmd_units(int argc, char **argv)
{
	struct out o = {0};
	struct agent_store *s;
	struct ob_err err;
	const char *path = "";
	int ret;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
		else
			path = argv[i];
	}
	while (*path == '/')
		path++;
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = agent_store_units(s, path, print_unit, print_person, &o, &err);
	agent_store_close(&s);
	return end_list(&o, ret, &err);
}

static int cmd_show(int argc, char **argv)
{
	struct agent_store *s;
	struct ob_err err;
	char *card = NULL;
	int ret;

	if (argc != 1)
		die_usage();
	if ((ret = open_store(&s)) != 0)
		return ret;
	ret = agent_store_card(s, argv[0], &card, &err);
	agent_store_close(&s);
	if (ret != 0) {
		fprintf(stderr, "orgbook-agent: %s\n", err.msg);
		return exit_of(ret);
	}
	fputs(card, stdout);
	free(card);
	return 0;
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

static int cmd_export(int argc, char **argv)
{
	struct exp x = {.v = VCARD_V30};
	struct agent_store *s;
	struct ob_err err;
	const char *unit = NULL;
	int ret;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			const char *f = argv[++i];
			if (strcmp(f, "vcf21") == 0)
				x.v = VCARD_V21;
			else if (strcmp(f, "vcf30") != 0)
				die_usage();
		} else if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc) {
			unit = argv[++i];
		} else {
			die_usage();
		}
	}
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

static int cmd_status(void)
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
	if (*last_sync) {
		time_t t = (time_t)strtoll(last_sync, NULL, 10);
		struct tm tm;
		strftime(last_sync, sizeof(last_sync), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
	}
	printf("server:     %s\nuser:       %s\ndatastore:  contacts%s%s\n"
	       "device:     %s\nlast sync:  %s\nrevision:   %s\n"
	       "people:     %lld\n",
	       c.server, c.user, *c.unit ? "/" : "", c.unit, c.device,
	       *last_sync ? last_sync : "never", server_last, (long long)n);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *d = getenv("ORGBOOK_AGENT_DIR");

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--dir") == 0) {
		d = argv[2];
		i = 3;
	}
	if (d != NULL) {
		ob_strlcpy(dir, d, sizeof(dir));
	} else if (getenv("XDG_DATA_HOME") != NULL) {
		snprintf(dir, sizeof(dir), "%s/orgbook",
			 getenv("XDG_DATA_HOME"));
	} else if (getenv("HOME") != NULL) {
		snprintf(dir, sizeof(dir), "%s/.local/share/orgbook",
			 getenv("HOME"));
	} else {
		die_usage();
	}
	if (i >= argc)
		die_usage();
	const char *cmd = argv[i];
	int rest = argc - i - 1;
	char **args = argv + i + 1;
	/* Whatever the caller's umask: the data directory 0700, agent.conf,
	 * directory.db and its -wal and -shm 0600 (they hold the password
	 * and the directory). */
	umask(077);
	sml_xml_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int ret;
	if (strcmp(cmd, "init") == 0)
		ret = cmd_init(rest, args);
	else if (strcmp(cmd, "sync") == 0)
		ret = cmd_sync(rest, args);
	else if (strcmp(cmd, "search") == 0)
		ret = cmd_search(rest, args, false);
	else if (strcmp(cmd, "lookup-number") == 0)
		ret = cmd_search(rest, args, true);
	else if (strcmp(cmd, "units") == 0)
		ret = cmd_units(rest, args);
	else if (strcmp(cmd, "show") == 0)
		ret = cmd_show(rest, args);
	else if (strcmp(cmd, "export") == 0)
		ret = cmd_export(rest, args);
	else if (strcmp(cmd, "status") == 0)
		ret = cmd_status();
	else
		die_usage();
	curl_global_cleanup();
	return ret;
}
