/* Shared helpers of the sync benchmarks (see benchlib.h). */
#include "config.h"
#include "bench/benchlib.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/file.h"
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

/* Give person (i * 7919 + round * 104729) % people a new title, inside
 * the caller's transaction. */
static int change_one(struct dstore *s, int64_t t, int people, int round, int i,
		      struct ob_err *err)
{
	struct dstore_person p;
	char uid[32];
	int ret;

	snprintf(uid, sizeof(uid), "p%07d",
		 (i * 7919 + round * 104729) % people);
	if ((ret = dstore_person_get(s, t, uid, true, &p, err)) != 0)
		return ret;
	free(p.title);
	p.title = malloc(32);
	snprintf(p.title, 32, "Title %d.%d", round, i);
	ret = dstore_person_put(s, t, &p, NULL, err);
	dstore_person_deinit(&p);
	return ret;
}

void bench_change_ten(struct dstore *s, int64_t t, int people, int round)
{
	struct ob_err err;

	dstore_begin(s, t, "bench", &err);
	for (int i = 0; i < 10; i++)
		change_one(s, t, people, round, i, &err);
	dstore_commit(s, NULL, &err);
}

int bench_change_one(struct dstore *s, int64_t t, int people, int round, int i)
{
	struct ob_err err;
	int ret = 0;

	/* a conflict with a sync's transaction (OB_E_BUSY) is tried again,
	 * as orgbook-admin's writes are */
	for (int tries = 0; tries < 20; tries++) {
		ret = dstore_begin(s, t, "bench", &err);
		if (ret == 0 &&
		    (ret = change_one(s, t, people, round, i, &err)) == 0)
			ret = dstore_commit(s, NULL, &err);
		else if (ret != 0)
			dstore_rollback(s);
		if (ret != OB_E_BUSY)
			break;
		usleep(10000);
	}
	if (ret != 0)
		fprintf(stderr, "change %d.%d: %s\n", round, i, err.msg);
	return ret;
}

/* ---- accounts, one per device ---------------------------------------- */

void bench_login(char *out, size_t size, int i)
{
	snprintf(out, size, "u%05d@bench", i);
}

void bench_make_accounts(struct dstore *s, int64_t t, int n)
{
	struct dstore_password pw;
	struct ob_err err;
	char login[64];
	int64_t id;
	bool shared = false;

	if (dstore_begin(s, t, "bench", &err) != 0) {
		fprintf(stderr, "accounts: %s\n", err.msg);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		bench_login(login, sizeof(login), i);
		int ret = 0;
		if (!shared) {
			ret = dstore_password_prepare(
				s, t, login, BENCH_PASSWORD, &pw, &err);
			/* one hash for all unless it is sealed to a login */
			shared = ret == 0 && pw.sealed_len == 0;
		}
		if (ret == 0)
			ret = dstore_account_create_prepared(
				s, t, login, &pw, DSTORE_ROLE_USER, &id, &err);
		if (ret != 0) {
			fprintf(stderr, "account %s: %s\n", login, err.msg);
			exit(1);
		}
		if (!shared)
			dstore_password_deinit(&pw);
	}
	if (shared)
		dstore_password_deinit(&pw);
	if (dstore_commit(s, NULL, &err) != 0) {
		fprintf(stderr, "accounts: %s\n", err.msg);
		exit(1);
	}
}

/* ---- the server process ---------------------------------------------- */

/* Start orgbook-server on db; its port file is ports, its stderr log
 * (NULL: /dev/null). cluster: as a deployment runs it (admin port on,
 * the default connection caps and threads); else as bench_start_server
 * documents. Returns the pid; *port_r and *admin_r from the port file. */
static pid_t spawn_server(const char *db, const char *ports, const char *log,
			  bool cluster, int *port_r, int *admin_r)
{
	char line[64] = "";
	const char *bin = getenv("ORGBOOK_SERVER");
	pid_t pid;

	unlink(ports);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (freopen(log ? log : "/dev/null", "w", stderr) == NULL)
			_exit(126);
		bin = bin ? bin : "./server/orgbook-server";
		if (cluster)
			execl(bin, "orgbook-server", "--db", db, "--key-file",
			      bench_key, "--listen", "127.0.0.1", "--port", "0",
			      "--admin-port", "0", "--port-file", ports,
			      "--log-level", "warn", (char *)NULL);
		else
			execl(bin, "orgbook-server", "--db", db, "--key-file",
			      bench_key, "--listen", "127.0.0.1", "--port", "0",
			      "--admin-port", "off", "--port-file", ports,
			      "--threads", "4", "--max-connections-per-ip",
			      "1000", "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(ports, "r");
		if (f != NULL) {
			bool ok = fgets(line, sizeof(line), f) != NULL;
			fclose(f);
			if (ok)
				break;
		}
		usleep(20000);
	}
	char *end;
	*port_r = (int)strtol(line, &end, 10);
	*admin_r = (int)strtol(end, NULL, 10);
	if (*port_r <= 0) {
		fprintf(stderr, "orgbook-server on %s did not start\n", db);
		exit(1);
	}
	return pid;
}

void bench_start_server(const char *db, const char *dir)
{
	char ports[512];
	int port, admin;

	snprintf(ports, sizeof(ports), "%s/ports", dir);
	bench_server_pid = spawn_server(db, ports, NULL, false, &port, &admin);
	snprintf(bench_url, sizeof(bench_url), "http://127.0.0.1:%d/sync",
		 port);
}

static void stop_pid(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

void bench_stop_server(void)
{
	stop_pid(bench_server_pid);
}

void bench_start_servers(const char *db, const char *dir, int n,
			 struct bench_server *srv)
{
	char ports[512], log[512];

	for (int k = 0; k < n; k++) {
		snprintf(ports, sizeof(ports), "%s/ports%d", dir, k + 1);
		snprintf(log, sizeof(log), "%s/server%d.log", dir, k + 1);
		srv[k].pid = spawn_server(db, ports, log, true, &srv[k].port,
					  &srv[k].admin_port);
	}
}

void bench_stop_servers(const struct bench_server *srv, int n)
{
	for (int k = 0; k < n; k++)
		kill(srv[k].pid, SIGTERM);
	for (int k = 0; k < n; k++)
		waitpid(srv[k].pid, NULL, 0);
}

/* The CPU time of process pid in seconds, summed over its threads from
 * /proc/PID/task/TID/schedstat (nanoseconds; /proc/PID/stat counts 10 ms
 * ticks, too coarse for a fast sync). The worker threads live as long as
 * the server, so no thread's time is lost between two readings. */
double bench_pid_cpu(pid_t pid)
{
	char path[128], buf[128];
	double total = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			 (int)pid, e->d_name);
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

double bench_server_cpu(void)
{
	return bench_pid_cpu(bench_server_pid);
}

double bench_servers_cpu(const struct bench_server *srv, int n)
{
	double total = 0;

	for (int k = 0; k < n; k++)
		total += bench_pid_cpu(srv[k].pid);
	return total;
}

/* ---- haproxy ---------------------------------------------------------- */

/* A free TCP port on 127.0.0.1 (free when asked: haproxy binds it next). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* How many servers of backend "orgbook" haproxy's stats socket at path
 * reports up ("show servers state": field 6, srv_op_state, is 2). */
static int servers_up(const char *path)
{
	static const char cmd[] = "show servers state orgbook\n";
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct ob_buf out;
	char chunk[4096];
	int fd, up = 0;
	ssize_t got;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, cmd, sizeof(cmd) - 1) != (ssize_t)sizeof(cmd) - 1) {
		close(fd);
		return -1;
	}
	ob_buf_init(&out, 1u << 20);
	while ((got = read(fd, chunk, sizeof(chunk))) > 0)
		if (ob_buf_add(&out, chunk, (size_t)got) != 0)
			break;
	close(fd);
	ob_buf_add(&out, "", 1);
	char *save = NULL;
	for (char *line = strtok_r(out.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fs = NULL, *f = strtok_r(line, " ", &fs);
		for (int i = 1; f != NULL && i < 6; i++)
			f = strtok_r(NULL, " ", &fs);
		if (line[0] != '#' && f != NULL && strcmp(f, "2") == 0)
			up++;
	}
	ob_buf_deinit(&out);
	return up;
}

/* tpl with @PORT@, @SOCK@ and @SERVERS@ replaced, into path */
static void write_config(const char *tpl, const char *path, int port,
			 const char *sock, const struct bench_server *srv,
			 int n)
{
	struct ob_buf in, out;
	struct ob_err err;

	ob_buf_init(&in, 1u << 20);
	ob_buf_init(&out, 1u << 20);
	if (ob_file_read(tpl, &in, &err) != 0) {
		fprintf(stderr, "%s: %s\n", tpl, err.msg);
		exit(1);
	}
	ob_buf_add(&in, "", 1);
	for (const char *p = in.data; *p != '\0';) {
		if (strncmp(p, "@PORT@", 6) == 0) {
			ob_buf_addf(&out, "%d", port);
			p += 6;
		} else if (strncmp(p, "@SOCK@", 6) == 0) {
			ob_buf_add_str(&out, sock);
			p += 6;
		} else if (strncmp(p, "@SERVERS@", 9) == 0) {
			for (int k = 0; k < n; k++)
				ob_buf_addf(&out,
					    "\tserver s%d 127.0.0.1:%d port "
					    "%d\n",
					    k + 1, srv[k].port,
					    srv[k].admin_port);
			p += 9;
		} else {
			ob_buf_add(&out, p, 1);
			p++;
		}
	}
	FILE *f = fopen(path, "w");
	if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	ob_buf_deinit(&in);
	ob_buf_deinit(&out);
}

pid_t bench_start_haproxy(const char *tpl, const char *dir,
			  const struct bench_server *srv, int n, char *url,
			  size_t size)
{
	char cfg[512], sock[512], log[512];
	const char *bin = getenv("HAPROXY");
	int port = free_port();
	pid_t pid;

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", dir);
	snprintf(sock, sizeof(sock), "%s/haproxy.sock", dir);
	snprintf(log, sizeof(log), "%s/haproxy.log", dir);
	write_config(tpl, cfg, port, sock, srv, n);
	unlink(sock);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (freopen(log, "a", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		bin = bin ? bin : "/usr/sbin/haproxy";
		execl(bin, "haproxy", "-db", "-f", cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && servers_up(sock) != n; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		usleep(50000);
	}
	if (pid < 0 || servers_up(sock) != n) {
		fprintf(stderr, "haproxy does not see %d instances up (%s)\n",
			n, log);
		if (pid > 0)
			stop_pid(pid);
		return -1;
	}
	snprintf(url, size, "http://127.0.0.1:%d/sync", port);
	return pid;
}

void bench_stop_pid(pid_t pid)
{
	stop_pid(pid);
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
