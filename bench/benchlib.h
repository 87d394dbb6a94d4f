/* Shared by the sync benchmarks: a generated directory in a store, the
 * real orgbook-server as a child process, and its CPU and memory read from
 * /proc. Not a library of the product: bench/ only. */
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
/* Change the title of ten people (a different ten for each round). */
void bench_change_ten(struct dstore *s, int64_t t, int people, int round);
/* Start orgbook-server ($ORGBOOK_SERVER or ./server/orgbook-server)
 * on db, with its port file in dir; stop it (SIGTERM, wait). */
void bench_start_server(const char *db, const char *dir);
void bench_stop_server(void);
/* Its CPU seconds (all threads), a /proc/PID/status field in kB
 * ("VmHWM:"), and a reset of its peak RSS. */
double bench_server_cpu(void);
long bench_server_kb(const char *field);
void bench_reset_peak(void);

#endif
