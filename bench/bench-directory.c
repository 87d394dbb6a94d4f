/* Benchmark: the web admin's directory view at 100,000 people (make bench).
 *
 * Generates 100,000 people with testdata/gen-directory.py in a tree seven
 * levels deep (Chinese names with pinyin, some Latin ones), imports them
 * through the real importer, signs an administrator in, and times whole
 * page requests through wa_web_handle (the server's time for a page: the
 * store's queries and the HTML, without the network): the root's first
 * page, deep units, page 2,000 of the root, searches by pinyin initials
 * and by phone digits, sorts; a person's form and history. Each page is
 * asked for 7 times; the table shows the median and the slowest, and the
 * page's "of N" total.
 * Asserts nothing about time (see README); exits 1 when a page fails.
 *   bench-directory [PEOPLE]      (default 100000) */
#include "config.h"
#include "dirstore/dirstore.h"
#include "dirstore/websession.h"
#include "util/buf.h"
#include "util/str.h"
#include "webadmin/form.h"
#include "import/import.h"
#include "webadmin/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef OB_TOP_SRCDIR
#define OB_TOP_SRCDIR "."
#endif

#define RUNS 7

static const char *const l1[] = {"研发中心", "销售部", "运营中心", "职能部门"};
static const char *const l2[] = {"一部", "二部", "三部"};
static const char *const l3[] = {"平台组", "应用组", "支持组"};
static const char *const l4[] = {"华东", "华北"};
static const char *const l5[] = {"A队", "B队"};
static const char *const l6[] = {"一班", "二班"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The units people are in: every unit six levels deep, and under every
 * other one a seventh level. */
static void unit_list(struct ob_buf *b)
{
	size_t k = 0;

	for (size_t a = 0; a < N(l1); a++)
		for (size_t c = 0; c < N(l2); c++)
			for (size_t d = 0; d < N(l3); d++)
				for (size_t e = 0; e < N(l4); e++)
					for (size_t f = 0; f < N(l5); f++)
						for (size_t g = 0; g < N(l6);
						     g++, k++) {
							ob_buf_addf(
								b,
								"%s%s/%s/%s/%s/"
								"%s/%s",
								b->len ? ","
								       : "",
								l1[a], l2[c],
								l3[d], l4[e],
								l5[f], l6[g]);
							if (k % 2 == 0)
								ob_buf_addf(
									b,
									",%s/"
									"%s/%s/"
									"%s/%s/"
									"%s/"
									"攻关小"
									"组",
									l1[a],
									l2[c],
									l3[d],
									l4[e],
									l5[f],
									l6[g]);
						}
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct ob_buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	ob_buf_init(&b, 1u << 30);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ob_buf_add(&b, chunk, n) != 0)
			break;
	fclose(f);
	return ob_buf_steal(&b, len_r);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct dstore *store;
static struct wa_web_config cfg;
static char cookie[128];
static int failed;
static const char *page_path = "/units";

/* Time one page (of page_path) RUNS times; print a table row. */
static void page(const char *label, const char *query)
{
	uint64_t t[RUNS];
	char total[32] = "-";
	int status = 0;

	for (int i = 0; i < RUNS; i++) {
		struct wa_form q = {0};
		struct wa_web_request rq = {0};
		struct wa_web_response rs;
		struct ob_err err;
		uint64_t t0;

		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
		rq.method = "GET";
		rq.path = page_path;
		rq.query = &q;
		rq.cookie = cookie;
		rq.host = "bench";
		rq.remote_addr = "127.0.0.1";
		rq.now = ob_wall_s();
		t0 = ob_now_us();
		wa_web_handle(store, &cfg, &rq, &rs);
		t[i] = ob_now_us() - t0;
		status = rs.status;
		const char *body = ob_buf_str(&rs.body);
		const char *tot = strstr(body, "class=\"total\">");
		if (tot != NULL) {
			tot += 14;
			size_t n = strcspn(tot, "<");
			if (n < sizeof(total)) {
				memcpy(total, tot, n);
				total[n] = '\0';
			}
		}
		wa_web_response_deinit(&rs);
		wa_form_deinit(&q);
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	printf("%-44s %8.1f %8.1f %9s %s\n", label, (double)t[RUNS / 2] / 1e3,
	       (double)t[RUNS - 1] / 1e3, total, status == 200 ? "" : "FAILED");
	if (status != 200)
		failed = 1;
}

static int count_unit(const struct dstore_unit *u, void *ctx)
{
	(void)u;
	++*(int *)ctx;
	return 0;
}

static int count_row(const struct dstore_person *p,
		     const struct dstore_page_match *m, void *ctx)
{
	(void)p;
	(void)m;
	++*(int *)ctx;
	return 0;
}

/* The store's part of a page: what dstore_person_page costs alone, and
 * the unit tree every page draws. */
static void store_part(int64_t tenant, const char *label,
		       const struct dstore_page_query *pq, bool tree)
{
	uint64_t t[RUNS];
	int64_t total = 0;
	struct ob_err err;
	char tot[32];

	for (int i = 0; i < RUNS; i++) {
		int n = 0;
		uint64_t t0 = ob_now_us();
		if (pq != NULL)
			(void)dstore_person_page(store, tenant, pq, &total,
						 count_row, &n, &err);
		else if (tree)
			(void)dstore_unit_tree(store, tenant, count_unit, &n,
					       &err);
		else
			(void)dstore_unit_list(store, tenant, count_unit, &n,
					       &err);
		t[i] = ob_now_us() - t0;
		if (pq == NULL)
			total = n;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	snprintf(tot, sizeof(tot), "%lld", (long long)total);
	printf("%-44s %8.1f %8.1f %9s\n", label, (double)t[RUNS / 2] / 1e3,
	       (double)t[RUNS - 1] / 1e3, tot);
}

static int64_t unit_id(int64_t tenant, const char *path)
{
	struct ob_err err;
	int64_t id = 0;

	if (dstore_unit_ensure_path(store, tenant, path, false, &id, &err) !=
	    0) {
		fprintf(stderr, "unit %s: %s\n", path, err.msg);
		exit(1);
	}
	return id;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ob-bench-dir.XXXXXX", path[4200], q[256];
	struct dstore_options o = {0};
	struct imp_opts io = {0};
	struct imp_report rep;
	struct dstore_web_session ses;
	char tok[DSTORE_WEB_TOKEN_MAX];
	struct ob_buf units, cmd;
	struct ob_err err;
	int64_t t, acc;
	uint64_t t0, t1, t2;
	int people = argc > 1 ? atoi(argv[1]) : 100000;
	size_t len;
	char *csv;

	if (people <= 0 || mkdtemp(dir) == NULL)
		return 1;
	ob_buf_init(&units, 1u << 20);
	unit_list(&units);
	ob_buf_init(&cmd, 1u << 20);
	ob_buf_addf(&cmd,
		    "python3 '%s/testdata/gen-directory.py' --people %d "
		    "--seed 14 --out '%s/gen' --units '%s'",
		    OB_TOP_SRCDIR, people, dir, ob_buf_str(&units));
	t0 = ob_now_us();
	if (system(ob_buf_str(&cmd)) != 0) {
		fprintf(stderr, "gen-directory.py failed\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/gen/people.csv", dir);
	csv = read_file(path, &len);
	if (csv == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/dir.db", dir);
	o.path = path;
	if (dstore_open(&o, &store, &err) != 0 ||
	    dstore_tenant_create(store, "bench", "Bench 集团", &t, &err) != 0 ||
	    dstore_account_create(store, t, "admin@bench", "bench-admin-pw",
				  DSTORE_ROLE_ADMIN, &acc, &err) != 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	t1 = ob_now_us();
	imp_report_init(&rep);
	io.actor = "bench";
	if (imp_csv_import(store, t, csv, len, &io, &rep, &err) < 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		return 1;
	}
	t2 = ob_now_us();
	if (dstore_web_session_create(store, acc, ob_wall_s(), tok, &ses,
				      &err) != 0) {
		fprintf(stderr, "session: %s\n", err.msg);
		return 1;
	}
	snprintf(cookie, sizeof(cookie), "orgbook=%s", tok);
	wa_web_config_defaults(&cfg);
	printf("directory view (bench-directory): %zu people generated "
	       "(%.1f s) and imported (%.1f s), %zu units created\n",
	       rep.adds, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6,
	       rep.units_created);
	printf("%-44s %8s %8s %9s\n", "page (50 people each)", "median",
	       "slowest", "of N");
	printf("%-44s %8s %8s %9s\n", "", "(ms)", "(ms)", "");
	printf("%-44s %8s %8s %9s\n",
	       "--------------------------------------------", "--------",
	       "--------", "---------");
	page("root, page 1 (sorted by name)", "id=0");
	snprintf(q, sizeof(q), "id=%lld",
		 (long long)unit_id(t, "研发中心/一部"));
	page("unit 2 levels deep, whole subtree", q);
	snprintf(q, sizeof(q), "id=%lld",
		 (long long)unit_id(t, "研发中心/一部/平台组/华东/A队/一班"));
	page("unit 6 levels deep, whole subtree", q);
	snprintf(q, sizeof(q), "id=%lld&direct=1",
		 (long long)unit_id(t, "研发中心/一部/平台组/华东/A队/一班"));
	page("unit 6 levels deep, directly here", q);
	page("root, page 1000 (the middle)", "id=0&page=1000");
	page("root, page 2000 (the last)", "id=0&page=2000");
	page("root, page 1000, sorted by unit", "id=0&page=1000&sort=unit");
	page("search by pinyin initials \"zw\"", "id=0&q=zw");
	page("search by pinyin initials, page 5", "id=0&q=zw&page=5");
	page("search by phone digits \"1380\"", "id=0&q=1380");
	page("search by a Chinese name (zhang wei)",
	     "id=0&q=%E5%BC%A0%E4%BC%9F");
	page("root sorted by title", "id=0&sort=title");
	page("root sorted by title, descending, page 500",
	     "id=0&sort=title&desc=1&page=500");
	page("root, 200 per page", "id=0&per=200");
	/* a person's form: its last change is found in the change log (the
	 * first person imported is the farthest back), and its history */
	page_path = "/person";
	page("person form, the first imported", "uid=demo-000001");
	snprintf(q, sizeof(q), "uid=demo-%06d", people);
	page("person form, the last imported", q);
	page_path = "/audit";
	page("history of the first imported", "uid=demo-000001");
	page_path = "/units";
	printf("%-44s %8s %8s %9s\n", "store calls alone", "", "", "");
	store_part(t, "all units, dstore_unit_tree (the pages)", NULL, true);
	store_part(t, "all units, dstore_unit_list (before)", NULL, false);
	{
		struct dstore_page_query pq = {.limit = 50};
		store_part(t, "root page 1 (dstore_person_page)", &pq, false);
		pq.offset = 99950;
		store_part(t, "root page 2000", &pq, false);
		pq.offset = 50000;
		store_part(t, "root page 1001 (the middle)", &pq, false);
		pq.offset = 0;
		pq.search = "zw";
		store_part(t, "search \"zw\"", &pq, false);
		pq.search = NULL;
		pq.unit_id = unit_id(t, "研发中心/一部/平台组/华东/A队/一班");
		store_part(t, "unit 6 levels deep", &pq, false);
	}
	imp_report_deinit(&rep);
	dstore_close(&store);
	free(csv);
	ob_buf_deinit(&units);
	ob_buf_reset(&cmd);
	ob_buf_addf(&cmd, "rm -rf '%s'", dir);
	if (getenv("BENCH_KEEP") != NULL)
		fprintf(stderr, "kept %s\n", dir);
	else if (system(ob_buf_str(&cmd)) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	ob_buf_deinit(&cmd);
	return failed;
}
