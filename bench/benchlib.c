/* Shared helpers of the sync benchmarks (see benchlib.h). */
#include "config.h"
#include "bench/benchlib.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/str.h"
#include "import/import.h"

char bench_url[256];
char bench_key[512];
pid_t bench_server_pid;

/* ---- the store: SQLite file or PostgreSQL database -------------------- */

/* uri with its database (the path after the authority) replaced by name */
static void uri_with_db(char *out, size_t size, const char *uri,
			const char *name)
{
	const char *auth = strstr(uri, "://");
	const char *path = auth ? strchr(auth + 3, '/') : NULL;
	const char *rest = path ? path + 1 + strcspn(path + 1, "?") : "";

	if (path == NULL) {
		fprintf(stderr, "OB_BENCH_PG: no database in %s\n", uri);
		exit(1);
	}
	snprintf(out, size, "%.*s/%s%s", (int)(path - uri), uri, name, rest);
}

void bench_db(char *db, size_t size, const char *dir, const char *name)
{
	const char *pg = getenv("OB_BENCH_PG");
	char cmd[2048];

	snprintf(bench_key, sizeof(bench_key), "%s/bench.key", dir);
	if (pg == NULL || pg[0] == '\0') {
		snprintf(db, size, "%s/%s.db", dir, name);
		return;
	}
	/* name is ours: letters, digits and '-', quoted for SQL */
	snprintf(cmd, sizeof(cmd),
		 "psql -X -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = "
		 "warning' '%s' -c 'DROP DATABASE IF "
		 "EXISTS \"%s\"' -c 'CREATE DATABASE \"%s\"' >/dev/null",
		 pg, name, name);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot create database %s on %s\n", name, pg);
		exit(1);
	}
	uri_with_db(db, size, pg, name);
}

/* ---- directory -------------------------------------------------------- */

static void make_csv(struct ob_buf *b, int n)
{
	static const char *const fam[] = {"王", "李", "张",     "刘",
					  "陈", "杨", "Müller", "Smith"};
	static const char *const giv[] = {"伟", "芳", "娜",   "敏",
					  "静", "丽", "Anna", "Ben"};
	ob_buf_add_str(b, "uid,family_name,given_name,unit,title,phone_work,"
			  "phone_cell,email,city\r\n");
	for (int i = 0; i < n; i++) {
		unsigned r = (unsigned)i * 2654435761u;
		ob_buf_addf(b,
			    "p%07d,%s,%s,Division %u/Department %u/Team %u,"
			    "Engineer,+86 21 6%03u %04u,+86 138 %04u %04u,"
			    "user%d@bench.example.com,Shanghai\r\n",
			    i, fam[r % 8], giv[(r >> 8) % 8], r % 8,
			    (r >> 4) % 10, (r >> 12) % 12, (r >> 3) % 1000,
			    (r >> 7) % 10000, (r >> 9) % 10000,
			    (r >> 2) % 10000, i);
	}
}

struct dstore *bench_make_store(const char *path, int people, int64_t *t_r)
{
	struct dstore_options o = {
		.path = path, .key_path = bench_key, .sync_normal = true};
	struct dstore *s = NULL;
	struct ob_err err;
	struct ob_buf csv;
	struct imp_opts io = {.actor = "bench"};
	struct imp_report rep;
	int64_t acc;

	if (strstr(path, "://") == NULL)
		unlink(path);
	if (dstore_open(&o, &s, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		exit(1);
	}
	dstore_tenant_create(s, "bench", "Bench Corp", t_r, &err);
	dstore_account_create(s, *t_r, BENCH_USER, BENCH_PASSWORD,
			      DSTORE_ROLE_USER, &acc, &err);
	ob_buf_init(&csv, 1u << 30);
	make_csv(&csv, people);
	imp_report_init(&rep);
	if (imp_csv_import(s, *t_r, csv.data, csv.len, &io, &rep, &err) != 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		exit(1);
	}
	imp_report_deinit(&rep);
	ob_buf_deinit(&csv);
	return s;
}

void bench_change_ten(struct dstore *s, int64_t t, int people, int round)
{
	struct ob_err err;

	dstore_begin(s, t, "bench", &err);
	for (int i = 0; i < 10; i++) {
		struct dstore_person p;
		char uid[32];
		snprintf(uid, sizeof(uid), "p%07d",
			 (i * 7919 + round * 104729) % people);
		if (dstore_person_get(s, t, uid, true, &p, &err) != 0)
			continue;
		free(p.title);
		p.title = malloc(32);
		snprintf(p.title, 32, "Title %d.%d", round, i);
		dstore_person_put(s, t, &p, NULL, &err);
		dstore_person_deinit(&p);
	}
	dstore_commit(s, NULL, &err);
}

/* ---- the server process ---------------------------------------------- */

void bench_start_server(const char *db, const char *dir)
{
	char ports[512], line[64] = "";
	const char *bin = getenv("ORGBOOK_SERVER");

	snprintf(ports, sizeof(ports), "%s/ports", dir);
	unlink(ports);
	bench_server_pid = fork();
	if (bench_server_pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl(bin ? bin : "./server/orgbook-server", "orgbook-server",
		      "--db", db, "--key-file", bench_key, "--listen",
		      "127.0.0.1", "--port", "0", "--admin-port", "off",
		      "--port-file", ports, "--threads", "4",
		      "--max-connections-per-ip", "1000", "--log-level", "warn",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(ports, "r");
		if (f != NULL) {
			bool ok = fgets(line, sizeof(line), f) != NULL;
			fclose(f);
			if (ok)
				break;
		}
		usleep(20000);
	}
	snprintf(bench_url, sizeof(bench_url), "http://127.0.0.1:%d/sync",
		 atoi(line));
}

void bench_stop_server(void)
{
	kill(bench_server_pid, SIGTERM);
	waitpid(bench_server_pid, NULL, 0);
}

/* The server's CPU time in seconds, summed over its threads from
 * /proc/PID/task/TID/schedstat (nanoseconds; /proc/PID/stat counts 10 ms
 * ticks, too coarse for a fast sync). The worker threads live as long as
 * the server, so no thread's time is lost between two readings. */
double bench_server_cpu(void)
{
	char path[128], buf[128];
	double total = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)bench_server_pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			 (int)bench_server_pid, e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL)
			total += (double)strtoull(buf, NULL, 10) / 1e9;
		fclose(f);
	}
	closedir(d);
	return total;
}

long bench_server_kb(const char *field)
{
	char path[64], line[256];
	long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)bench_server_pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

void bench_reset_peak(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/clear_refs",
		 (int)bench_server_pid);
	FILE *f = fopen(path, "w");
	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}
