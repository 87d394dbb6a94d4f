/* orgbook-server: serves the enterprise directory over SyncML DS 1.1/1.2
 * (HTTP or HTTPS; the engine is syncml-server/), with the web admin,
 * /healthz and /metrics on the admin listener.
 * Reads its config file, lets flags override it, opens the store, starts
 * the listeners and, on SIGTERM or SIGINT, lets requests in flight finish
 * before exiting. Nothing of a session is kept in this process. */
#include "config.h"

#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "server/housekeep.h"
#include "server/httpd.h"
#include "server/ldapd.h"
#include "syncml-server/server.h"
#include "syncml/xml.h"
#include "util/file.h"
#include "util/str.h"

static struct srv the_srv;
static pthread_key_t store_key;
static pthread_once_t store_once = PTHREAD_ONCE_INIT;

/* Every message allocates buffers of a few hundred kilobytes (the request,
 * the reply, its WBXML form). Above glibc's default 128 KB each was a
 * fresh mmap, and each free handed the pages back, so the next message
 * faulted them in again: half of a slow sync's system time. Such
 * buffers now come from the heap, which keeps up to 16 MB free. */
static void tune_malloc(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

/* Each connection is a descriptor, and a listener holds up to
 * max-connections of them (plus the database, the logs, the export
 * pipes): the usual soft limit of 1,024 is reached before the connection
 * limit, and libmicrohttpd then stops accepting. Raise the soft limit to
 * the hard one and say so when even that is too small. */
static void raise_fd_limit(const struct srv_config *c)
{
	struct rlimit rl;
	rlim_t need =
		(rlim_t)c->conn_limit * (c->admin_port >= 0 ? 2 : 1) +
		(c->ldap ? (rlim_t)c->ldap_conn_limit + c->ldap_stores : 0) +
		64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		ob_log(OB_LOG_WARN, NULL,
		       "open files limited to %llu, fewer than "
		       "max-connections needs (%llu): raise LimitNOFILE",
		       (unsigned long long)rl.rlim_cur,
		       (unsigned long long)need);
}

static void close_store(void *p)
{
	struct dstore *s = p;
	dstore_close(&s);
}

static void make_key(void)
{
	(void)pthread_key_create(&store_key, close_store);
}

/* 1 while the database is unreachable: the outage is logged when it
 * starts and when it ends, not once per request. */
static int db_down;

struct dstore *srv_store(struct srv *srv)
{
	struct dstore *s;
	struct dstore_options o = {0};
	struct ob_err err;

	(void)pthread_once(&store_once, make_key);
	s = pthread_getspecific(store_key);
	if (s != NULL && dstore_alive(s))
		return s;
	if (s != NULL) {
		/* the server restarted or failed over: a new connection */
		ob_log(OB_LOG_WARN, NULL,
		       "database connection lost; "
		       "reconnecting");
		(void)pthread_setspecific(store_key, NULL);
		dstore_close(&s);
	}
	o.path = srv->cfg.db;
	if (srv->cfg.key_file[0] != '\0')
		o.key_path = srv->cfg.key_file;
	if (dstore_open(&o, &s, &err) != 0) {
		if (!__atomic_exchange_n(&db_down, 1, __ATOMIC_RELAXED))
			ob_log(OB_LOG_ERROR, NULL, "cannot open %s: %s",
			       srv->cfg.db, err.msg);
		return NULL;
	}
	if (__atomic_exchange_n(&db_down, 0, __ATOMIC_RELAXED))
		ob_log(OB_LOG_INFO, NULL, "database reachable again");
	if (dstore_open_notice(s)[0] != '\0')
		ob_log(OB_LOG_WARN, NULL, "%s", dstore_open_notice(s));
	(void)pthread_setspecific(store_key, s);
	return s;
}

void srv_store_release(void)
{
	(void)pthread_once(&store_once, make_key);
	struct dstore *s = pthread_getspecific(store_key);
	if (s != NULL) {
		(void)pthread_setspecific(store_key, NULL);
		dstore_close(&s);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: orgbook-server [--config FILE] [--KEY=VALUE | --KEY "
		   "VALUE]...\n"
		   "  --db PATH               SQLite database (created if "
		   "missing)\n"
		   "  --listen ADDR --port N  sync listener (POST /sync)\n"
		   "  --admin-listen ADDR --admin-port N|off   /healthz, "
		   "/metrics\n"
		   "  --cert FILE --key FILE  serve HTTPS\n"
		   "  --port-file FILE        write the bound ports there\n"
		   "  --help, --version\n"
		   "  every setting of the config file is also a flag; see "
		   "orgbook-server(8)\n");
}

static int bad_flag(const char *what, const char *name, int len)
{
	fprintf(stderr,
		"orgbook-server: %s --%.*s\n"
		"Try 'orgbook-server --help' for more information.\n",
		what, len, name);
	return 1;
}

/* Keys that are flags: --debug-sync alone is --debug-sync=yes. */
static bool bare_flag(const char *key)
{
	return strcmp(key, "debug-sync") == 0 || strcmp(key, "tls-legacy") == 0;
}

#define OPT_HELP 0x100
#define OPT_VERSION 0x101
#define OPT_CONFIG 0x102
#define OPT_LIST 0x103
#define OPT_KEY 0x200 /* + the index in srv_config_keys */

/* --list-options (for the bash completion): one option a line, "=" after
 * those that take a value. */
static void list_options(void)
{
	printf("--help\n--version\n--config=\n");
	for (size_t i = 0; srv_config_keys[i] != NULL; i++)
		printf("--%s%s\n", srv_config_keys[i],
		       bare_flag(srv_config_keys[i]) ? "" : "=");
}

static int set_key(struct srv_config *cfg, const char *key, const char *val)
{
	struct ob_err err;

	if (srv_config_set(cfg, key, val, &err) != 0) {
		fprintf(stderr, "orgbook-server: --%s\n", err.msg);
		return 1;
	}
	return 0;
}

/* The configuration: defaults, the config file (--config FILE), then
 * every --KEY=VALUE or --KEY VALUE over it, parsed by getopt_long from
 * srv_config_keys (unambiguous prefixes too). -1 to go on, else the exit
 * status (0 after --help or --version, 1 for a bad flag, 2 for a bad
 * config file). */
static int parse_args(struct srv_config *cfg, int argc, char **argv)
{
	static struct option t[160];
	size_t n = 0;
	struct ob_err err;
	const char *config = NULL;
	int c;

	t[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	t[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	t[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	t[n++] = (struct option){"list-options", no_argument, NULL, OPT_LIST};
	for (size_t i = 0; srv_config_keys[i] != NULL && n + 1 < 160; i++)
		t[n++] = (struct option){srv_config_keys[i],
					 bare_flag(srv_config_keys[i])
						 ? optional_argument
						 : required_argument,
					 NULL, OPT_KEY + (int)i};
	memset(&t[n], 0, sizeof(t[n]));
	srv_config_defaults(cfg);
	/* two passes: the config file first, then the flags over it */
	for (int pass = 0; pass < 2; pass++) {
		optind = 0;
		opterr = 0;
		while ((c = getopt_long(argc, argv, "-:h", t, NULL)) != -1) {
			const char *w = argv[optind - 1];
			if (c == 'h' || c == OPT_HELP) {
				usage(stdout);
				return 0;
			}
			if (c == OPT_VERSION) {
				printf("orgbook-server %s\n", PACKAGE_VERSION);
				return 0;
			}
			if (c == OPT_LIST) {
				list_options();
				return 0;
			}
			if (c == 1) {
				fprintf(stderr,
					"orgbook-server: unexpected argument "
					"'%.64s'\nTry 'orgbook-server --help' "
					"for more information.\n",
					optarg);
				return 1;
			}
			if (c == ':')
				return bad_flag("a value is needed for", w + 2,
						(int)strcspn(w + 2, "="));
			if (c == '?') {
				if (strncmp(w, "--", 2) != 0)
					return bad_flag("unknown option", w + 1,
							1);
				/* ambiguous, or a key srv_config_keys
				 * lacks: srv_config_set decides */
				char key[64];
				size_t kl = strcspn(w + 2, "=");
				const char *val =
					w[2 + kl] == '=' ? w + 3 + kl : NULL;
				struct srv_config probe;
				if (kl >= sizeof(key))
					return bad_flag("unknown option", w + 2,
							64);
				memcpy(key, w + 2, kl);
				key[kl] = '\0';
				srv_config_defaults(&probe);
				if (srv_config_set(&probe, key, val ? val : "x",
						   &err) != 0 &&
				    strncmp(err.msg, "unknown setting", 15) ==
					    0) {
					int m = 0;
					for (size_t k = 0; t[k].name; k++)
						m += strncmp(t[k].name, key,
							     kl) == 0;
					return bad_flag(
						m > 1 ? "ambiguous "
							"option"
						      : "unknown option",
						key, (int)kl);
				}
				if (val == NULL && optind < argc)
					val = argv[optind++];
				if (val == NULL)
					return bad_flag("a value is needed for",
							key, (int)kl);
				if (pass == 1 && set_key(cfg, key, val) != 0)
					return 1;
				continue;
			}
			if (c == OPT_CONFIG) {
				if (pass == 0)
					config = optarg;
				continue;
			}
			if (pass == 0)
				continue;
			const char *key = srv_config_keys[c - OPT_KEY];
			if (set_key(cfg, key, optarg ? optarg : "yes") != 0)
				return 1;
		}
		if (pass == 0 && config != NULL &&
		    srv_config_load(cfg, config, &err) != 0) {
			fprintf(stderr, "orgbook-server: %s\n", err.msg);
			return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct srv *srv = &the_srv;
	struct srv_httpd *h = NULL;
	struct ob_err err;
	sigset_t set;
	int port = 0, admin_port = -1, sig = 0;

	tune_malloc();
	int rc = parse_args(&srv->cfg, argc, argv);
	if (rc >= 0)
		return rc;
	if ((*srv->cfg.cert != '\0') != (*srv->cfg.key != '\0')) {
		fprintf(stderr, "orgbook-server: give both cert and key\n");
		return 1;
	}
	raise_fd_limit(&srv->cfg);
	sml_xml_init();
	/* Signals are taken by sigwait in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (srv_store(srv) == NULL)
		return 5;
	if (srv_httpd_start(srv, &h, &port, &admin_port, &err) != 0) {
		fprintf(stderr, "orgbook-server: %s\n", err.msg);
		srv_store_release();
		return 5;
	}
	struct srv_ldapd *ld = NULL;
	int ldap_port = -1, ldaps_port = -1;
	if (srv_ldapd_start(srv, &ld, &ldap_port, &ldaps_port, &err) != 0) {
		fprintf(stderr, "orgbook-server: %s\n", err.msg);
		srv_httpd_stop(&h, 0);
		srv_store_release();
		return 5;
	}
	struct srv_housekeep *hk = srv_housekeep_start(srv);
	ob_log(OB_LOG_INFO, NULL,
	       "orgbook-server %s listening on %s:%d (%s), admin %s:%d, "
	       "database %s",
	       PACKAGE_VERSION, srv->cfg.listen, port,
	       *srv->cfg.cert ? "https" : "http", srv->cfg.admin_listen,
	       admin_port, srv->cfg.db);
	if (ld != NULL)
		ob_log(OB_LOG_INFO, NULL, "LDAP on %s:%d%s, LDAPS %d",
		       srv->cfg.ldap_listen, ldap_port,
		       *srv->cfg.cert ? " (StartTLS)" : "", ldaps_port);
	if (*srv->cfg.port_file != '\0') {
		char buf[64];
		/* "port admin_port": the LDAP ports follow when LDAP is on */
		if (ld != NULL)
			snprintf(buf, sizeof(buf), "%d %d %d %d\n", port,
				 admin_port, ldap_port, ldaps_port);
		else
			snprintf(buf, sizeof(buf), "%d %d\n", port, admin_port);
		if (ob_file_write_atomic(srv->cfg.port_file, buf, strlen(buf),
					 0600, &err) != 0)
			ob_log(OB_LOG_ERROR, NULL, "port file: %s", err.msg);
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* logs go to stderr: nothing to reopen */
		break;
	}
	ob_log(OB_LOG_INFO, NULL, "signal %d: finishing requests in flight",
	       sig);
	srv_housekeep_stop(&hk);
	/* HTTP first: its /metrics reads the LDAP listener's counters */
	srv_httpd_stop(&h, 30);
	srv_ldapd_stop(&ld, 30);
	srv_store_release();
	ob_log(OB_LOG_INFO, NULL, "stopped");
	return 0;
}
