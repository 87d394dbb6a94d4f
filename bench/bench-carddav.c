/* Benchmark: the CardDAV front end over loopback, against Radicale
 * (make bench-carddav, issue 17).
 *
 * For each directory size it builds a generated directory in a
 * temporary store (bench_make_store: names, unit path, title, two phones,
 * email and city from each person's index; no photos), starts the real
 * orgbook-server on it and plays, with a libcurl client written for the
 * benchmark (HTTP Basic, keep-alive), the requests clients make:
 *   - a phone's first sync: sync-collection with an empty token, getetag
 *     and address-data, the whole book in one answer; then the same paged
 *     with DAV:limit 1000, following the continuation tokens to the end;
 *   - Thunderbird's shape: PROPFIND Depth 1 (getetag), then one
 *     addressbook-multiget of every href;
 *   - a 10-change delta (bench_change_ten, then sync-collection from the
 *     last token; it must list exactly 10 members) and an unchanged poll,
 *     each the best of 5.
 * Then, when $BENCH_RADICALE names a radicale program (bench-carddav.sh
 * finds or installs one), the same requests against Radicale 3 on a
 * private port: filesystem storage in the temporary directory, auth
 * none, one address book pre-filled with the same cards (our server's GET
 * of the book split into one .vcf per card). Its first request builds its
 * item cache and is reported on its own row; the delta rewrites the TITLE
 * of the same ten people's .vcf files on disk. Radicale has no DAV:limit,
 * so it has no paged row. Only sizes up to $BENCH_RADICALE_MAX (default
 * 10,000) are run on Radicale; above 10,000 it runs each once and
 * without the Thunderbird shape (its PROPFIND Depth 1 grows faster than
 * the book: 0.35 s CPU at 1,000 people, 17 s at 10,000). Orgbook's runs
 * are the best of 5; Radicale's first syncs of 3, its deltas and polls
 * of 5.
 * Measured from outside the servers: CPU from /proc (Orgbook: all
 * threads' schedstat; Radicale, a thread per connection: the process's
 * utime + stime, which keeps exited threads' time, in 10 ms clock ticks:
 * its rows give the mean over the runs, whose sum is exact to a tick,
 * Orgbook's the best run; the ratio column compares the means), peak
 * RSS (VmHWM, reset through clear_refs before each run), bytes of the
 * response bodies received, items (vCards, or hrefs for PROPFIND). Prints
 * one table at the end; asserts nothing about time. Arguments: the
 * largest size (default 100000; 1,000 and 10,000 below it run too), and
 * "only" to run that size alone. */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirstore/dirstore.h"
#include "util/buf.h"
#include "util/str.h"
#include "bench/benchlib.h"

#define BOOK_CAP (1u << 30)

/* ---- the servers ------------------------------------------------------- */

struct srv {
	const char *name;
	bool radicale;
	pid_t pid;
	char base[128]; /* http://127.0.0.1:PORT */
	char book[128]; /* the address book's path, ending in '/' */
	char token[512];
	CURL *curl;
};

/* One run's figures. */
struct fig {
	double wall, cpu;
	double cpu_sum; /* over runs, for the mean */
	int runs;
	long rss_kb;
	size_t bytes;
	long items;
	int pages;
	bool failed;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct ob_buf *b = ctx;
	return ob_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

/* method path with body into out; the HTTP status, or -1 */
static long request(struct srv *sv, const char *method, const char *path,
		    const char *depth, const char *body, size_t body_len,
		    struct ob_buf *out)
{
	char url[1024], dh[32];
	struct curl_slist *h = NULL;
	long code = 0;

	snprintf(url, sizeof(url), "%s%s", sv->base, path);
	h = curl_slist_append(h, "Content-Type: application/xml; "
				 "charset=utf-8");
	if (depth != NULL) {
		snprintf(dh, sizeof(dh), "Depth: %s", depth);
		h = curl_slist_append(h, dh);
	}
	ob_buf_reset(out);
	curl_easy_setopt(sv->curl, CURLOPT_URL, url);
	curl_easy_setopt(sv->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(sv->curl, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(sv->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(sv->curl, CURLOPT_POSTFIELDSIZE,
				 (long)body_len);
	} else {
		curl_easy_setopt(sv->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(sv->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(sv->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(sv->curl, CURLOPT_WRITEDATA, out);
	CURLcode rc = curl_easy_perform(sv->curl);
	curl_easy_getinfo(sv->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "%s %s %s: %s\n", sv->name, method, path,
			curl_easy_strerror(rc));
		return -1;
	}
	return code;
}

static void srv_init(struct srv *sv, const char *name, bool radicale)
{
	memset(sv, 0, sizeof(*sv));
	sv->name = name;
	sv->radicale = radicale;
	sv->curl = curl_easy_init();
	curl_easy_setopt(sv->curl, CURLOPT_USERNAME, BENCH_USER);
	curl_easy_setopt(sv->curl, CURLOPT_PASSWORD, BENCH_PASSWORD);
	curl_easy_setopt(sv->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(sv->curl, CURLOPT_USERAGENT, "bench-carddav");
}

/* Radicale: the process's utime + stime (exited threads included). */
static double stat_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the ")" closing the name: state is field 3, utime
	 * field 14, stime 15 */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	unsigned long long v[16] = {0};
	for (int field = 3; field <= 15 && *p != '\0'; field++) {
		while (*p == ' ')
			p++;
		v[field] = strtoull(p, &p, 10);
		if (field == 3) /* the state letter: skip it */
			while (*p != ' ' && *p != '\0')
				p++;
	}
	return (double)(v[14] + v[15]) / (double)sysconf(_SC_CLK_TCK);
}

static double srv_cpu(const struct srv *sv)
{
	if (!sv->radicale)
		return bench_server_cpu();
	/* the connection's thread finishes after the last byte */
	usleep(100000);
	return stat_cpu(sv->pid);
}

/* benchlib's /proc readers follow bench_server_pid */
static void measure_begin(const struct srv *sv, double *cpu0, uint64_t *t0)
{
	bench_server_pid = sv->pid;
	bench_reset_peak();
	*cpu0 = srv_cpu(sv);
	*t0 = ob_now_us();
}

static void measure_end(const struct srv *sv, double cpu0, uint64_t t0,
			struct fig *f)
{
	f->wall = (double)(ob_now_us() - t0) / 1e6;
	f->cpu = srv_cpu(sv) - cpu0;
	bench_server_pid = sv->pid;
	f->rss_kb = bench_server_kb("VmHWM:");
}

/* ---- reading answers --------------------------------------------------- */

static long count_str(const char *s, size_t len, const char *needle)
{
	size_t nl = strlen(needle);
	long n = 0;
	for (const char *p = s, *end = s + len;
	     (p = memmem(p, (size_t)(end - p), needle, nl)) != NULL; p += nl)
		n++;
	return n;
}

/* The next element whose local name is name at or after *pos: its text
 * in [*s, *s + *len), *pos moved past it. False when there is none. */
static bool next_text(const char *body, size_t blen, size_t *pos,
		      const char *name, const char **s, size_t *len)
{
	size_t nl = strlen(name);
	const char *end = body + blen;
	for (const char *p = body + *pos;
	     (p = memchr(p, '<', (size_t)(end - p))) != NULL;) {
		p++;
		if (p >= end || *p == '/' || *p == '?' || *p == '!')
			continue;
		const char *q = p;
		while (q < end && strchr(" \t\r\n/>", *q) == NULL)
			q++;
		const char *local = q;
		while (local > p && local[-1] != ':')
			local--;
		if ((size_t)(q - local) != nl || memcmp(local, name, nl) != 0)
			continue;
		const char *gt = memchr(q, '>', (size_t)(end - q));
		if (gt == NULL)
			return false;
		if (gt[-1] == '/') { /* empty element */
			*s = gt;
			*len = 0;
		} else {
			const char *lt = memchr(gt, '<', (size_t)(end - gt));
			if (lt == NULL)
				return false;
			*s = gt + 1;
			*len = (size_t)(lt - gt - 1);
		}
		*pos = (size_t)(*s + *len - body);
		return true;
	}
	return false;
}

/* the last sync-token of the answer into sv->token */
static bool take_token(struct srv *sv, const struct ob_buf *b)
{
	size_t pos = 0, len = 0;
	const char *s = NULL;
	bool found = false;
	while (next_text(b->data, b->len, &pos, "sync-token", &s, &len)) {
		if (len > 0 && len < sizeof(sv->token)) {
			memcpy(sv->token, s, len);
			sv->token[len] = '\0';
			found = true;
		}
	}
	return found;
}

/* ---- the requests ------------------------------------------------------- */

static const char *const SYNC_FMT =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:sync-collection xmlns:D=\"DAV:\" "
	"xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
	"<D:sync-token>%s</D:sync-token><D:sync-level>1</D:sync-level>%s"
	"<D:prop><D:getetag/><C:address-data/></D:prop>"
	"</D:sync-collection>";

/* sync-collection from sv->token (limit 0: none), following
 * continuation tokens when limited; adds to f */
static void sync_collection(struct srv *sv, int limit, struct fig *f)
{
	char body[2048], lim[96] = "";
	struct ob_buf out;

	ob_buf_init(&out, BOOK_CAP);
	if (limit > 0)
		snprintf(lim, sizeof(lim),
			 "<D:limit><D:nresults>%d</D:nresults></D:limit>",
			 limit);
	for (;;) {
		int n = snprintf(body, sizeof(body), SYNC_FMT, sv->token, lim);
		long code = request(sv, "REPORT", sv->book, "0", body,
				    (size_t)n, &out);
		f->pages++;
		f->bytes += out.len;
		if (code != 207 || !take_token(sv, &out)) {
			fprintf(stderr,
				"%s sync-collection: HTTP %ld\n%.300s\n",
				sv->name, code, out.data ? out.data : "");
			f->failed = true;
			break;
		}
		f->items += count_str(out.data, out.len, "END:VCARD");
		bool more =
			memmem(out.data, out.len,
			       "number-of-matches-within-limits", 31) != NULL;
		if (!more)
			break;
		if (limit == 0) {
			fprintf(stderr, "%s: truncated without DAV:limit\n",
				sv->name);
			f->failed = true;
			break;
		}
	}
	ob_buf_deinit(&out);
}

/* PROPFIND Depth 1 getetag: the members' hrefs into hrefs (a multiget
 * body's <href> elements) */
static void propfind(struct srv *sv, struct ob_buf *hrefs, struct fig *f)
{
	static const char body[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/>"
		"<D:resourcetype/></D:prop></D:propfind>";
	struct ob_buf out;
	size_t pos = 0, len;
	const char *s;

	ob_buf_init(&out, BOOK_CAP);
	long code = request(sv, "PROPFIND", sv->book, "1", body,
			    sizeof(body) - 1, &out);
	f->pages++;
	f->bytes += out.len;
	f->failed |= code != 207;
	while (next_text(out.data, out.len, &pos, "href", &s, &len)) {
		if (len < 4 || memcmp(s + len - 4, ".vcf", 4) != 0)
			continue;
		f->items++;
		ob_buf_add_str(hrefs, "<href>");
		ob_buf_add(hrefs, s, len);
		ob_buf_add_str(hrefs, "</href>");
	}
	ob_buf_deinit(&out);
}

static void multiget(struct srv *sv, const struct ob_buf *hrefs, struct fig *f)
{
	struct ob_buf body, out;

	ob_buf_init(&body, BOOK_CAP);
	ob_buf_init(&out, BOOK_CAP);
	ob_buf_add_str(&body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			      "<C:addressbook-multiget xmlns=\"DAV:\" "
			      "xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
			      "<prop><getetag/><C:address-data/></prop>");
	ob_buf_add(&body, hrefs->data, hrefs->len);
	ob_buf_add_str(&body, "</C:addressbook-multiget>");
	long code =
		request(sv, "REPORT", sv->book, "1", body.data, body.len, &out);
	f->pages++;
	f->bytes += out.len;
	if (code != 207) {
		fprintf(stderr, "%s multiget of %zu body bytes: HTTP %ld\n",
			sv->name, body.len, code);
		f->failed = true;
	}
	f->items += count_str(out.data, out.len, "END:VCARD");
	ob_buf_deinit(&body);
	ob_buf_deinit(&out);
}

/* ---- the table ----------------------------------------------------------- */

struct row {
	const char *server;
	int people;
	char op[64];
	char note[96];
	struct fig f;
};

static struct row rows[128];
static int n_rows;

static void add_row(const struct srv *sv, int people, const char *op,
		    const struct fig *f, const char *note)
{
	if (n_rows == (int)(sizeof(rows) / sizeof(rows[0])))
		return;
	struct row *r = &rows[n_rows++];
	r->server = sv->name;
	r->people = people;
	ob_strlcpy(r->op, op, sizeof(r->op));
	ob_strlcpy(r->note, note, sizeof(r->note));
	r->f = *f;
	if (r->f.runs == 0) {
		r->f.cpu_sum = f->cpu;
		r->f.runs = 1;
	}
	fprintf(stderr, "  %s %d %s: %.4f s, CPU %.4f s, %ld items%s\n",
		sv->name, people, op, f->wall, f->cpu, f->items,
		f->failed ? " FAILED" : "");
}

static double mean_cpu(const struct row *r)
{
	return r->f.cpu_sum / r->f.runs;
}

static void print_table(void)
{
	printf("%-8s %7s %-34s %10s %10s %7s %10s %7s %7s  %s\n", "server",
	       "people", "operation", "wall ms", "CPU ms", "RSS MB", "bytes",
	       "items", "R/O CPU", "");
	for (int i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		char ratio[16] = "";
		for (int j = 0; j < n_rows && strcmp(r->server, "orgbook") == 0;
		     j++) {
			const struct row *o = &rows[j];
			if (strcmp(o->server, "radicale") == 0 &&
			    o->people == r->people &&
			    strcmp(o->op, r->op) == 0 && mean_cpu(r) > 0 &&
			    !o->f.failed && !r->f.failed)
				snprintf(ratio, sizeof(ratio), "%.0fx",
					 mean_cpu(o) / mean_cpu(r));
		}
		double cpu = strcmp(r->server, "radicale") == 0 ? mean_cpu(r)
								: r->f.cpu;
		printf("%-8s %7d %-34s %10.3f %10.3f %7.1f %10zu %7ld %7s  "
		       "%s%s\n",
		       r->server, r->people, r->op, r->f.wall * 1e3, cpu * 1e3,
		       (double)r->f.rss_kb / 1024.0, r->f.bytes, r->f.items,
		       ratio, r->f.failed ? "FAILED " : "", r->note);
	}
}

/* the best (least CPU, least wall) of runs; the largest peak RSS */
static void best(struct fig *b, const struct fig *f, int k)
{
	if (k == 0) {
		*b = *f;
		b->cpu_sum = f->cpu;
		b->runs = 1;
		return;
	}
	b->cpu_sum += f->cpu;
	b->runs++;
	if (f->cpu < b->cpu)
		b->cpu = f->cpu;
	if (f->wall < b->wall)
		b->wall = f->wall;
	if (f->rss_kb > b->rss_kb)
		b->rss_kb = f->rss_kb;
	b->failed |= f->failed;
}

/* ---- the runs on one server ---------------------------------------------- */

static void radicale_change_ten(const char *coll, int people, int round);

/* The runs on one started server holding people (s: Orgbook's store for
 * the changes, NULL for Radicale; coll: Radicale's collection folder). */
static void runs(struct srv *sv, int people, struct dstore *s, int64_t t,
		 const char *coll)
{
	struct fig f, b;
	double cpu0;
	uint64_t t0;
	/* Radicale: three runs each, one above 10,000 people */
	int tries = !sv->radicale ? 5 : people > 10000 ? 1 : 3;
	char note[96];

	if (sv->radicale) {
		/* the first request on fresh storage builds the item cache */
		memset(&f, 0, sizeof(f));
		sv->token[0] = '\0';
		measure_begin(sv, &cpu0, &t0);
		sync_collection(sv, 0, &f);
		measure_end(sv, cpu0, t0, &f);
		f.failed |= f.items != people;
		add_row(sv, people, "first sync, cold cache (builds it)", &f,
			"once");
	}
	/* a phone's first sync, whole book */
	for (int k = 0; k < tries; k++) {
		memset(&f, 0, sizeof(f));
		sv->token[0] = '\0';
		measure_begin(sv, &cpu0, &t0);
		sync_collection(sv, 0, &f);
		measure_end(sv, cpu0, t0, &f);
		f.failed |= f.items != people;
		best(&b, &f, k);
	}
	snprintf(note, sizeof(note), "best of %d", tries);
	add_row(sv, people, "first sync-collection, one answer", &b, note);
	/* paged with DAV:limit 1000 (Radicale has no DAV:limit) */
	if (!sv->radicale) {
		for (int k = 0; k < tries; k++) {
			memset(&f, 0, sizeof(f));
			sv->token[0] = '\0';
			measure_begin(sv, &cpu0, &t0);
			sync_collection(sv, 1000, &f);
			measure_end(sv, cpu0, t0, &f);
			f.failed |= f.items != people;
			best(&b, &f, k);
		}
		snprintf(note, sizeof(note), "%d pages, best of %d", b.pages,
			 tries);
		add_row(sv, people, "first sync-collection, limit 1000", &b,
			note);
	}
	/* Thunderbird's shape; not on Radicale above 10,000 people (its
	 * PROPFIND Depth 1 took 17 s CPU at 10,000 and 0.35 s at 1,000) */
	struct fig bp = {0}, bm = {0};
	long n_hrefs = 0;
	bool tb = !sv->radicale || people <= 10000;
	for (int k = 0; k < tries && tb; k++) {
		struct ob_buf hrefs;
		ob_buf_init(&hrefs, BOOK_CAP);
		memset(&f, 0, sizeof(f));
		measure_begin(sv, &cpu0, &t0);
		propfind(sv, &hrefs, &f);
		measure_end(sv, cpu0, t0, &f);
		f.failed |= f.items != people;
		n_hrefs = f.items;
		best(&bp, &f, k);
		memset(&f, 0, sizeof(f));
		measure_begin(sv, &cpu0, &t0);
		multiget(sv, &hrefs, &f);
		measure_end(sv, cpu0, t0, &f);
		f.failed |= f.items != people;
		best(&bm, &f, k);
		ob_buf_deinit(&hrefs);
	}
	if (tb) {
		snprintf(note, sizeof(note), "best of %d", tries);
		add_row(sv, people, "PROPFIND Depth 1 getetag", &bp, note);
		snprintf(note, sizeof(note),
			 "%ld hrefs in one request, best of %d", n_hrefs,
			 tries);
		add_row(sv, people, "then addressbook-multiget of all", &bm,
			note);
	}
	/* the token the deltas start from */
	memset(&f, 0, sizeof(f));
	sv->token[0] = '\0';
	sync_collection(sv, 0, &f);
	/* a 10-change delta and an unchanged poll, best of 5 each */
	for (int changes = 1; changes >= 0; changes--) {
		long items_bad = 0;
		for (int k = 0; k < 5; k++) {
			if (changes && s != NULL)
				bench_change_ten(s, t, people, 1 + k);
			else if (changes)
				radicale_change_ten(coll, people, 1 + k);
			memset(&f, 0, sizeof(f));
			measure_begin(sv, &cpu0, &t0);
			sync_collection(sv, 0, &f);
			measure_end(sv, cpu0, t0, &f);
			if (f.items != (changes ? 10 : 0))
				items_bad = f.items;
			f.failed |= f.items != (changes ? 10 : 0);
			best(&b, &f, k);
		}
		snprintf(note, sizeof(note), "best of 5%s",
			 b.failed ? ", wrong count" : "");
		if (b.failed)
			fprintf(stderr, "%s: %ld items\n", sv->name, items_bad);
		add_row(sv, people,
			changes ? "10-change delta" : "unchanged poll", &b,
			note);
	}
}

/* ---- Radicale ------------------------------------------------------------- */

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The book's GET (one .vcf of every card) split into coll/UID.vcf. */
static int split_cards(const struct ob_buf *vcf, const char *coll)
{
	const char *p = vcf->data, *end = vcf->data + vcf->len;
	char path[1024];
	int n = 0;

	while ((p = memmem(p, (size_t)(end - p), "BEGIN:VCARD", 11)) != NULL) {
		const char *e = memmem(p, (size_t)(end - p), "END:VCARD", 9);
		if (e == NULL)
			break;
		e += 9;
		if (e + 2 <= end && e[0] == '\r' && e[1] == '\n')
			e += 2;
		const char *u = memmem(p, (size_t)(e - p), "\nUID:", 5);
		if (u == NULL)
			break;
		u += 5;
		size_t ul = strcspn(u, "\r\n");
		snprintf(path, sizeof(path), "%s/%.*s.vcf", coll, (int)ul, u);
		write_file(path, p, (size_t)(e - p));
		n++;
		p = e;
	}
	return n;
}

/* The same people as bench_change_ten: their TITLE rewritten on disk. */
static void radicale_change_ten(const char *coll, int people, int round)
{
	char path[1024];
	struct ob_buf in, out;

	ob_buf_init(&in, 1u << 20);
	ob_buf_init(&out, 1u << 20);
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/p%07d.vcf", coll,
			 (i * 7919 + round * 104729) % people);
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			perror(path);
			continue;
		}
		char chunk[4096];
		size_t n;
		ob_buf_reset(&in);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			ob_buf_add(&in, chunk, n);
		fclose(f);
		ob_buf_add_char(&in, '\0');
		const char *ti = strstr(in.data, "\nTITLE:");
		ob_buf_reset(&out);
		if (ti == NULL) {
			const char *e = strstr(in.data, "END:VCARD");
			if (e == NULL)
				continue;
			ob_buf_add(&out, in.data, (size_t)(e - in.data));
			ob_buf_addf(&out, "TITLE:Title %d.%d\r\n%s", round, i,
				    e);
		} else {
			ti += 7;
			ob_buf_add(&out, in.data, (size_t)(ti - in.data));
			ob_buf_addf(&out, "Title %d.%d", round, i);
			ob_buf_add_str(&out, ti + strcspn(ti, "\r\n"));
		}
		write_file(path, out.data, out.len);
	}
	ob_buf_deinit(&in);
	ob_buf_deinit(&out);
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Radicale on a fresh folder dir/radicale-N holding cards; false when it
 * does not start. */
static bool radicale_run(const char *bin, const char *dir, int people,
			 const struct ob_buf *cards)
{
	char root[600], coll[700], cfg[700], log[700], cmd[800];
	int port = free_port();
	struct srv sv;

	snprintf(root, sizeof(root), "%s/radicale-%d", dir, people);
	snprintf(coll, sizeof(coll), "%s/collection-root/%s/all", root,
		 BENCH_USER);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", coll);
	if (system(cmd) != 0)
		return false;
	static const char props[] = "{\"D:displayname\": \"all\", "
				    "\"tag\": \"VADDRESSBOOK\"}";
	snprintf(cfg, sizeof(cfg), "%s/.Radicale.props", coll);
	write_file(cfg, props, sizeof(props) - 1);
	int n = split_cards(cards, coll);
	if (n != people) {
		fprintf(stderr, "radicale: %d cards of %d\n", n, people);
		return false;
	}
	struct ob_buf c;
	ob_buf_init(&c, 1u << 16);
	ob_buf_addf(&c,
		    "[server]\nhosts = 127.0.0.1:%d\n[auth]\ntype = none\n"
		    "[rights]\ntype = owner_only\n[storage]\n"
		    "filesystem_folder = %s\n[web]\ntype = none\n"
		    "[logging]\nlevel = warning\n",
		    port, root);
	snprintf(cfg, sizeof(cfg), "%s/config", root);
	write_file(cfg, c.data, c.len);
	ob_buf_deinit(&c);
	snprintf(log, sizeof(log), "%s/log", root);

	srv_init(&sv, "radicale", true);
	sv.pid = fork();
	if (sv.pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execlp(bin, "radicale", "--config", cfg, (char *)NULL);
		_exit(127);
	}
	bool up = false;
	for (int i = 0; i < 300 && !up; i++) {
		usleep(50000);
		up = port_open(port);
	}
	if (!up) {
		fprintf(stderr, "radicale did not start (see %s)\n", log);
		kill(sv.pid, SIGTERM);
		waitpid(sv.pid, NULL, 0);
		curl_easy_cleanup(sv.curl);
		return false;
	}
	snprintf(sv.base, sizeof(sv.base), "http://127.0.0.1:%d", port);
	snprintf(sv.book, sizeof(sv.book), "/%s/all/", BENCH_USER);
	runs(&sv, people, NULL, 0, coll);
	kill(sv.pid, SIGTERM);
	waitpid(sv.pid, NULL, 0);
	curl_easy_cleanup(sv.curl);
	return true;
}

/* ---- one size -------------------------------------------------------------- */

static void size_runs(const char *dir, int people, const char *radicale,
		      int radicale_max)
{
	char db[512], name[64];
	int64_t t;
	struct srv sv;
	struct ob_buf cards;

	fprintf(stderr, "%d people\n", people);
	snprintf(name, sizeof(name), "carddav-%d", people);
	bench_db(db, sizeof(db), dir, name);
	struct dstore *s = bench_make_store(db, people, &t);
	bench_start_server(db, dir);
	srv_init(&sv, "orgbook", false);
	sv.pid = bench_server_pid;
	/* bench_url is http://127.0.0.1:PORT/sync */
	const char *slash = strchr(bench_url + 7, '/');
	snprintf(sv.base, sizeof(sv.base), "%.*s",
		 slash ? (int)(slash - bench_url) : (int)strlen(bench_url),
		 bench_url);
	ob_strlcpy(sv.book, "/dav/books/all/", sizeof(sv.book));
	/* the cards, before any change, for Radicale; unmeasured, it also
	 * lets the threads that end after start-up end (their time would
	 * leave the sum of the threads' CPU) */
	ob_buf_init(&cards, BOOK_CAP);
	bool want_radicale = radicale != NULL && people <= radicale_max;
	if (request(&sv, "GET", sv.book, NULL, NULL, 0, &cards) != 200) {
		fprintf(stderr, "GET of the book failed\n");
		want_radicale = false;
	}
	usleep(300000);
	runs(&sv, people, s, t, NULL);
	bench_stop_server();
	dstore_close(&s);
	curl_easy_cleanup(sv.curl);
	if (want_radicale && !radicale_run(radicale, dir, people, &cards))
		fprintf(stderr, "no Radicale rows at %d people\n", people);
	ob_buf_deinit(&cards);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/orgbook-bench-carddav-XXXXXX";
	int big = argc > 1 ? atoi(argv[1]) : 100000;
	const char *radicale = getenv("BENCH_RADICALE");
	const char *rmax = getenv("BENCH_RADICALE_MAX");
	int radicale_max = rmax != NULL && *rmax != '\0' ? atoi(rmax) : 10000;
	const int sizes[] = {1000, 10000, 100000};

	if (radicale != NULL && *radicale == '\0')
		radicale = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (big < 10 || mkdtemp(dir) == NULL)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	bool only = argc > 2 && strcmp(argv[2], "only") == 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !only; i++)
		if (sizes[i] < big)
			size_runs(dir, sizes[i], radicale, radicale_max);
	size_runs(dir, big, radicale, radicale_max);
	printf("CardDAV over loopback (client: bench/bench-carddav.c); people "
	       "from bench_make_store (no photos)\n");
	if (radicale == NULL)
		printf("no Radicale rows: BENCH_RADICALE is not set\n");
	else
		printf("Radicale (%s) up to %d people. CPU: Orgbook's the "
		       "best of the runs, Radicale's their mean (10 ms\n"
		       "ticks, exact to one tick over the runs); R/O CPU: "
		       "Radicale's mean CPU over Orgbook's mean\n",
		       radicale, radicale_max);
	print_table();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	curl_global_cleanup();
	return 0;
}
