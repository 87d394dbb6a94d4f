/* bench-ldap-dir: the in-memory LDAP tree (ldap/dir.c) at 1,000, 10,000
 * and 100,000 generated people (bench/benchlib's directory; BENCH_SIZES
 * overrides, e.g. "1000,10000"): the time to build a snapshot from the
 * store, the bytes it holds, a revision check when nothing changed, a
 * refresh after ten people changed, and the latency (p50/p99 over
 * BENCH_ROUNDS searches, 2,000 by default) of the searches desk phones
 * send, each with a size limit of 50:
 *   name   (|(cn=zh*)(sn=zh*))            the Yealink name search
 *   suffix (telephoneNumber=*NNNN)         four digits typed
 *   call   (|(telephoneNumber=N)(mobile=N)(homePhone=N)) an incoming
 *          call, N in international form
 *   scan   (mail=*userNNN*)                a shape no index serves
 * Not a test: it prints a table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchlib.h"
#include "ldap/dir.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct ldap_filter leaf(enum ldap_filter_kind k, const char *attr,
			       const char *v)
{
	struct ldap_filter f = {.kind = k};

	f.attr = (struct ldap_val){(char *)attr, strlen(attr)};
	if (k == LDAP_F_EQ || k == LDAP_F_APPROX)
		f.value = (struct ldap_val){(char *)v, strlen(v)};
	return f;
}

/* p50 and p99 of rounds searches of q (filter rebuilt by make for round
 * i), in microseconds; *hits_r the hits of the last one. */
static void measure(const struct ldap_dir *d, int rounds,
		    void (*make)(int i, struct ldap_filter *root, void *st),
		    void *st, double *p50, double *p99, size_t *hits_r)
{
	double *t = malloc(sizeof(double) * (size_t)rounds);
	struct ldap_filter root;
	struct ldap_search q = {.scope = LDAP_SCOPE_SUB, .filter = &root};
	struct ldap_hits h;
	enum ldap_rc rc;
	const char *m;
	struct ob_err err;
	char base[128];

	snprintf(base, sizeof(base), "%s", ldap_dir_base(d));
	q.base = (struct ldap_val){base, strlen(base)};
	for (int i = 0; i < rounds; i++) {
		make(i, &root, st);
		double t0 = now_us();
		if (ldap_dir_search(d, &q, NULL, 0, 50, &h, &rc, &m, &err) !=
		    0) {
			fprintf(stderr, "search: %s\n", err.msg);
			exit(1);
		}
		t[i] = now_us() - t0;
		*hits_r = h.n;
		ldap_hits_free(&h);
	}
	qsort(t, (size_t)rounds, sizeof(double), dcmp);
	*p50 = t[rounds / 2];
	*p99 = t[rounds * 99 / 100];
	free(t);
}

struct st {
	struct ldap_filter kids[3];
	struct ldap_filter *kp[3];
	char v[3][64];
	struct ldap_val any;
	int people;
};

static void make_name(int i, struct ldap_filter *root, void *p)
{
	struct st *s = p;
	static const char *const pre[] = {"zh", "wa", "li", "ch", "z", "mu"};

	snprintf(s->v[0], sizeof(s->v[0]), "%s", pre[i % 6]);
	for (int k = 0; k < 2; k++) {
		s->kids[k] = (struct ldap_filter){.kind = LDAP_F_SUBSTR};
		s->kids[k].attr = k ? (struct ldap_val){"sn", 2}
				    : (struct ldap_val){"cn", 2};
		s->kids[k].initial =
			(struct ldap_val){s->v[0], strlen(s->v[0])};
		s->kp[k] = &s->kids[k];
	}
	*root = (struct ldap_filter){
		.kind = LDAP_F_OR, .sub = s->kp, .n_sub = 2};
}

static void make_suffix(int i, struct ldap_filter *root, void *p)
{
	struct st *s = p;

	snprintf(s->v[0], sizeof(s->v[0]), "%04u",
		 ((unsigned)i * 7919u) % 10000u);
	*root = (struct ldap_filter){.kind = LDAP_F_SUBSTR};
	root->attr = (struct ldap_val){"telephoneNumber", 15};
	root->final = (struct ldap_val){s->v[0], 4};
}

static void make_call(int i, struct ldap_filter *root, void *p)
{
	struct st *s = p;
	/* a cell number of the generated people, as benchlib writes it:
	 * +86 138 XXXX YYYY; sent as 0086138XXXXYYYY or 138XXXXYYYY */
	unsigned r = (unsigned)(i % s->people) * 2654435761u;

	snprintf(s->v[0], sizeof(s->v[0]),
		 i % 2 ? "0086138%04u%04u" : "138%04u%04u", (r >> 9) % 10000,
		 (r >> 2) % 10000);
	static const char *const a[] = {"telephoneNumber", "mobile",
					"homePhone"};
	for (int k = 0; k < 3; k++) {
		s->kids[k] = leaf(LDAP_F_EQ, a[k], s->v[0]);
		s->kp[k] = &s->kids[k];
	}
	*root = (struct ldap_filter){
		.kind = LDAP_F_OR, .sub = s->kp, .n_sub = 3};
}

static void make_scan(int i, struct ldap_filter *root, void *p)
{
	struct st *s = p;

	snprintf(s->v[0], sizeof(s->v[0]), "user%d@", (i * 7919) % s->people);
	s->any = (struct ldap_val){s->v[0], strlen(s->v[0])};
	*root = (struct ldap_filter){.kind = LDAP_F_SUBSTR};
	root->attr = (struct ldap_val){"mail", 4};
	root->any = &s->any;
	root->n_any = 1;
}

static int no_unit(const struct dstore_unit *u, void *ctx)
{
	(void)u;
	++*(int *)ctx;
	return 0;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(void)
{
	const char *sizes = getenv("BENCH_SIZES");
	const char *rounds_env = getenv("BENCH_ROUNDS");
	int rounds = rounds_env ? atoi(rounds_env) : 2000;
	char list[256];
	struct ldap_dir_config cfg = {.max_photo = 65536, .idle_evict = 300};

	snprintf(list, sizeof(list), "%s", sizes ? sizes : "1000,10000,100000");
	printf("%8s %9s %8s %8s %9s | %-17s | %-17s | %-17s | %-17s\n",
	       "people", "build ms", "MB", "check", "delta ms",
	       "name p50/p99 us", "suffix p50/p99 us", "call p50/p99 us",
	       "scan p50/p99 us");
	char *save = NULL;
	for (char *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int people = atoi(tok);
		char path[256];
		int64_t t;
		struct ob_err err;
		struct ldap_dircache *c;
		struct ldap_dir *d = NULL, *d2 = NULL;
		struct st st = {.people = people};
		double p50[4], p99[4];
		size_t hits[4];

		snprintf(path, sizeof(path), "/tmp/bench-ldap-dir-%d-%d.db",
			 (int)getpid(), people);
		struct dstore *s = bench_make_store(path, people, &t);
		ldap_dircache_new(&cfg, &c, &err);
		long rss0 = rss_kb();
		double t0 = now_us();
		if (ldap_dircache_get(c, s, t, "", &d, &err) != 0) {
			fprintf(stderr, "get: %s\n", err.msg);
			return 1;
		}
		double build = (now_us() - t0) / 1e3;
		long rss1 = rss_kb();
		/* a revision check: nothing changed */
		t0 = now_us();
		for (int i = 0; i < 100; i++) {
			ldap_dircache_get(c, s, t, "", &d2, &err);
			ldap_dir_release(&d2);
		}
		double check = (now_us() - t0) / 100;
		bench_change_ten(s, t, people, 1);
		t0 = now_us();
		ldap_dircache_get(c, s, t, "", &d2, &err);
		double delta = (now_us() - t0) / 1e3;
		ldap_dir_release(&d2);

		measure(d, rounds, make_name, &st, &p50[0], &p99[0], &hits[0]);
		measure(d, rounds, make_suffix, &st, &p50[1], &p99[1],
			&hits[1]);
		measure(d, rounds, make_call, &st, &p50[2], &p99[2], &hits[2]);
		measure(d, rounds / 10 + 1, make_scan, &st, &p50[3], &p99[3],
			&hits[3]);
		printf("%8d %9.1f %8.1f %6.1fus %9.1f | %7.1f / %7.1f | "
		       "%7.1f / %7.1f | %7.1f / %7.1f | %7.1f / %7.1f\n",
		       people, build, (double)ldap_dir_bytes(d) / 1048576.0,
		       check, delta, p50[0], p99[0], p50[1], p99[1], p50[2],
		       p99[2], p50[3], p99[3]);
		int units = 0;
		t0 = now_us();
		dstore_unit_tree(s, t, no_unit, &units, &err);
		double ut = (now_us() - t0) / 1e3;
		printf("# %zu entries; RSS grew %.1f MB at the build; the "
		       "store's unit tree (%d units) %.1f ms of each build; "
		       "last hits: name %zu, suffix %zu, call %zu, scan %zu\n",
		       ldap_dir_entries(d), (double)(rss1 - rss0) / 1024.0,
		       units, ut, hits[0], hits[1], hits[2], hits[3]);
		fflush(stdout);
		ldap_dir_release(&d);
		ldap_dircache_free(&c);
		dstore_close(&s);
		unlink(path);
		char side[300];
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	return 0;
}
