/* Benchmark: directory import and change-log queries (make bench).
 *
 *   1. import of 100,000 generated people from CSV through the real
 *      importer into a fresh store: wall time, peak RSS, database size;
 *   2. "changes since R" with 10 changes, at 1,000 and at 100,000 people:
 *      median and p99 over 200 queries. The ratio shows whether the cost
 *      follows the changes or the directory.
 * Prints a table; asserts nothing about time (see README). */
#include "config.h"
#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "util/str.h"
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fam[] = {"王", "李", "张", "刘", "陈",     "杨",
				  "赵", "黄", "周", "吴", "Müller", "Smith"};
static const char *const famp[] = {"wang", "li",   "zhang", "liu",
				   "chen", "yang", "zhao",  "huang",
				   "zhou", "wu",   "",      ""};
static const char *const giv[] = {"伟", "芳", "娜", "敏", "静",   "丽",
				  "强", "磊", "军", "洋", "Anna", "Ben"};
static const char *const givp[] = {"wei",   "fang", "na",  "min",  "jing", "li",
				   "qiang", "lei",  "jun", "yang", "",     ""};

static void make_csv(struct ob_buf *b, int n, unsigned seed)
{
	ob_buf_add_str(b, "uid,family_name,given_name,phonetic_family,"
			  "phonetic_given,unit,title,phone_work,phone_cell,"
			  "email,city\r\n");
	for (int i = 0; i < n; i++) {
		unsigned r = (unsigned)i * 2654435761u + seed;
		int f = (int)(r % 12), g = (int)((r >> 8) % 12);

		ob_buf_addf(b,
			    "p%07d,%s,%s,%s,%s,Division %u/Department %u/Team "
			    "%u,Engineer,+86 21 6%03u %04u ext %u,+86 138 %04u "
			    "%04u,user%d@bench.example.com,Shanghai\r\n",
			    i, fam[f], giv[g], famp[f], givp[g], r % 8,
			    (r >> 4) % 10, (r >> 12) % 12, (r >> 3) % 1000,
			    (r >> 7) % 10000, 100 + (r >> 5) % 900,
			    (r >> 9) % 10000, (r >> 2) % 10000, i);
	}
}

static int count_hit(const struct dstore_person *p, void *ctx)
{
	(void)p;
	++*(int *)ctx;
	return 0;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int noop_change(const struct dstore_change *c, void *ctx)
{
	(*(int *)ctx)++;
	(void)c;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct dstore *open_store(const char *dir, const char *name, char *path,
				 size_t size)
{
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;

	snprintf(path, size, "%s/%s", dir, name);
	o.path = path;
	if (dstore_open(&o, &s, &err) < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		exit(1);
	}
	return s;
}

/* Fill a store with n people, make 10 changes, time changes_since. */
static void changes_bench(const char *dir, int n, double *median_us,
			  double *p99_us, int *found)
{
	struct imp_opts o = {0};
	struct imp_report rep;
	struct ob_buf csv;
	struct ob_err err;
	struct dstore *s;
	char path[4200], name[32];
	int64_t t, r;
	uint64_t times[200];

	snprintf(name, sizeof(name), "changes-%d.db", n);
	s = open_store(dir, name, path, sizeof(path));
	dstore_tenant_create(s, "bench", "Bench", &t, &err);
	ob_buf_init(&csv, 1u << 30);
	make_csv(&csv, n, 7);
	imp_report_init(&rep);
	o.actor = "bench";
	if (imp_csv_import(s, t, csv.data, csv.len, &o, &rep, &err) < 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		exit(1);
	}
	imp_report_deinit(&rep);
	ob_buf_deinit(&csv);
	r = rep.revision;
	for (int i = 0; i < 10; i++) {
		struct dstore_person p;
		char uid[32];

		snprintf(uid, sizeof(uid), "p%07d", (i * 97) % n);
		dstore_begin(s, t, "bench", &err);
		if (dstore_person_get(s, t, uid, false, &p, &err) == 0) {
			free(p.title);
			p.title = strdup(i % 2 ? "Manager" : "Director");
			dstore_person_put(s, t, &p, NULL, &err);
			dstore_person_deinit(&p);
		}
		dstore_commit(s, NULL, &err);
	}
	for (int i = 0; i < 200; i++) {
		uint64_t t0 = ob_now_us();

		*found = 0;
		dstore_changes_since(s, t, r, 0, noop_change, found, NULL,
				     &err);
		times[i] = ob_now_us() - t0;
	}
	qsort(times, 200, sizeof(times[0]), cmp_u64);
	*median_us = (double)times[100];
	*p99_us = (double)times[198];
	dstore_close(&s);
}

int main(void)
{
	char dir[] = "/tmp/ob-bench.XXXXXX", path[4200], cmd[4300];
	struct imp_opts o = {0};
	struct imp_report rep;
	struct ob_buf csv;
	struct ob_err err;
	struct dstore *s;
	struct stat st;
	int64_t t;
	long rss_before, rss_after;
	uint64_t t0, t1;
	double m1, p1, m2, p2;
	int f1, f2;
	const int n = 100000;

	if (mkdtemp(dir) == NULL)
		return 1;
	/* 1. import */
	ob_buf_init(&csv, 1u << 30);
	make_csv(&csv, n, 1);
	s = open_store(dir, "import.db", path, sizeof(path));
	dstore_tenant_create(s, "bench", "Bench", &t, &err);
	rss_before = peak_rss_kb();
	imp_report_init(&rep);
	o.actor = "bench";
	t0 = ob_now_us();
	if (imp_csv_import(s, t, csv.data, csv.len, &o, &rep, &err) < 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		return 1;
	}
	t1 = ob_now_us();
	rss_after = peak_rss_kb();
	/* the admin pages' people search over the same 100,000 people */
	double search_ms[4];
	static const char *const queries[] = {"张伟", "zw", "1380", "user77"};
	for (int q = 0; q < 4; q++) {
		int hits = 0;
		uint64_t s0 = ob_now_us();
		(void)dstore_person_search(s, t, queries[q], 200, count_hit,
					   &hits, &err);
		search_ms[q] = (double)(ob_now_us() - s0) / 1000.0;
	}
	dstore_close(&s);
	stat(path, &st);
	printf("%-44s %12s\n", "benchmark (bench-dirstore)", "result");
	printf("%-44s %12s\n", "--------------------------------------------",
	       "------------");
	printf("%-44s %12zu\n", "import: people", rep.adds);
	printf("%-44s %12.1f\n", "import: CSV size (MB)",
	       (double)csv.len / 1e6);
	printf("%-44s %12.2f\n", "import: wall time (s)",
	       (double)(t1 - t0) / 1e6);
	printf("%-44s %12.1f\n", "import: peak RSS, whole process (MB)",
	       (double)rss_after / 1024.0);
	printf("%-44s %12.1f\n", "import: peak RSS before import (MB)",
	       (double)rss_before / 1024.0);
	printf("%-44s %12.1f\n", "import: database size (MB)",
	       (double)st.st_size / 1e6);
	printf("%-44s %12.1f\n", "admin search, name 张伟 (ms)", search_ms[0]);
	printf("%-44s %12.1f\n", "admin search, initials zw (ms)",
	       search_ms[1]);
	printf("%-44s %12.1f\n", "admin search, phone digits 1380 (ms)",
	       search_ms[2]);
	printf("%-44s %12.1f\n", "admin search, email user77 (ms)",
	       search_ms[3]);
	imp_report_deinit(&rep);
	ob_buf_deinit(&csv);
	/* 2. changes since R */
	changes_bench(dir, 1000, &m1, &p1, &f1);
	changes_bench(dir, 100000, &m2, &p2, &f2);
	printf("%-44s %12d\n", "changes since R: changes found (1k / 100k)",
	       f1 == f2 ? f1 : -1);
	printf("%-44s %12.1f\n", "changes since R, 1,000 people: median (us)",
	       m1);
	printf("%-44s %12.1f\n", "changes since R, 1,000 people: p99 (us)", p1);
	printf("%-44s %12.1f\n", "changes since R, 100,000 people: median (us)",
	       m2);
	printf("%-44s %12.1f\n", "changes since R, 100,000 people: p99 (us)",
	       p2);
	printf("%-44s %12.2f\n", "changes since R: ratio 100k / 1k (median)",
	       m1 > 0 ? m2 / m1 : 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}
