/* Benchmark: the desk-phone phonebooks at 10,000 people (make bench).
 *
 * Generates the people with testdata/gen-directory.py, imports them
 * through the real importer and renders each vendor's document with
 * dav_pb_render (the server's work for one GET, without HTTP and TLS):
 * the whole-view vendors, Cisco's first, middle and last page, a search.
 * Each is rendered 7 times; the table shows the median wall time, the
 * median CPU time of the process and the document's bytes.
 * Asserts nothing about time; exits 1 when a render fails.
 *   bench-phonebook [PEOPLE]      (default 10000) */
#include "config.h"
#include "carddav/phonebook.h"
#include "import/import.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef OB_TOP_SRCDIR
#define OB_TOP_SRCDIR "."
#endif

#define RUNS 7

static struct dstore *store;
static int failed;

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

static uint64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void row(const char *label, enum dav_pb_vendor v,
		const struct dav_pb_opts *o)
{
	uint64_t wall[RUNS], cpu[RUNS];
	struct ob_buf out;
	struct ob_err err;
	size_t bytes = 0, count = 0;

	ob_buf_init(&out, 64u << 20);
	for (int i = 0; i < RUNS; i++) {
		uint64_t w0 = ob_now_us(), c0 = cpu_us();
		ob_buf_reset(&out);
		if (dav_pb_render(store, v, o, &out, &count, NULL, &err) != 0) {
			fprintf(stderr, "%s: %s\n", label, err.msg);
			failed = 1;
		}
		cpu[i] = cpu_us() - c0;
		wall[i] = ob_now_us() - w0;
		bytes = out.len;
	}
	ob_buf_deinit(&out);
	qsort(wall, RUNS, sizeof(wall[0]), cmp_u64);
	qsort(cpu, RUNS, sizeof(cpu[0]), cmp_u64);
	printf("%-36s %8.1f %8.1f %10zu %7zu\n", label,
	       (double)wall[RUNS / 2] / 1e3, (double)cpu[RUNS / 2] / 1e3, bytes,
	       count);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ob-bench-pb.XXXXXX", path[4200];
	struct dstore_options so = {0};
	struct imp_opts io = {0};
	struct imp_report rep;
	struct ob_buf cmd;
	struct ob_err err;
	int64_t t;
	int people = argc > 1 ? atoi(argv[1]) : 10000;
	size_t len;
	char *csv;

	if (people <= 0 || mkdtemp(dir) == NULL)
		return 1;
	ob_buf_init(&cmd, 1u << 16);
	ob_buf_addf(&cmd,
		    "python3 '%s/testdata/gen-directory.py' --people %d "
		    "--out '%s/gen' >/dev/null",
		    OB_TOP_SRCDIR, people, dir);
	if (system(ob_buf_str(&cmd)) != 0) {
		fprintf(stderr, "gen-directory.py failed\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/gen/people.csv", dir);
	csv = read_file(path, &len);
	if (csv == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	so.path = path;
	if (dstore_open(&so, &store, &err) != 0 ||
	    dstore_tenant_create(store, "bench", "Bench 集团", &t, &err) != 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	imp_report_init(&rep);
	io.actor = "bench";
	if (imp_csv_import(store, t, csv, len, &io, &rep, &err) < 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		return 1;
	}
	printf("desk-phone phonebooks (bench-phonebook): %d people\n", people);
	printf("%-36s %8s %8s %10s %7s\n", "document", "wall", "cpu", "bytes",
	       "people");
	printf("%-36s %8s %8s %10s %7s\n", "", "(ms)", "(ms)", "", "");
	struct dav_pb_opts o = {
		.tenant_id = t,
		.title = "Bench 集团",
		.page = 1,
		.base_url = "https://bench/phonebook/cisco.xml",
	};
	row("yealink (whole directory)", DAV_PB_YEALINK, &o);
	row("yealink-menu (whole directory)", DAV_PB_YEALINK_MENU, &o);
	row("grandstream (whole directory)", DAV_PB_GRANDSTREAM, &o);
	row("fanvil (whole directory)", DAV_PB_FANVIL, &o);
	row("cisco page 1", DAV_PB_CISCO, &o);
	int64_t visible = 0, pages;
	dstore_person_count(store, t, 0, false, &visible, &err);
	pages = (visible + DAV_PB_CISCO_PAGE - 1) / DAV_PB_CISCO_PAGE;
	o.page = pages / 2 + 1;
	row("cisco middle page", DAV_PB_CISCO, &o);
	o.page = pages;
	row("cisco last page", DAV_PB_CISCO, &o);
	o.page = 1;
	row("snom page 1", DAV_PB_SNOM, &o);
	o.search = "zw";
	row("yealink search \"zw\" (initials)", DAV_PB_YEALINK, &o);
	o.search = "138";
	row("yealink search \"138\" (digits)", DAV_PB_YEALINK, &o);
	imp_report_deinit(&rep);
	dstore_close(&store);
	free(csv);
	ob_buf_reset(&cmd);
	ob_buf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(ob_buf_str(&cmd)) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	ob_buf_deinit(&cmd);
	return failed;
}
