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
 * `bench-sync PEOPLE storm DEVICES HAPROXY-TEMPLATE` (make bench-cluster,
 * bench/bench-cluster.sh) plays the sync storm instead: DEVICES devices,
 * each with its own account (bench_make_accounts), are slow-synced four
 * at a time through haproxy to three instances (not timed; a failed one
 * is tried again), then for 1, 2 and 3 instances behind haproxy (fresh
 * instances for every row, so every row starts with empty password
 * caches) all of them fast-sync at once, one thread each, released
 * together: once with no change, once while the ten changes of a round
 * are committed one by one through the store over 0.8 of the first
 * storm's wall time. After that one every device syncs again (eight at a
 * time) and must have received each of the ten changed people at least
 * once across the two syncs ("lost" counts the devices that did not;
 * "dups" the Replace items received twice). A message answered 503 is
 * sent again after its Retry-After, as a phone does ("retries"); a sync
 * that still ends without 200 or with a transport error is "failed".
 * "reruns" counts the instances' logged reruns of a message after a
 * serialization conflict. Client CPU is this process's, changes thread
 * included. With OB_BENCH_DEBUG set, the devices that failed the check
 * are listed and the instances' logs copied to /tmp/storm-debug-*.log.
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
#include <sys/resource.h>
#include <time.h>
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
	char user[64]; /* its account (BENCH_USER unless a storm's own) */
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
	int retries;      /* messages sent again after a 503 */
	/* the LUIDs (Target) of the last session's Replace items, one a
	 * line */
	struct ob_buf replaced;
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

/* Tries of one message that is answered 503 (its first and resends). */
#define POST_TRIES 5

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
	curl_easy_setopt(c->curl, CURLOPT_URL, c->post_url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)dlen);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->reply);
	/* A 503 says when to come back (Retry-After): a phone waits that
	 * long and sends the message again, a few times. */
	CURLcode rc;
	long code = 0;
	for (int tries = 1;; tries++) {
		ob_buf_reset(&c->reply);
		rc = curl_easy_perform(c->curl);
		code = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		c->bytes_out += dlen;
		if (rc != CURLE_OK || code != 503 || tries >= POST_TRIES)
			break;
		curl_off_t after = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &after);
		c->retries++;
		sleep(after > 0 && after < 30 ? (unsigned)after : 1);
	}
	curl_slist_free_all(h);
	c->bytes_in += c->reply.len;
	c->messages++;
	ob_buf_deinit(&wb);
	if (rc != CURLE_OK || code != 200) {
		fprintf(stderr, "post: %s: curl %d http %ld\n", c->device,
			(int)rc, code);
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
		snprintf(raw, sizeof(raw), "%s:%s", c->user, BENCH_PASSWORD);
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
				ob_buf_addf(&c->replaced, "%s\n",
					    sml_node_text(i, "Item/Target/"
							     "LocURI"));
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
	ob_buf_reset(&c->replaced);
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
	ob_strlcpy(c->user, BENCH_USER, sizeof(c->user));
	c->wbxml = wbxml;
	c->man = "Orgbook";
	c->max_msg = 150000; /* SyncEvolution's default */
	c->curl = curl_easy_init();
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	ob_buf_init(&c->body, 64u << 20);
	ob_buf_init(&c->reply, 64u << 20);
	ob_buf_init(&c->maps, 64u << 20);
	ob_buf_init(&c->replaced, 1u << 20);
}

static void client_deinit(struct client *c)
{
	curl_easy_cleanup(c->curl);
	ob_buf_deinit(&c->body);
	ob_buf_deinit(&c->reply);
	ob_buf_deinit(&c->maps);
	ob_buf_deinit(&c->replaced);
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

/* ---- the storm: devices with their own accounts through haproxy ------- */

/* Instances of the storm rows: 1, 2, then 3 (2 cores here). */
#define STORM_MAX_INSTANCES 3

struct storm_dev {
	struct client c;
	int ret;
	uint64_t us; /* the session's wall time */
	int items;   /* adds, replaces, deletes received in it */
};

struct storm {
	struct storm_dev *d;
	int devices, alert, next; /* next: the pool's next device */
	pthread_barrier_t go;     /* the storm's threads and the bench */
};

static void storm_one(struct storm_dev *x, int alert)
{
	uint64_t t0 = ob_now_us();
	x->ret = session(&x->c, alert);
	x->us = ob_now_us() - t0;
	x->items = x->c.adds + x->c.replaces + x->c.deletes;
}

/* A pool thread: the next device not yet synced, until none is left. */
static void *storm_pool(void *arg)
{
	struct storm *st = arg;
	for (int i; (i = __atomic_fetch_add(&st->next, 1, __ATOMIC_RELAXED)) <
		    st->devices;)
		storm_one(&st->d[i], st->alert);
	return NULL;
}

/* Every device once, on `threads` threads (not timed). */
static void storm_pass(struct storm *st, int alert, int threads)
{
	pthread_t th[16];

	st->alert = alert;
	st->next = 0;
	for (int k = 0; k < threads; k++)
		pthread_create(&th[k], NULL, storm_pool, st);
	for (int k = 0; k < threads; k++)
		pthread_join(th[k], NULL);
}

struct storm_arg {
	struct storm *st;
	int i;
};

static void *storm_thread(void *arg)
{
	struct storm_arg *a = arg;
	pthread_barrier_wait(&a->st->go);
	storm_one(&a->st->d[a->i], 200);
	return NULL;
}

/* The ten changes of one storm, committed one by one through the store
 * over `spread` seconds from the start. */
struct changer {
	struct storm *st;
	struct dstore *s;
	int64_t t;
	int people, round;
	double spread;
	uint64_t start_us, last_us; /* the storm's start, the last commit */
	int failed;
};

static void *change_thread(void *arg)
{
	struct changer *ch = arg;
	pthread_barrier_wait(&ch->st->go);
	ch->start_us = ob_now_us();
	for (int i = 0; i < 10; i++) {
		uint64_t at = ch->start_us +
			      (uint64_t)(ch->spread * 1e6 * (i + 0.5) / 10);
		uint64_t now = ob_now_us();
		if (at > now)
			usleep((useconds_t)(at - now));
		ch->failed += bench_change_one(ch->s, ch->t, ch->people,
					       ch->round, i) != 0;
	}
	ch->last_us = ob_now_us();
	return NULL;
}

/* The LUID lines of a and b together; with u, the distinct ones (u is
 * then rewritten to hold them). */
static int count_luids(struct ob_buf *a, const struct ob_buf *b,
		       struct ob_buf *u)
{
	struct ob_buf all, out;
	int n = 0;

	ob_buf_init(&all, 2u << 20);
	ob_buf_init(&out, 2u << 20);
	ob_buf_add(&all, a->data, a->len);
	ob_buf_add(&all, b->data, b->len);
	for (size_t at = 0; at < all.len;) {
		const char *line = all.data + at;
		size_t len = strcspn(line, "\n");
		bool seen = false;
		if (u != NULL)
			for (size_t o = 0; o < out.len && !seen;) {
				size_t ol = strcspn(out.data + o, "\n");
				seen = ol == len &&
				       memcmp(out.data + o, line, len) == 0;
				o += ol + 1;
			}
		if (!seen) {
			n++;
			ob_buf_add(&out, line, len + 1);
		}
		at += len + 1;
	}
	if (u != NULL) {
		ob_buf_reset(u);
		ob_buf_add(u, out.data, out.len);
	}
	ob_buf_deinit(&all);
	ob_buf_deinit(&out);
	return n;
}

/* Lines of path containing what (the instances' warnings). */
static int count_lines(const char *path, const char *what)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

static double cpu_self(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct storm_row {
	double wall, srv_cpu, client_cpu, hap_cpu;
	double p50, p99; /* ms */
	int failed, retries, bad, dups, during, conflicts;
};

/* One storm over n instances: every device fast-syncs at once through
 * haproxy; with changes, the ten changes of `round` are committed over
 * `spread` seconds of it, and a sync of every device afterwards must
 * bring each device's items of the two to exactly ten. */
static void storm_run(struct storm *st, const char *dir, const char *tpl,
		      const char *db, struct dstore *s, int64_t t, int people,
		      int n, bool changes, int round, double spread,
		      struct storm_row *r)
{
	struct bench_server srv[STORM_MAX_INSTANCES];
	pthread_t *th = calloc((size_t)st->devices, sizeof(*th));
	struct storm_arg *args = calloc((size_t)st->devices, sizeof(*args));
	uint64_t *us = calloc((size_t)st->devices, sizeof(*us));
	pthread_attr_t attr;
	pthread_t cth;
	struct changer ch = {.st = st,
			     .s = s,
			     .t = t,
			     .people = people,
			     .round = round,
			     .spread = spread};
	int retries0 = 0, ok = 0;

	memset(r, 0, sizeof(*r));
	bench_start_servers(db, dir, n, srv);
	pid_t hap = bench_start_haproxy(tpl, dir, srv, n, bench_url,
					sizeof(bench_url));
	if (hap < 0) {
		bench_stop_servers(srv, n);
		exit(1);
	}
	for (int i = 0; i < st->devices; i++)
		retries0 += st->d[i].c.retries;
	pthread_barrier_init(&st->go, NULL,
			     (unsigned)st->devices + 1 + (changes ? 1 : 0));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512u << 10);
	for (int i = 0; i < st->devices; i++) {
		args[i] = (struct storm_arg){st, i};
		if (pthread_create(&th[i], &attr, storm_thread, &args[i]) !=
		    0) {
			fprintf(stderr, "cannot start device thread %d\n", i);
			bench_stop_pid(hap);
			bench_stop_servers(srv, n);
			exit(1);
		}
	}
	if (changes)
		pthread_create(&cth, &attr, change_thread, &ch);
	double cpu0 = bench_servers_cpu(srv, n), hcpu0 = bench_pid_cpu(hap);
	double ccpu0 = cpu_self();
	pthread_barrier_wait(&st->go);
	uint64_t t0 = ob_now_us();
	for (int i = 0; i < st->devices; i++)
		pthread_join(th[i], NULL);
	uint64_t t1 = ob_now_us();
	r->wall = (double)(t1 - t0) / 1e6;
	r->srv_cpu = bench_servers_cpu(srv, n) - cpu0;
	r->hap_cpu = bench_pid_cpu(hap) - hcpu0;
	r->client_cpu = cpu_self() - ccpu0;
	if (changes)
		pthread_join(cth, NULL);
	pthread_barrier_destroy(&st->go);
	pthread_attr_destroy(&attr);
	for (int i = 0; i < st->devices; i++) {
		struct storm_dev *x = &st->d[i];
		r->retries += x->c.retries;
		if (x->ret != 0) {
			r->failed++;
			continue;
		}
		us[ok++] = x->us;
	}
	r->retries -= retries0;
	qsort(us, (size_t)ok, sizeof(*us), cmp_u64);
	if (ok > 0) {
		r->p50 = (double)us[(ok - 1) / 2] / 1e3;
		r->p99 = (double)us[(size_t)((ok - 1) * 0.99)] / 1e3;
	}
	/* the changes committed before the storm's last sync ended */
	if (changes) {
		r->during = ch.last_us <= t1 ? 10 - ch.failed : 0;
		if (ch.last_us > t1)
			for (int i = 0; i < 10; i++)
				r->during +=
					ch.start_us +
						(uint64_t)(spread * 1e6 *
							   (i + 0.5) / 10) <
					t1;
	}
	/* what each device received in the storm; with changes, the next
	 * sync of each device brings the rest */
	struct ob_buf *got = calloc((size_t)st->devices, sizeof(*got));
	for (int i = 0; i < st->devices; i++) {
		ob_buf_init(&got[i], 1u << 20);
		ob_buf_add(&got[i], st->d[i].c.replaced.data,
			   st->d[i].c.replaced.len);
		r->bad += !changes && st->d[i].items != 0;
	}
	if (changes) {
		storm_pass(st, 200, 8);
		for (int i = 0; i < st->devices; i++) {
			struct storm_dev *x = &st->d[i];
			int all = count_luids(&got[i], &x->c.replaced, NULL);
			int distinct =
				count_luids(&got[i], &x->c.replaced, &got[i]);
			bool bad = x->ret != 0 || distinct != 10 ||
				   x->c.adds + x->c.deletes != 0;
			if (bad && getenv("OB_BENCH_DEBUG"))
				fprintf(stderr,
					"%s: %d + %d items, %d people\n",
					x->c.device, x->items, distinct,
					x->ret);
			r->bad += bad;
			r->dups += all - distinct;
		}
	}
	for (int i = 0; i < st->devices; i++)
		ob_buf_deinit(&got[i]);
	free(got);
	bench_stop_pid(hap);
	bench_stop_servers(srv, n);
	for (int k = 0; k < n; k++) {
		char log[512], cmd[1200];
		snprintf(log, sizeof(log), "%s/server%d.log", dir, k + 1);
		snprintf(cmd, sizeof(cmd),
			 "cp '%s' /tmp/storm-debug-%d-%d-s%d.log", log, n,
			 changes, k + 1);
		if (getenv("OB_BENCH_DEBUG") && system(cmd) != 0)
			fprintf(stderr, "%s failed\n", cmd);
		r->conflicts += count_lines(log, "a conflict with another");
	}
	free(us);
	free(args);
	free(th);
}

/* The CPU time of one login the password cache does not know: the
 * bench's own dstore_account_verify of a fresh account (a yescrypt
 * check), the least of five (this thread's CPU clock: a busy machine
 * stretches the wall time, not this). */
static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double yescrypt_ms(struct dstore *s, int devices)
{
	struct ob_err err;
	struct dstore_account a;
	char login[64];
	double best = 1e9;

	for (int i = 0; i < 5 && i < devices; i++) {
		bench_login(login, sizeof(login), i);
		double c0 = thread_cpu_ms();
		if (dstore_account_verify(s, login, BENCH_PASSWORD, &a, &err) !=
		    0) {
			fprintf(stderr, "verify %s: %s\n", login, err.msg);
			exit(1);
		}
		double ms = thread_cpu_ms() - c0;
		if (ms < best)
			best = ms;
	}
	return best;
}

static void storm_runs(const char *dir, int people, int devices,
		       const char *tpl)
{
	char db[512], dev[32];
	int64_t t;
	struct storm st = {.devices = devices};
	struct storm_row r;

	bench_db(db, sizeof(db), dir, "storm");
	struct dstore *s = bench_make_store(db, people, &t);
	uint64_t t0 = ob_now_ms();
	bench_make_accounts(s, t, devices);
	double yms = yescrypt_ms(s, devices);
	fprintf(stderr, "storm: %d accounts in %.1f s, a login %.1f ms\n",
		devices, (double)(ob_now_ms() - t0) / 1e3, yms);
	st.d = calloc((size_t)devices, sizeof(*st.d));
	for (int i = 0; i < devices; i++) {
		snprintf(dev, sizeof(dev), "storm-%05d", i);
		client_init(&st.d[i].c, dev, true);
		bench_login(st.d[i].c.user, sizeof(st.d[i].c.user), i);
	}
	/* the slow syncs, four at a time over three instances (not timed) */
	{
		struct bench_server srv[STORM_MAX_INSTANCES];
		bench_start_servers(db, dir, STORM_MAX_INSTANCES, srv);
		pid_t hap =
			bench_start_haproxy(tpl, dir, srv, STORM_MAX_INSTANCES,
					    bench_url, sizeof(bench_url));
		if (hap < 0) {
			bench_stop_servers(srv, STORM_MAX_INSTANCES);
			exit(1);
		}
		t0 = ob_now_ms();
		storm_pass(&st, 201, 4);
		/* a slow sync that failed is tried again, at most twice,
		 * one device at a time */
		int bad = 0, again = 0;
		for (int i = 0; i < devices; i++) {
			struct storm_dev *x = &st.d[i];
			for (int k = 0;
			     k < 2 && (x->ret != 0 || x->items != people);
			     k++) {
				again++;
				storm_one(x, 201);
			}
			bad += x->ret != 0 || x->items != people;
		}
		fprintf(stderr,
			"storm: %d slow syncs in %.1f s, %d failed and were "
			"tried again, %d failed for good\n",
			devices, (double)(ob_now_ms() - t0) / 1e3, again, bad);
		bench_stop_pid(hap);
		bench_stop_servers(srv, STORM_MAX_INSTANCES);
		if (bad > 0) {
			any_failed = true;
			printf("slow syncs before the storm FAILED (%d)\n",
			       bad);
			return;
		}
	}
	printf("%d devices, each its own account, fast-syncing at once through "
	       "haproxy (round robin) to 1-%d orgbook-server instances on one "
	       "PostgreSQL;\n%d people; this machine's %ld cores are shared by "
	       "the instances, haproxy, PostgreSQL and the client. A login "
	       "not in an instance's\npassword cache (128 entries) is one "
	       "yescrypt check, %.1f ms here; \"auth %%\" = logins x that / "
	       "server CPU.\n",
	       devices, STORM_MAX_INSTANCES, people,
	       sysconf(_SC_NPROCESSORS_ONLN), yms);
	printf("%9s %10s %7s %7s %7s %7s %7s %6s %7s %7s %7s %7s %6s %6s "
	       "%5s %5s\n",
	       "instances", "changes", "devices", "wall s", "syncs/s", "p50 ms",
	       "p99 ms", "failed", "retries", "srv CPU", "cli CPU", "hap CPU",
	       "auth %", "reruns", "lost", "dups");
	for (int n = 1; n <= STORM_MAX_INSTANCES; n++) {
		double quiet_wall = 0;
		for (int changes = 0; changes <= 1; changes++) {
			storm_run(&st, dir, tpl, db, s, t, people, n, changes,
				  1000 + n, quiet_wall * 0.8, &r);
			if (!changes)
				quiet_wall = r.wall;
			char ch[16];
			snprintf(ch, sizeof(ch), "%s", changes ? "10" : "0");
			if (changes && r.during < 10)
				snprintf(ch, sizeof(ch), "10 (%d in)",
					 r.during);
			printf("%9d %10s %7d %7.2f %7.1f %7.1f %7.1f %6d %7d "
			       "%7.2f %7.2f %7.2f %6.0f %6d %5d %5d\n",
			       n, ch, devices, r.wall,
			       (devices - r.failed) / r.wall, r.p50, r.p99,
			       r.failed, r.retries, r.srv_cpu, r.client_cpu,
			       r.hap_cpu,
			       r.srv_cpu > 0
				       ? 100.0 * devices * yms / 1e3 / r.srv_cpu
				       : 0,
			       r.conflicts, r.bad, r.dups);
			fflush(stdout);
			any_failed |= r.failed > 0 || r.bad > 0;
		}
	}
	for (int i = 0; i < devices; i++)
		client_deinit(&st.d[i].c);
	free(st.d);
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
	bool storm = argc > 4 && strcmp(argv[2], "storm") == 0;
	if (!storm) {
		printf("orgbook-server over loopback (client: "
		       "bench/bench-sync.c)\n");
		printf("%-44s %9s %9s %8s  %s\n", "run", "wall s", "srv CPU s",
		       "RSS MB", "");
	}
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
	} else if (storm) {
		/* make bench-cluster (bench/bench-cluster.sh) */
		char *end;
		long devices = strtol(argv[3], &end, 10);
		if (*end != '\0' || devices < 1 || devices > 10000 ||
		    big < 10) {
			fprintf(stderr, "usage: bench-sync PEOPLE (10 or more) "
					"storm DEVICES (1-10000) "
					"HAPROXY-TEMPLATE\n");
			rmdir(dir);
			return 2;
		}
		storm_runs(dir, big, (int)devices, argv[4]);
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
