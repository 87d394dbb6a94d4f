/* Shared by the sync benchmarks: a generated directory in a store, the
 * real orgbook-server as a child process (or several behind haproxy), and
 * CPU and memory read from /proc. Not a library of the product: bench/ only. */
#ifndef BENCH_BENCHLIB_H
#define BENCH_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dirstore/dirstore.h"

#define BENCH_USER "bench@bench"
#define BENCH_PASSWORD "bench-password-1"

/* The server's sync URL once started. */
extern char bench_url[256];
extern pid_t bench_server_pid;

/* The store named name for a run: dir/name.db, or with $OB_BENCH_PG (a
 * libpq URI naming a database, e.g. tests/lib/pg.sh's) a fresh database
 * name on that server (dropped and created with psql). Its key file is
 * dir/bench.key either way (bench_key). */
void bench_db(char *db, size_t size, const char *dir, const char *name);
extern char bench_key[512];
/* A fresh store at path with an enterprise, the bench account and
 * `people` generated people (the caller closes it). */
struct dstore *bench_make_store(const char *path, int people, int64_t *t_r);
/* Change the title of ten people (a different ten for each round), in
 * one transaction. */
void bench_change_ten(struct dstore *s, int64_t t, int people, int round);
/* The same for the i-th (0-9) of round's ten alone, in its own
 * transaction, tried again on a conflict (OB_E_BUSY); 0 when committed. */
int bench_change_one(struct dstore *s, int64_t t, int people, int round, int i);
/* n accounts in tenant t, one per device: login bench_login(i) for i in
 * [0, n), password BENCH_PASSWORD, all in one transaction. They share
 * one yescrypt hash (salt and all: a login costs the same check, and
 * making a thousand hashes would take a minute) unless the tenant keeps
 * MD5 equivalents, which are sealed to each login. Exits the bench on
 * failure. */
void bench_make_accounts(struct dstore *s, int64_t t, int n);
void bench_login(char *out, size_t size, int i);
/* Start orgbook-server ($ORGBOOK_SERVER or ./server/orgbook-server)
 * on db, with its port file in dir; stop it (SIGTERM, wait). */
void bench_start_server(const char *db, const char *dir);
void bench_stop_server(void);
/* Its CPU seconds (all threads), a /proc/PID/status field in kB
 * ("VmHWM:"), and a reset of its peak RSS. */
double bench_server_cpu(void);
/* The CPU seconds of any process of ours (all its threads). */
double bench_pid_cpu(pid_t pid);
long bench_server_kb(const char *field);
void bench_reset_peak(void);

/* Several instances on one store, as a deployment runs them behind a
 * load balancer: the admin port on (haproxy checks /healthz), the
 * server's default connection caps (64 per address) and worker threads
 * (4); instance K (from 1) logs warnings to dir/serverK.log. Started
 * one after the other, each once its port file is written; stopped
 * together. The single-server calls above are separate from these. */
struct bench_server {
	pid_t pid;
	int port, admin_port;
};
void bench_start_servers(const char *db, const char *dir, int n,
			 struct bench_server *srv);
void bench_stop_servers(const struct bench_server *srv, int n);
/* Their CPU seconds, summed over the instances. */
double bench_servers_cpu(const struct bench_server *srv, int n);
/* haproxy ($HAPROXY, default /usr/sbin/haproxy) in front of srv[0..n):
 * its config is the template tpl with @PORT@ (a free port), @SOCK@ (its
 * stats socket) and @SERVERS@ (one server line per instance) filled in,
 * written to dir/haproxy.cfg; it logs to dir/haproxy.log. Returns its
 * pid once haproxy's health checks see all n up, with url its sync URL
 * (stop it with bench_stop_pid); -1 when they never do (haproxy is
 * stopped, the instances are the caller's). */
pid_t bench_start_haproxy(const char *tpl, const char *dir,
			  const struct bench_server *srv, int n, char *url,
			  size_t size);
void bench_stop_pid(pid_t pid);

#endif
