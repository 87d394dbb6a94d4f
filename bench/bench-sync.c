/* Benchmark: orgbook-server over loopback (make bench).
 *
 * Builds a directory in a temporary store, starts the real orgbook-server
 * on it and plays SyncML sessions with a client written for the
 * benchmark (libcurl + lib/syncml; it keeps only counts, ids and anchors).
 * Measured from outside the server: its CPU time (/proc/PID/stat) and its
 * peak RSS (VmHWM, reset between runs through /proc/PID/clear_refs).
 *   1. slow sync of 10,000 and 100,000 people, XML, WBXML with and
 *      without a string table, each the best of three devices: wall,
 *      server CPU, peak RSS, bytes received against the raw vCard bytes;
 *   2. fast sync with 10 changes at 1,000 and 100,000 people; a sync with
 *      no change;
 *   3. 200 devices fast-syncing at once (after their slow syncs).
 * Prints a table; asserts nothing about time (see README). With a
 * second argument "slow", runs only the slow syncs of N, one device each
 * (for profiling).
 *
 * With OB_BENCH_DUMP=DIR (an existing directory) it plays a fixed,
 * sequential set instead, for tests/wire/test-wire.sh: the slow syncs of
 * N people (default 400), one device each, then the fast runs at N (a
 * slow sync, five fast syncs with ten changes each, five with none); no
 * concurrent run. Every reply body the server sends back is written, as
 * received and in order, to DIR/SSS-DEVICE-MM.xml or .wbxml (SSS the
 * session, MM the message within it). The directory holds no random
 * state (bench_make_store: names, units and numbers from each person's
 * index, no photos) and is imported in one transaction, so every card has
 * the same REV and the WBXML string table the same layout; the replies
 * differ between runs only in ports, session tokens, anchor times and REV
 * (the normalisation test-wire.sh applies).
 * Needs
 * ORGBOOK_SERVER (default ./server/orgbook-server). */
#include "config.h"

#include <curl/curl.h>
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirstore/dirstore.h"
#include "syncml/encode.h"
#include "syncml/msg.h"
#include "syncml/wbxml.h"
#include "syncml/writer.h"
#include "syncml/xml.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/str.h"
#include "bench/benchlib.h"

/* ---- the client -------------------------------------------------------- */

struct client {
	char device[64];
	bool wbxml;
	const char *man; /* DevInf Man: Orgbook's own clients get WBXML
			    string tables, a phone of another make none */
	size_t max_msg;
	char last[32], next[32];
	int anchor;
	CURL *curl;
	char post_url[512];
	uint64_t msg_id, cmd_id;
	struct ob_buf body, reply;
	uint64_t bytes_in, bytes_out, card_bytes;
	int adds, replaces, deletes, messages;
	struct sml_msg m;
	/* Map items of the last message's Adds, sent with the next one */
	struct ob_buf maps;
	int n_maps, next_luid;
	int dump_session; /* its number in the dump, when dumping */
};

/* OB_BENCH_DUMP: where each reply goes, NULL when not dumping; the
 * sessions played so far (dump mode plays one session at a time). */
static const char *dump_dir;
static int dump_sessions;

/* Write the reply just received to dump_dir (see the header). */
static int dump_reply(const struct client *c)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%03d-%s-%02d.%s", dump_dir,
		 c->dump_session, c->device, c->messages,
		 c->wbxml ? "wbxml" : "xml");
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t w = fwrite(c->reply.data, 1, c->reply.len, f);
	if (fclose(f) != 0 || w != c->reply.len) {
		perror(path);
		return -1;
	}
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct ob_buf *b = ctx;
	return ob_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

static int post(struct client *c, const char *xml, size_t len)
{
	struct ob_buf wb;
	struct ob_err err;
	struct curl_slist *h = NULL;
	const char *data = xml;
	size_t dlen = len;

	ob_buf_init(&wb, 64u << 20);
	if (c->wbxml) {
		if (sml_wbxml_encode(xml, len, 0, &wb, &err) != 0) {
			fprintf(stderr, "encode: %s\n", err.msg);
			return -1;
		}
		data = wb.data;
		dlen = wb.len;
	}
	h = curl_slist_append(h, c->wbxml ? "Content-Type: "
					    "application/vnd.syncml+wbxml"
					  : "Content-Type: "
					    "application/vnd.syncml+xml");
	ob_buf_reset(&c->reply);
	curl_easy_setopt(c->curl, CURLOPT_URL, c->post_url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)dlen);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->reply);
	CURLcode rc = curl_easy_perform(c->curl);
	long code = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	c->bytes_out += dlen;
	c->bytes_in += c->reply.len;
	c->messages++;
	ob_buf_deinit(&wb);
	if (rc != CURLE_OK || code != 200) {
		fprintf(stderr, "post: curl %d http %ld\n", (int)rc, code);
		return -1;
	}
	if (dump_dir != NULL && dump_reply(c) != 0)
		return -1;
	if (c->reply.len > c->max_msg) {
		fprintf(stderr, "reply of %zu bytes over %zu\n", c->reply.len,
			c->max_msg);
		return -1;
	}
	struct sml_tree *t = NULL;
	struct sml_limits lim = {.tree_bytes = 256u << 20, .nodes = 2000000};
	sml_msg_deinit(&c->m);
	int ret = c->wbxml ? sml_wbxml_decode((unsigned char *)c->reply.data,
					      c->reply.len, &lim, &t, &err)
			   : sml_xml_parse(c->reply.data, c->reply.len, &lim,
					   &t, &err);
	if (ret == 0)
		ret = sml_msg_read(&t, &c->m, &err);
	if (ret != 0) {
		fprintf(stderr, "reply: %s\n", err.msg);
		sml_tree_free(&t);
		return -1;
	}
	const char *resp = sml_node_text(
		sml_node_child(sml_tree_root(c->m.tree), "SyncHdr"), "RespURI");
	if (*resp != '\0')
		ob_strlcpy(c->post_url, resp, sizeof(c->post_url));
	return 0;
}

static void begin(struct client *c, struct sml_writer *w, bool cred)
{
	char b64[128], raw[128];

	c->msg_id++;
	c->cmd_id = 0;
	sml_writer_init(w, 64u << 20);
	sml_writer_open(w, "SyncML", "SYNCML:SYNCML1.2");
	sml_writer_open(w, "SyncHdr", NULL);
	sml_writer_text(w, "VerDTD", "1.2");
	sml_writer_text(w, "VerProto", "SyncML/1.2");
	sml_writer_text(w, "SessionID", "1");
	sml_writer_uint(w, "MsgID", c->msg_id);
	sml_writer_open(w, "Target", NULL);
	sml_writer_text(w, "LocURI", bench_url);
	sml_writer_close(w);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", c->device);
	sml_writer_close(w);
	if (cred) {
		snprintf(raw, sizeof(raw), "%s:%s", BENCH_USER, BENCH_PASSWORD);
		ob_b64_encode((unsigned char *)raw, strlen(raw), b64,
			      sizeof(b64));
		sml_writer_open(w, "Cred", NULL);
		sml_writer_open(w, "Meta", NULL);
		sml_writer_text_ns(w, "Type", "syncml:metinf",
				   "syncml:auth-basic");
		sml_writer_close(w);
		sml_writer_text(w, "Data", b64);
		sml_writer_close(w);
	}
	char max[32];
	snprintf(max, sizeof(max), "%zu", c->max_msg);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "MaxMsgSize", "syncml:metinf", max);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_open(w, "SyncBody", NULL);
}

static void status(struct client *c, struct sml_writer *w, const char *cmdref,
		   const char *cmd, int code, const char *ref)
{
	sml_writer_open(w, "Status", NULL);
	sml_writer_uint(w, "CmdID", ++c->cmd_id);
	sml_writer_text(
		w, "MsgRef",
		sml_node_text(sml_tree_root(c->m.tree), "SyncHdr/MsgID"));
	sml_writer_text(w, "CmdRef", cmdref);
	sml_writer_text(w, "Cmd", cmd);
	if (ref != NULL)
		sml_writer_text(w, "SourceRef", ref);
	sml_writer_uint(w, "Data", (uint64_t)code);
	sml_writer_close(w);
}

static int finish(struct client *c, struct sml_writer *w, bool final)
{
	size_t len;
	if (final)
		sml_writer_empty(w, "Final");
	sml_writer_close(w);
	sml_writer_close(w);
	const char *x = sml_writer_data(w, &len);
	int ret = post(c, x, len);
	sml_writer_deinit(w);
	return ret;
}

/* Answer the server's items of the last reply: statuses, and map items
 * for its Adds (sent in this same message). */
static void answer_items(struct client *c, struct sml_writer *w)
{
	status(c, w, "0", "SyncHdr", 200, NULL);
	ob_buf_reset(&c->maps);
	c->n_maps = 0;
	for (const struct sml_node *n = c->m.body->first; n != NULL;
	     n = n->next) {
		if (strcmp(n->name, "Alert") == 0)
			status(c, w, sml_node_text(n, "CmdID"), "Alert", 200,
			       NULL);
		if (strcmp(n->name, "Sync") != 0)
			continue;
		status(c, w, sml_node_text(n, "CmdID"), "Sync", 200, NULL);
		for (const struct sml_node *i = n->first; i != NULL;
		     i = i->next) {
			const char *guid = sml_node_text(i, "Item/Source/"
							    "LocURI");
			const struct sml_node *d =
				sml_node_path(i, "Item/Data");
			if (d != NULL)
				c->card_bytes += d->len;
			if (strcmp(i->name, "Add") == 0) {
				c->adds++;
				status(c, w, sml_node_text(i, "CmdID"), "Add",
				       201, guid);
				ob_buf_addf(&c->maps,
					    "<MapItem><Target><LocURI>%s"
					    "</LocURI></Target><Source><LocURI>"
					    "%d</LocURI></Source></MapItem>",
					    guid, ++c->next_luid);
				c->n_maps++;
			} else if (strcmp(i->name, "Replace") == 0) {
				c->replaces++;
				status(c, w, sml_node_text(i, "CmdID"),
				       "Replace", 200, NULL);
			} else if (strcmp(i->name, "Delete") == 0) {
				c->deletes++;
				status(c, w, sml_node_text(i, "CmdID"),
				       "Delete", 200, NULL);
			}
		}
	}
	if (c->n_maps > 0) {
		sml_writer_open(w, "Map", NULL);
		sml_writer_uint(w, "CmdID", ++c->cmd_id);
		sml_writer_open(w, "Target", NULL);
		sml_writer_text(w, "LocURI", "contacts");
		sml_writer_close(w);
		sml_writer_open(w, "Source", NULL);
		sml_writer_text(w, "LocURI", "./contacts");
		sml_writer_close(w);
		sml_writer_raw(w, c->maps.data, c->maps.len);
		sml_writer_close(w);
	}
}

/* One session: slow (201) or two-way (200). Returns 0 on success. */
/* Package 1's DevInf, as a phone sends it: who made the client and that
 * it wants vCard 2.1. */
static void put_devinf(struct client *c, struct sml_writer *w)
{
	sml_writer_open(w, "Put", NULL);
	sml_writer_uint(w, "CmdID", ++c->cmd_id);
	sml_writer_open(w, "Meta", NULL);
	sml_writer_text_ns(w, "Type", "syncml:metinf",
			   "application/vnd.syncml-devinf+xml");
	sml_writer_close(w);
	sml_writer_open(w, "Item", NULL);
	sml_writer_open(w, "Source", NULL);
	sml_writer_text(w, "LocURI", "./devinf12");
	sml_writer_close(w);
	sml_writer_open(w, "Data", NULL);
	sml_writer_open(w, "DevInf", "syncml:devinf");
	sml_writer_text(w, "VerDTD", "1.2");
	sml_writer_text(w, "Man", c->man);
	sml_writer_text(w, "Mod", "bench-sync");
	sml_writer_text(w, "DevID", c->device);
	sml_writer_text(w, "DevTyp", "phone");
	sml_writer_open(w, "DataStore", NULL);
	sml_writer_text(w, "SourceRef", "./contacts");
	sml_writer_open(w, "Rx-Pref", NULL);
	sml_writer_text(w, "CTType", "text/x-vcard");
	sml_writer_text(w, "VerCT", "2.1");
	sml_writer_close(w);
	sml_writer_open(w, "Tx-Pref", NULL);
	sml_writer_text(w, "CTType", "text/x-vcard");
	sml_writer_text(w, "VerCT", "2.1");
	sml_writer_close(w);
	sml_writer_open(w, "SyncCap", NULL);
	sml_writer_text(w, "SyncType", "1");
	sml_writer_text(w, "SyncType", "2");
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
	sml_writer_close(w);
}

static int session(struct client *c, int alert)
{
	struct sml_writer w;

	c->msg_id = 0;
	c->adds = c->replaces = c->deletes = c->messages = 0;
	if (dump_dir != NULL)
		c->dump_session = ++dump_sessions;
	c->bytes_in = c->bytes_out = c->card_bytes = 0;
	ob_strlcpy(c->post_url, bench_url, sizeof(c->post_url));
	snprintf(c->next, sizeof(c->next), "%d", ++c->anchor);
	begin(c, &w, true);
	sml_writer_open(&w, "Alert", NULL);
	sml_writer_uint(&w, "CmdID", ++c->cmd_id);
	sml_writer_uint(&w, "Data", (uint64_t)alert);
	sml_writer_open(&w, "Item", NULL);
	sml_writer_open(&w, "Target", NULL);
	sml_writer_text(&w, "LocURI", "contacts");
	sml_writer_close(&w);
	sml_writer_open(&w, "Source", NULL);
	sml_writer_text(&w, "LocURI", "./contacts");
	sml_writer_close(&w);
	sml_writer_open(&w, "Meta", NULL);
	sml_writer_open(&w, "Anchor", "syncml:metinf");
	if (alert == 200)
		sml_writer_text(&w, "Last", c->last);
	sml_writer_text(&w, "Next", c->next);
	sml_writer_close(&w);
	sml_writer_close(&w);
	sml_writer_close(&w);
	sml_writer_close(&w);
	put_devinf(c, &w);
	if (finish(c, &w, true) != 0)
		return -1;
	/* package 3: an empty Sync */
	begin(c, &w, false);
	answer_items(c, &w);
	sml_writer_open(&w, "Sync", NULL);
	sml_writer_uint(&w, "CmdID", ++c->cmd_id);
	sml_writer_open(&w, "Target", NULL);
	sml_writer_text(&w, "LocURI", "contacts");
	sml_writer_close(&w);
	sml_writer_open(&w, "Source", NULL);
	sml_writer_text(&w, "LocURI", "./contacts");
	sml_writer_close(&w);
	sml_writer_close(&w);
	if (finish(c, &w, true) != 0)
		return -1;
	/* package 4 and 5 */
	for (;;) {
		bool final = c->m.final;
		begin(c, &w, false);
		answer_items(c, &w);
		if (!final) {
			sml_writer_open(&w, "Alert", NULL);
			sml_writer_uint(&w, "CmdID", ++c->cmd_id);
			sml_writer_uint(&w, "Data", 222);
			sml_writer_close(&w);
		}
		if (finish(c, &w, final) != 0)
			return -1;
		if (final)
			break;
	}
	ob_strlcpy(c->last, c->next, sizeof(c->last));
	return 0;
}

static void client_init(struct client *c, const char *device, bool wbxml)
{
	memset(c, 0, sizeof(*c));
	ob_strlcpy(c->device, device, sizeof(c->device));
	c->wbxml = wbxml;
	c->man = "Orgbook";
	c->max_msg = 150000; /* SyncEvolution's default */
	c->curl = curl_easy_init();
	ob_buf_init(&c->body, 64u << 20);
	ob_buf_init(&c->reply, 64u << 20);
	ob_buf_init(&c->maps, 64u << 20);
}

static void client_deinit(struct client *c)
{
	curl_easy_cleanup(c->curl);
	ob_buf_deinit(&c->body);
	ob_buf_deinit(&c->reply);
	ob_buf_deinit(&c->maps);
	sml_msg_deinit(&c->m);
}

/* ---- runs -------------------------------------------------------------- */

static void row(const char *what, double wall, double cpu, long rss,
		const char *extra)
{
	printf("%-44s %9.4f %9.4f %8ld  %s\n", what, wall, cpu, rss / 1024,
	       extra);
}

/* Devices per slow-sync row: three, one when profiling ("slow") or
 * dumping. */
static int slow_tries = 3;
/* Set by any run printed as FAILED (the exit status when dumping). */
static bool any_failed;

static void slow_runs(const char *dir, int people)
{
	char db[512], what[128], extra[160];
	int64_t t;
	struct dstore *s;

	snprintf(what, sizeof(what), "slow-%d", people);
	bench_db(db, sizeof(db), dir, what);
	s = bench_make_store(db, people, &t);
	dstore_close(&s);
	bench_start_server(db, dir);
	/* XML; WBXML to an Orgbook client (string table); WBXML to a phone
	 * of another make (none). Each the best of slow_tries devices (the
	 * least disturbed run of a shared machine; the three take turns so
	 * that none has all the first, colder runs), the largest peak RSS. */
	double best_cpu[3] = {0}, best_wall[3] = {0};
	long rss[3] = {0};
	bool failed[3] = {false};
	for (int k = 0; k < slow_tries; k++) {
		for (int run = 0; run < 3; run++) {
			struct client c;
			char dev[32];
			snprintf(dev, sizeof(dev), "slow-%d-%d", run, k);
			client_init(&c, dev, run > 0);
			if (run == 2)
				c.man = "Generic";
			bench_reset_peak();
			double cpu0 = bench_server_cpu();
			uint64_t t0 = ob_now_ms();
			int ret = session(&c, 201);
			double wall = (double)(ob_now_ms() - t0) / 1000.0;
			double cpu = bench_server_cpu() - cpu0;
			long kb = bench_server_kb("VmHWM:");
			failed[run] |= ret != 0 || c.adds != people;
			any_failed |= failed[run];
			if (k == 0 || cpu < best_cpu[run]) {
				best_cpu[run] = cpu;
				best_wall[run] = wall;
			}
			if (kb > rss[run])
				rss[run] = kb;
			if (k + 1 < slow_tries) {
				client_deinit(&c);
				continue;
			}
			snprintf(what, sizeof(what), "slow sync %d people, %s",
				 people,
				 run == 0   ? "XML"
				 : run == 1 ? "WBXML"
					    : "WBXML, no table");
			snprintf(extra, sizeof(extra),
				 "%s%d adds, %.1f MB in, %.2fx raw vCards, %d "
				 "msgs (best of %d)",
				 failed[run] ? "FAILED " : "", c.adds,
				 c.bytes_in / 1e6,
				 c.card_bytes
					 ? (double)c.bytes_in / c.card_bytes
					 : 0,
				 c.messages, slow_tries);
			row(what, best_wall[run], best_cpu[run], rss[run],
			    extra);
			client_deinit(&c);
		}
	}
	bench_stop_server();
}

static void fast_runs(const char *dir, int people)
{
	char db[512], what[128], extra[160];
	int64_t t;
	struct dstore *s;
	struct client c;

	snprintf(what, sizeof(what), "fast-%d", people);
	bench_db(db, sizeof(db), dir, what);
	s = bench_make_store(db, people, &t);
	bench_start_server(db, dir);
	client_init(&c, "fast", false);
	if (session(&c, 201) != 0) {
		printf("slow sync before the fast runs FAILED\n");
		any_failed = true;
	}
	for (int round = 1; round <= 2; round++) {
		bool changes = round == 1;
		if (changes)
			bench_change_ten(s, t, people, round);
		bench_reset_peak();
		double best_cpu = 1e9, best_wall = 1e9;
		int items = 0, ret = 0;
		for (int rep = 0; rep < 5; rep++) {
			if (changes && rep > 0)
				bench_change_ten(s, t, people,
						 round * 10 + rep);
			double cpu0 = bench_server_cpu();
			uint64_t t0 = ob_now_us();
			ret |= session(&c, 200);
			double wall = (double)(ob_now_us() - t0) / 1e6;
			double cpu = bench_server_cpu() - cpu0;
			if (wall < best_wall)
				best_wall = wall;
			if (cpu < best_cpu)
				best_cpu = cpu;
			items = c.adds + c.replaces + c.deletes;
		}
		snprintf(what, sizeof(what), "fast sync, %s, %d people",
			 changes ? "10 changes" : "no change", people);
		snprintf(extra, sizeof(extra), "%s%d items (best of 5)",
			 ret ? "FAILED " : "", items);
		any_failed |= ret != 0;
		row(what, best_wall, best_cpu, bench_server_kb("VmHWM:"),
		    extra);
	}
	client_deinit(&c);
	bench_stop_server();
	dstore_close(&s);
}

struct conc {
	struct client c;
	int ret;
};

static void *conc_run(void *arg)
{
	struct conc *x = arg;
	x->ret = session(&x->c, 200);
	return NULL;
}

static void concurrent_run(const char *dir, int people, int devices)
{
	char db[512], extra[160], dev[32];
	int64_t t;
	struct dstore *s;
	struct conc *x = calloc((size_t)devices, sizeof(*x));
	pthread_t *th = calloc((size_t)devices, sizeof(*th));

	bench_db(db, sizeof(db), dir, "conc");
	s = bench_make_store(db, people, &t);
	bench_start_server(db, dir);
	for (int i = 0; i < devices; i++) {
		snprintf(dev, sizeof(dev), "dev-%03d", i);
		client_init(&x[i].c, dev, i % 2);
		if (session(&x[i].c, 201) != 0)
			printf("slow sync of %s FAILED\n", dev);
	}
	bench_change_ten(s, t, people, 99);
	bench_reset_peak();
	double cpu0 = bench_server_cpu();
	uint64_t t0 = ob_now_ms();
	for (int i = 0; i < devices; i++)
		pthread_create(&th[i], NULL, conc_run, &x[i]);
	int failed = 0, items = 0;
	for (int i = 0; i < devices; i++) {
		pthread_join(th[i], NULL);
		failed += x[i].ret != 0;
		items += x[i].c.replaces;
	}
	double wall = (double)(ob_now_ms() - t0) / 1000.0;
	snprintf(extra, sizeof(extra), "%d failed, %d items received", failed,
		 items);
	char what[128];
	snprintf(what, sizeof(what), "%d devices fast-syncing at once",
		 devices);
	row(what, wall, bench_server_cpu() - cpu0, bench_server_kb("VmHWM:"),
	    extra);
	for (int i = 0; i < devices; i++)
		client_deinit(&x[i].c);
	free(x);
	free(th);
	bench_stop_server();
	dstore_close(&s);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/orgbook-bench-sync-XXXXXX";
	int big = argc > 1 ? atoi(argv[1]) : 100000;

	dump_dir = getenv("OB_BENCH_DUMP");
	if (dump_dir != NULL && *dump_dir == '\0')
		dump_dir = NULL;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 1;
	sml_xml_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	printf("orgbook-server over loopback (client: bench/bench-sync.c)\n");
	printf("%-44s %9s %9s %8s  %s\n", "run", "wall s", "srv CPU s",
	       "RSS MB", "");
	if (dump_dir != NULL) {
		/* sequential and fixed, for the wire test (see the header) */
		slow_tries = 1;
		slow_runs(dir, argc > 1 ? big : 400);
		fast_runs(dir, argc > 1 ? big : 400);
	} else if (argc > 2 && strcmp(argv[2], "store") == 0) {
		/* the back-end comparison (bench/bench-pg.sh): once each */
		slow_tries = 1;
		slow_runs(dir, big);
		fast_runs(dir, big);
		concurrent_run(dir, 1000, 200);
	} else if (argc > 2 && strcmp(argv[2], "slow") == 0) {
		slow_tries = 1;
		slow_runs(dir, big); /* for profiling: only these, once */
	} else {
		slow_runs(dir, 10000);
		slow_runs(dir, big);
		fast_runs(dir, 1000);
		fast_runs(dir, big);
		concurrent_run(dir, 1000, 200);
	}
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	curl_global_cleanup();
	return dump_dir != NULL && any_failed ? 1 : 0;
}
