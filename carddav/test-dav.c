/* Tests for the CardDAV handler (carddav/dav.h), called as the HTTP layer
 * calls it, on a store built here.
 *
 * 1. Discovery, properties, the refusal of every write, GET, multiget,
 *    query and the token errors, each answer checked element by element.
 * 2. A model-based run: random directory changes (adds, edits, deletes,
 *    hides, moves in and out of a unit, unit renames, pruning) and random
 *    client histories (fresh, fast sync with a random DAV:limit and
 *    changes between its pages, an answer lost as when the client is
 *    killed, a restore of an old copy, a token below the pruned horizon)
 *    on the whole directory and on a unit's book; after every sync that
 *    completes, the client holds exactly the book's members now, each
 *    with the ETag of its current revision and its card. Seeded:
 *    OB_TEST_SEED=N replays one run (the failing seed is printed);
 *    OB_TEST_STEPS sets the steps per run; under OB_VALGRIND fewer,
 *    shorter runs. */
#include "config.h"

#include "carddav/dav.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirstore/dirstore.h"
#include "syncml/tree.h"
#include "syncml/xml.h"
#include "util/str.h"

static struct dstore *store;
static int64_t acme, other, top_unit, deep_unit;
static struct dav_config cfg = {
	.max_photo = 4096,
	.unit_depth = 1,
	.max_response = 64u << 20,
};
static struct dav_http_response rs;

static void call_as(int64_t tenant, const char *method, const char *path,
		    const char *depth, const char *body)
{
	struct dav_http_request rq = {
		.method = method,
		.path = path,
		.depth = depth,
		.body = body != NULL ? body : "",
		.body_len = body != NULL ? strlen(body) : 0,
		.tenant_id = tenant,
		.login = tenant == acme ? "zhang@acme" : "bob@other",
	};
	dav_http_response_deinit(&rs);
	dav_handle(store, &cfg, &rq, &rs);
}

static void call(const char *method, const char *path, const char *depth,
		 const char *body)
{
	call_as(acme, method, path, depth, body);
}

static const char *body(void)
{
	return ob_buf_str(&rs.body);
}

#define has(text) has_(text, __LINE__)
static void has_(const char *text, int line)
{
	if (strstr(body(), text) == NULL)
		test_fail(__FILE__, line, "missing %s in: %.600s", text,
			  body());
}

#define lacks(text) lacks_(text, __LINE__)
static void lacks_(const char *text, int line)
{
	if (strstr(body(), text) != NULL)
		test_fail(__FILE__, line, "unexpected %s in: %.600s", text,
			  body());
}

static void begin(void)
{
	struct ob_err err;
	if (dstore_begin(store, acme, "test", &err) != 0)
		printf("# begin: %s\n", err.msg);
}

static void commit(void)
{
	struct ob_err err;
	if (dstore_commit(store, NULL, &err) != 0)
		printf("# commit: %s\n", err.msg);
}

static int64_t unit_in(int64_t tenant, const char *path)
{
	struct ob_err err;
	int64_t id = 0;
	dstore_begin(store, tenant, "test", &err);
	if (dstore_unit_ensure_path(store, tenant, path, true, &id, &err) != 0)
		printf("# unit %s: %s\n", path, err.msg);
	dstore_commit(store, NULL, &err);
	return id;
}

static void person_in(int64_t tenant, const char *uid, const char *name,
		      int64_t unit, const char *email, const char *tel,
		      bool hidden)
{
	struct dstore_person p = {0};
	struct dstore_phone ph = {(char *)"work", (char *)tel};
	char *em = (char *)email;
	struct ob_err err;

	p.uid = (char *)uid;
	p.display = (char *)name;
	p.unit_id = unit;
	p.hidden = hidden;
	if (email != NULL) {
		p.emails = &em;
		p.n_emails = 1;
	}
	if (tel != NULL) {
		p.phones = &ph;
		p.n_phones = 1;
	}
	dstore_begin(store, tenant, "test", &err);
	if (dstore_person_put(store, tenant, &p, NULL, &err) != 0)
		printf("# put %s: %s\n", uid, err.msg);
	dstore_commit(store, NULL, &err);
}

static char book_path[64], card_prefix[64];

/* The sync-token of the last answer, copied into out. */
static void token_of(char *out, size_t size)
{
	const char *s = strstr(body(), "<D:sync-token>");
	const char *e = s != NULL ? strstr(s, "</D:sync-token>") : NULL;
	*out = '\0';
	if (s == NULL || e == NULL)
		return;
	s += strlen("<D:sync-token>");
	size_t n = (size_t)(e - s) < size - 1 ? (size_t)(e - s) : size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static char *sync_body(const char *token, int limit, bool data)
{
	static char b[1024];
	char lim[96] = "";
	if (limit > 0)
		snprintf(lim, sizeof(lim),
			 "<D:limit><D:nresults>%d</D:nresults></D:limit>",
			 limit);
	snprintf(b, sizeof(b),
		 "<?xml version=\"1.0\"?><D:sync-collection xmlns:D=\"DAV:\" "
		 "xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><D:sync-token>%s"
		 "</D:sync-token><D:sync-level>1</D:sync-level>%s<D:prop>"
		 "<D:getetag/>%s</D:prop></D:sync-collection>",
		 token, lim, data ? "<C:address-data/>" : "");
	return b;
}

/* ---- the client of the model run ----------------------------------------- */

#define MAX_CARDS 512

struct card {
	char uid[64];
	char etag[64];
	bool has_data;
};

struct client {
	char token[256];
	struct card cards[MAX_CARDS];
	int n;
};

static struct card *find(struct client *c, const char *uid)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->cards[i].uid, uid) == 0)
			return &c->cards[i];
	return NULL;
}

static void drop(struct client *c, const char *uid)
{
	struct card *k = find(c, uid);
	if (k != NULL)
		*k = c->cards[--c->n];
}

/* The uid of an href under book_path ("...u12/p-7.vcf" -> "p-7"). */
static bool uid_of(const struct sml_node *href, char *out, size_t size)
{
	size_t pl = strlen(card_prefix);
	const char *h = (const char *)href->data;
	if (strncmp(h, card_prefix, pl) != 0)
		return false;
	h += pl;
	size_t n = strlen(h), o = 0;
	if (n < 5 || strcmp(h + n - 4, ".vcf") != 0)
		return false;
	for (size_t i = 0; i + 4 < n; i++) {
		char c = h[i];
		if (c == '%' && i + 2 + 4 < n + 0) {
			char hx[3] = {h[i + 1], h[i + 2], 0};
			c = (char)strtol(hx, NULL, 16);
			i += 2;
		}
		if (o + 1 >= size)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* Apply a sync answer; returns 1 when it was truncated (507), 0 when
 * complete, -1 on a malformed answer (reported). */
static int apply(struct client *c, bool *ok)
{
	struct sml_tree *t = NULL;
	struct ob_err err;
	int truncated = 0;

	if (sml_xml_parse(body(), rs.body.len, NULL, &t, &err) != 0) {
		printf("# unparsable answer: %s\n", err.msg);
		*ok = false;
		return -1;
	}
	struct sml_node *root = sml_tree_root(t);
	for (struct sml_node *r = sml_node_child(root, "response"); r != NULL;
	     r = sml_node_next_same(r)) {
		struct sml_node *href = sml_node_child(r, "href");
		struct sml_node *st = sml_node_child(r, "status");
		char uid[64];
		if (href == NULL) {
			*ok = false;
			continue;
		}
		if (st != NULL && strstr((const char *)st->data, " 507 ")) {
			truncated = 1;
			continue;
		}
		if (!uid_of(href, uid, sizeof(uid))) {
			printf("# foreign href %s\n", href->data);
			*ok = false;
			continue;
		}
		if (st != NULL && strstr((const char *)st->data, " 404 ")) {
			drop(c, uid);
			continue;
		}
		struct sml_node *et = sml_node_path(r, "propstat/prop/getetag");
		struct sml_node *ad =
			sml_node_path(r, "propstat/prop/address-data");
		if (et == NULL) {
			printf("# %s without an etag\n", uid);
			*ok = false;
			continue;
		}
		struct card *k = find(c, uid);
		if (k == NULL) {
			if (c->n >= MAX_CARDS) {
				*ok = false;
				continue;
			}
			k = &c->cards[c->n++];
			ob_strlcpy(k->uid, uid, sizeof(k->uid));
		}
		ob_strlcpy(k->etag, (const char *)et->data, sizeof(k->etag));
		char want[96];
		snprintf(want, sizeof(want), "UID:%s\r\n", uid);
		k->has_data = ad != NULL &&
			      strstr((const char *)ad->data, want) != NULL;
	}
	struct sml_node *tk = sml_node_child(root, "sync-token");
	if (tk == NULL) {
		*ok = false;
		printf("# answer without a sync-token\n");
	} else {
		ob_strlcpy(c->token, (const char *)tk->data, sizeof(c->token));
	}
	sml_tree_free(&t);
	return truncated;
}

/* The book's members now, each checked against the client's copy. */
struct check {
	struct client *c;
	int seen;
	bool ok;
};

static int check_member(const struct dstore_person *p, void *arg)
{
	struct check *k = arg;
	struct card *cd = find(k->c, p->uid);
	char want[32];

	k->seen++;
	snprintf(want, sizeof(want), "\"%lld-", (long long)p->rev);
	if (cd == NULL) {
		printf("# client lacks %s (rev %lld)\n", p->uid,
		       (long long)p->rev);
		k->ok = false;
	} else if (strncmp(cd->etag, want, strlen(want)) != 0) {
		printf("# %s: client etag %s, revision %lld\n", p->uid,
		       cd->etag, (long long)p->rev);
		k->ok = false;
	} else if (!cd->has_data) {
		printf("# %s: no card with its UID\n", p->uid);
		k->ok = false;
	}
	return 0;
}

static bool converged(struct client *c, int64_t unit)
{
	struct dstore_iter_opts o = {.unit_id = unit};
	struct check k = {.c = c, .ok = true};
	struct ob_err err;

	dstore_person_iter(store, acme, &o, check_member, &k, &err);
	if (k.seen != c->n) {
		printf("# client holds %d cards, the book %d people\n", c->n,
		       k.seen);
		k.ok = false;
	}
	return k.ok;
}

/* ---- the model run ---------------------------------------------------------- */

static unsigned long rng_state;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rng_state >> 33) % n);
}

static int next_person;
static int64_t units[8];
static int n_units;

static void random_change(void)
{
	char uid[32], name[64];
	struct ob_err err;
	unsigned what = rnd(10);
	int who = next_person > 0 ? (int)rnd((unsigned)next_person) : 0;

	snprintf(uid, sizeof(uid), "p-%d", who);
	if (what < 3 || next_person == 0) {
		snprintf(uid, sizeof(uid), "p-%d", next_person);
		snprintf(name, sizeof(name), "张%d 同事", next_person++);
		person_in(acme, uid, name, units[rnd((unsigned)n_units)],
			  "x@example.com", "+86 21 5555 0101", rnd(8) == 0);
		return;
	}
	begin();
	switch (what) {
	case 3:
	case 4: {
		struct dstore_person p;
		if (dstore_person_get(store, acme, uid, false, &p, &err) == 0) {
			free(p.title);
			p.title = strdup(rnd(2) ? "工程师" : "Manager");
			snprintf(name, sizeof(name), "t%u", rnd(1000));
			free(p.note);
			p.note = strdup(name);
			dstore_person_put(store, acme, &p, NULL, &err);
			dstore_person_deinit(&p);
		}
		break;
	}
	case 5:
		dstore_person_delete(store, acme, uid, &err);
		break;
	case 6:
		dstore_person_set_hidden(store, acme, uid, rnd(2) == 0, &err);
		break;
	case 7:
	case 8:
		dstore_person_move(store, acme, uid,
				   units[rnd((unsigned)n_units)], &err);
		break;
	default:
		snprintf(name, sizeof(name), "Unit-%u", rnd(100000));
		dstore_unit_rename(store, acme, units[1 + rnd(2)], name, &err);
	}
	commit();
}

/* One complete sync of client c on book (following truncation); false
 * when the answer is wrong. Changes may happen between pages. */
static bool sync_to_end(struct client *c, int limit, bool changes)
{
	bool ok = true;
	for (int page = 0; page < 1000; page++) {
		call("REPORT", book_path, "1",
		     sync_body(c->token, limit, true));
		if (rs.status == 403 && strstr(body(), "valid-sync-token")) {
			/* start over, as the RFC says a client does */
			c->n = 0;
			c->token[0] = '\0';
			continue;
		}
		if (rs.status != 207) {
			printf("# sync answered %d: %.300s\n", rs.status,
			       body());
			return false;
		}
		int tr = apply(c, &ok);
		if (tr <= 0)
			return ok && tr == 0;
		if (changes && rnd(2) == 0)
			random_change();
	}
	printf("# no end after 1000 pages\n");
	return false;
}

static bool model_run(unsigned long seed, int steps, int64_t unit)
{
	struct client c, saved;
	bool ok = true, have_saved = false;

	rng_state = seed;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < steps && ok; i++) {
		unsigned what = rnd(12);
		if (what < 5) {
			random_change();
			continue;
		}
		int limit = rnd(3) == 0 ? 0 : 1 + (int)rnd(7);
		if (what == 5 && have_saved) {
			c = saved; /* restored from an old backup */
		} else if (what == 6) {
			/* killed mid-sync: the answer is lost */
			call("REPORT", book_path, "1",
			     sync_body(c.token, limit, true));
			if (rs.status != 207 && rs.status != 403) {
				printf("# lost answer was %d\n", rs.status);
				ok = false;
			}
			continue;
		} else if (what == 7) {
			struct ob_err err;
			int64_t pr;
			/* the retention window passes */
			begin();
			if (dstore_prune(store, acme, ob_wall_s() + 400 * 86400,
					 &pr, &err) != 0)
				printf("# prune: %s\n", err.msg);
			commit();
		} else if (what == 8 && rnd(4) == 0) {
			memset(&c, 0, sizeof(c)); /* a fresh device */
		} else if (what == 9) {
			saved = c;
			have_saved = true;
		}
		ok = sync_to_end(&c, limit, true);
		if (ok && !converged(&c, unit)) {
			ok = false;
			printf("# diverged at step %d\n", i);
		}
		if (!ok)
			printf("# seed %lu failed at step %d\n", seed, i);
	}
	if (ok) {
		/* and a final quiet sync after a complete one: nothing is
		 * sent */
		ok = sync_to_end(&c, 0, false) && converged(&c, unit) &&
		     sync_to_end(&c, 0, false) && converged(&c, unit);
		if (ok && strstr(body(), "<D:response>") != NULL) {
			printf("# an unchanged poll sent members: %.300s\n",
			       body());
			ok = false;
		}
	}
	return ok;
}

static void set_book(const char *name)
{
	snprintf(book_path, sizeof(book_path), "/dav/books/%s/", name);
	snprintf(card_prefix, sizeof(card_prefix), "%s", book_path);
}

/* A store of its own for one model run: an enterprise, six units (two
 * top ones, a subtree six deep), 30 people from the seed. */
static bool model_fresh(unsigned long seed, int steps, bool unit_book)
{
	struct dstore_options o = {0};
	struct ob_err err;
	char path[512], book[32];

	snprintf(path, sizeof(path), "%s/model-%lu-%d.db", test_tmpdir(), seed,
		 unit_book);
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# open: %s\n", err.msg);
		return false;
	}
	dstore_tenant_create(store, "acme", "Acme 集团", &acme, &err);
	n_units = 0;
	next_person = 0;
	units[n_units++] = 0;
	units[n_units++] = top_unit = unit_in(acme, "研发中心");
	units[n_units++] = unit_in(acme, "研发中心/平台部");
	units[n_units++] = unit_in(
		acme, "研发中心/平台部/基础架构组/数据库小组/存储引擎组/"
		      "事务小队");
	units[n_units++] = unit_in(acme, "HR");
	units[n_units++] = unit_in(acme, "HR/招聘");
	rng_state = seed ^ 0x5eed;
	for (int i = 0; i < 30; i++)
		random_change();
	snprintf(book, sizeof(book), "u%lld", (long long)top_unit);
	set_book(unit_book ? book : "all");
	bool ok = model_run(seed, steps, unit_book ? top_unit : 0);
	dstore_close(&store);
	return ok;
}

/* ---- streaming ------------------------------------------------------------ */

struct sink {
	struct ob_buf got;
	int starts, outs, fail_at; /* out number fail_at fails (0: none) */
	int start_status;
	bool out_before_start;
};

static int sink_start(const struct dav_http_response *r, void *ctx)
{
	struct sink *k = ctx;
	k->starts++;
	k->start_status = r->status;
	return 0;
}

static int sink_out(const char *data, size_t len, void *ctx)
{
	struct sink *k = ctx;
	if (k->starts == 0)
		k->out_before_start = true;
	if (++k->outs == k->fail_at)
		return 1;
	return ob_buf_add(&k->got, data, len) != 0;
}

/* call, streamed through k in pieces of about piece bytes */
static void call_stream(const char *path, const char *body_text, size_t piece,
			struct sink *k)
{
	struct dav_config c = cfg;
	struct dav_stream st = {sink_start, sink_out, k};
	struct dav_http_request rq = {
		.method = "REPORT",
		.path = path,
		.depth = "1",
		.body = body_text,
		.body_len = strlen(body_text),
		.tenant_id = acme,
		.login = "zhang@acme",
	};
	c.max_response = piece;
	dav_http_response_deinit(&rs);
	dav_handle_stream(store, &c, &rq, &rs, &st);
}

static const char *propfind_body =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><d:propfind "
	"xmlns:d=\"DAV:\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\" "
	"xmlns:cs=\"http://calendarserver.org/ns/\"><d:prop>"
	"<d:resourcetype/><d:displayname/><d:current-user-principal/>"
	"<card:addressbook-home-set/><d:current-user-privilege-set/>"
	"<cs:getctag/><d:sync-token/><d:supported-report-set/>"
	"<d:quota-available-bytes/><x:color xmlns:x=\"http://apple.com/ns/"
	"ical/\"/></d:prop></d:propfind>";

int main(void)
{
	struct dstore_options o = {0};
	struct ob_err err;
	char path[512], tok[256], tok2[256];

	snprintf(path, sizeof(path), "%s/dav.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# open: %s\n", err.msg);
		return 99;
	}
	sml_xml_init();
	dstore_tenant_create(store, "acme", "Acme 集团", &acme, &err);
	dstore_tenant_create(store, "other", "Other", &other, &err);
	top_unit = unit_in(acme, "研发中心");
	deep_unit = unit_in(
		acme,
		"研发中心/平台部/基础架构组/数据库小组/存储引擎组/事务小队");
	int64_t hr = unit_in(acme, "HR");
	int64_t other_unit = unit_in(other, "Sales");
	person_in(acme, "ou-yang", "欧阳明月", deep_unit, "ming@example.cn",
		  "+86 139 0000 0009", false);
	person_in(acme, "wang", "王新人", top_unit, "Xin.Wang@Example.CN",
		  "+86 21 5555 0101", false);
	person_in(acme, "hid", "Hidden Person", top_unit, NULL, NULL, true);
	person_in(acme, "odd/uid?&<x>", "Odd Uid", hr, NULL, NULL, false);
	person_in(other, "bob", "Bob Other", other_unit, "bob@other.example",
		  NULL, false);
	char book_u[32], home_book[64];
	snprintf(book_u, sizeof(book_u), "u%lld", (long long)top_unit);
	snprintf(home_book, sizeof(home_book), "/dav/books/%s/", book_u);

	test_begin("discovery: the well-known URI, the root's principal, the "
		   "principal's home, the home's books");
	call("PROPFIND", "/.well-known/carddav", "0", NULL);
	test_assert_int(rs.status, 301);
	test_assert_str(rs.location, "/dav/");
	call("PROPFIND", "/dav/", "0", propfind_body);
	test_assert_int(rs.status, 207);
	has("<D:current-user-principal><D:href>/dav/principal/</D:href>");
	call("PROPFIND", "/dav/principal/", "0", propfind_body);
	has("<D:resourcetype><D:principal/><D:collection/></D:resourcetype>");
	has("<C:addressbook-home-set><D:href>/dav/books/</D:href>");
	has("<D:displayname>zhang@acme</D:displayname>");
	call("PROPFIND", "/dav/books/", "1", propfind_body);
	test_assert_int(rs.status, 207);
	has("<D:href>/dav/books/all/</D:href>");
	has(home_book);
	has("<D:displayname>Acme 集团 - 研发中心</D:displayname>");
	/* units deeper than carddav-unit-depth have no book */
	char deep_href[64];
	snprintf(deep_href, sizeof(deep_href), "/dav/books/u%lld/",
		 (long long)deep_unit);
	lacks(deep_href);
	has("<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>");
	has("<CS:getctag>urn:x-orgbook:sync:");
	has("<D:sync-collection/>");
	/* read-only: read privileges only */
	has("<D:current-user-privilege-set><D:privilege><D:read/></D:privilege>"
	    "<D:privilege><D:read-current-user-privilege-set/></D:privilege>"
	    "</D:current-user-privilege-set>");
	lacks("<D:write");
	/* unknown properties: 404 with their own namespace */
	has("<D:quota-available-bytes/>");
	has("<X:color xmlns:X=\"http://apple.com/ns/ical/\"/>");
	has("HTTP/1.1 404 Not Found");
	/* Prefer: return=minimal (iOS): the same answer without the 404
	 * propstat (RFC 8144 2.1), and Preference-Applied */
	{
		struct dav_http_request mq = {
			.method = "PROPFIND",
			.path = "/dav/books/",
			.depth = "1",
			.body = propfind_body,
			.body_len = strlen(propfind_body),
			.minimal = true,
			.prefer_minimal = true,
			.tenant_id = acme,
			.login = "zhang@acme",
		};
		dav_http_response_deinit(&rs);
		dav_handle(store, &cfg, &mq, &rs);
		test_assert_int(rs.status, 207);
		test_assert(rs.minimal_applied);
		has(home_book);
		has("<CS:getctag>urn:x-orgbook:sync:");
		lacks("<D:quota-available-bytes/>");
		lacks("HTTP/1.1 404 Not Found");
	}
	test_end();

	test_begin("PROPFIND Depth 1 on a book lists its members, no hidden "
		   "person, no other enterprise's; Depth infinity refused");
	call("PROPFIND", home_book, "1",
	     "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/>"
	     "<d:getcontenttype/></d:prop></d:propfind>");
	test_assert_int(rs.status, 207);
	has("/wang.vcf</D:href>");
	has("/ou-yang.vcf</D:href>");
	lacks("hid.vcf");
	lacks("bob");
	has("<D:getcontenttype>text/vcard; charset=utf-8</D:getcontenttype>");
	call("PROPFIND", home_book, "infinity", NULL);
	test_assert_int(rs.status, 403);
	has("<D:propfind-finite-depth/>");
	call("PROPFIND", home_book, "2", NULL);
	test_assert_int(rs.status, 400);
	test_end();

	test_begin("an odd uid gets an href that names it, percent-encoded");
	call("PROPFIND", "/dav/books/all/", "1",
	     "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getetag/></d:prop>"
	     "</d:propfind>");
	has("/dav/books/all/odd%2Fuid%3F%26%3Cx%3E.vcf</D:href>");
	call("GET", "/dav/books/all/odd/uid?&<x>.vcf", NULL, NULL);
	test_assert_int(rs.status, 200);
	has("FN:Odd Uid\r\n");
	test_end();

	test_begin("GET a card: vCard 3.0 with ORG, ETag, If-None-Match 304, "
		   "4.0 when asked; hidden, other tenant's and other book's "
		   "cards are 404");
	call("GET", "/dav/books/all/wang.vcf", NULL, NULL);
	test_assert_int(rs.status, 200);
	has("VERSION:3.0\r\n");
	has("FN:王新人\r\n");
	has("ORG:Acme 集团;研发中心\r\n");
	test_assert(rs.etag[0] == '"');
	char etag[64];
	ob_strlcpy(etag, rs.etag, sizeof(etag));
	{
		struct dav_http_request rq = {
			.method = "GET",
			.path = "/dav/books/all/wang.vcf",
			.if_none_match = etag,
			.tenant_id = acme,
			.login = "zhang@acme",
			.body = "",
		};
		dav_http_response_deinit(&rs);
		dav_handle(store, &cfg, &rq, &rs);
		test_assert_int(rs.status, 304);
		rq.if_none_match = NULL;
		rq.accept = "text/vcard; version=4.0";
		dav_http_response_deinit(&rs);
		dav_handle(store, &cfg, &rq, &rs);
		test_assert_int(rs.status, 200);
		has("VERSION:4.0\r\n");
		test_assert(strcmp(rs.etag, etag) != 0);
	}
	call("GET", "/dav/books/all/hid.vcf", NULL, NULL);
	test_assert_int(rs.status, 404);
	call("GET", "/dav/books/all/bob.vcf", NULL, NULL);
	test_assert_int(rs.status, 404);
	char p[96];
	snprintf(p, sizeof(p), "%sodd/uid?&<x>.vcf", home_book);
	call("GET", p, NULL, NULL);
	test_assert_int(rs.status, 404); /* in HR, not in 研发中心 */
	call("GET", "/dav/books/all/", NULL, NULL);
	test_assert_int(rs.status, 200);
	test_assert(rs.stream_vcf);
	call("GET", "/dav/books/u999999/", NULL, NULL);
	test_assert_int(rs.status, 404);
	snprintf(p, sizeof(p), "/dav/books/u%lld/", (long long)other_unit);
	call("PROPFIND", p, "0", NULL);
	test_assert_int(rs.status, 404); /* another enterprise's unit */
	test_end();

	test_begin("every write is 403 with DAV:need-privileges");
	const char *writes[][2] = {
		{"PUT", "write-content"},  {"DELETE", "unbind"},
		{"MKCOL", "bind"},         {"PROPPATCH", "write-properties"},
		{"MOVE", "unbind"},        {"COPY", "write-content"},
		{"LOCK", "write-content"}, {"POST", "write-content"},
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		call(writes[i][0], "/dav/books/all/wang.vcf", NULL,
		     "BEGIN:VCARD\r\nEND:VCARD\r\n");
		test_assert_int(rs.status, 403);
		has("<D:need-privileges><D:resource><D:href>/dav/books/all/"
		    "wang.vcf</D:href>");
		char want[64];
		snprintf(want, sizeof(want), "<D:%s/>", writes[i][1]);
		has(want);
	}
	call("BREW", "/dav/books/all/", NULL, NULL);
	test_assert_int(rs.status, 405);
	call("GET", "/dav/books/all/wang.vcf", NULL, NULL);
	has("FN:王新人\r\n"); /* nothing was written: the card is there */
	test_end();

	test_begin("addressbook-multiget: found, hidden, other enterprise's, "
		   "outside the book, malformed, absolute URL");
	char mg_head[512];
	snprintf(mg_head, sizeof(mg_head),
		 "<C:addressbook-multiget xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:"
		 "params:xml:ns:carddav\"><D:prop><D:getetag/><C:address-data/>"
		 "</D:prop><D:href>/dav/books/all/wang.vcf</D:href>");
	{
		char mg[2048];
		snprintf(mg, sizeof(mg),
			 "%s<D:href>/dav/books/all/hid.vcf</D:href>"
			 "<D:href>/dav/books/all/bob.vcf</D:href>"
			 "<D:href>/dav/books/u1/wang.vcf</D:href>"
			 "<D:href>/dav/books/all/%%zz.vcf</D:href>"
			 "<D:href>https://dir.example.com/dav/books/all/"
			 "ou-yang.vcf</D:href>"
			 "<D:href>/dav/books/all/odd%%2Fuid%%3F%%26%%3Cx%%3E"
			 ".vcf</D:href></C:addressbook-multiget>",
			 mg_head);
		call("REPORT", "/dav/books/all/", "1", mg);
	}
	test_assert_int(rs.status, 207);
	has("FN:王新人");
	has("FN:欧阳明月");
	has("FN:Odd Uid");
	has("<D:href>/dav/books/all/hid.vcf</D:href><D:status>HTTP/1.1 404");
	has("<D:href>/dav/books/all/bob.vcf</D:href><D:status>HTTP/1.1 404");
	has("<D:href>/dav/books/u1/wang.vcf</D:href><D:status>HTTP/1.1 404");
	has("<D:href>/dav/books/all/%zz.vcf</D:href><D:status>HTTP/1.1 404");
	lacks("Bob Other");
	test_end();

	test_begin("addressbook-query: FN contains (case-insensitive), EMAIL "
		   "equals, TEL ends-with, negate, allof, limit 507, refused "
		   "collation and param-filter");
	const char *q_head =
		"<C:addressbook-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:"
		"params:xml:ns:carddav\"><D:prop><D:getetag/></D:prop>";
	char q[2048];
	snprintf(q, sizeof(q),
		 "%s<C:filter><C:prop-filter name=\"FN\"><C:text-match "
		 "collation=\"i;unicode-casemap\" match-type=\"contains\">odd"
		 "</C:text-match></C:prop-filter></C:filter>"
		 "</C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	test_assert_int(rs.status, 207);
	has("odd%2Fuid");
	lacks("wang.vcf");
	snprintf(q, sizeof(q),
		 "%s<C:filter test=\"anyof\"><C:prop-filter name=\"EMAIL\">"
		 "<C:text-match match-type=\"equals\">xin.wang@example.cn"
		 "</C:text-match></C:prop-filter><C:prop-filter name=\"TEL\">"
		 "<C:text-match match-type=\"ends-with\">0009</C:text-match>"
		 "</C:prop-filter></C:filter></C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	has("wang.vcf");
	has("ou-yang.vcf");
	lacks("odd%2F");
	snprintf(q, sizeof(q),
		 "%s<C:filter test=\"allof\"><C:prop-filter name=\"EMAIL\">"
		 "<C:text-match match-type=\"contains\">example</C:text-match>"
		 "</C:prop-filter><C:prop-filter name=\"FN\"><C:text-match "
		 "negate-condition=\"yes\">王</C:text-match></C:prop-filter>"
		 "</C:filter></C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	has("ou-yang.vcf");
	lacks("wang.vcf</D:href>");
	snprintf(q, sizeof(q),
		 "%s<C:filter/><C:limit><C:nresults>1</C:nresults></C:limit>"
		 "</C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	test_assert_int(rs.status, 207);
	has("HTTP/1.1 507 Insufficient Storage");
	has("<D:number-of-matches-within-limits/>");
	snprintf(q, sizeof(q),
		 "%s<C:filter><C:prop-filter name=\"FN\"><C:text-match "
		 "collation=\"i;klingon\">a</C:text-match></C:prop-filter>"
		 "</C:filter></C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	test_assert_int(rs.status, 403);
	has("<C:supported-collation/>");
	snprintf(q, sizeof(q),
		 "%s<C:filter><C:prop-filter name=\"TEL\"><C:param-filter "
		 "name=\"TYPE\"/></C:prop-filter></C:filter>"
		 "</C:addressbook-query>",
		 q_head);
	call("REPORT", "/dav/books/all/", "1", q);
	test_assert_int(rs.status, 403);
	has("<C:supported-filter/>");
	test_end();

	test_begin("sync-collection: first sync, an unchanged poll, a delta "
		   "with an edit, a deletion and a hide");
	call("REPORT", home_book, "1", sync_body("", 0, true));
	test_assert_int(rs.status, 207);
	has("wang.vcf");
	has("ou-yang.vcf");
	lacks("hid.vcf");
	token_of(tok, sizeof(tok));
	call("REPORT", home_book, "1", sync_body(tok, 0, false));
	test_assert_int(rs.status, 207);
	lacks("<D:response>");
	token_of(tok2, sizeof(tok2));
	test_assert_str(tok2, tok);
	person_in(acme, "wang", "王新人", top_unit, "new@example.cn", NULL,
		  false);
	begin();
	dstore_person_delete(store, acme, "ou-yang", &err);
	commit();
	begin();
	dstore_person_set_hidden(store, acme, "hid", false, &err);
	commit();
	call("REPORT", home_book, "1", sync_body(tok, 0, true));
	has("wang.vcf</D:href><D:propstat>");
	has("EMAIL;TYPE=INTERNET:new@example.cn");
	has("ou-yang.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status>");
	has("hid.vcf</D:href><D:propstat>");
	test_end();

	test_begin("sync tokens that are not ours are refused with "
		   "valid-sync-token: malformed, another book's, another "
		   "enterprise's, from the future; 400 to Thunderbird");
	const char *bad[] = {
		"garbage",
		"urn:x-orgbook:sync:",
		"urn:x-orgbook:sync:1:all:00000000:1",
		"urn:x-orgbook:sync:99:all:00000000:1",
		"urn:x-orgbook:sync:1:all:ffffffff:999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		call("REPORT", "/dav/books/all/", "1", sync_body(bad[i], 0, 0));
		test_assert_int(rs.status, 403);
		has("<D:valid-sync-token/>");
	}
	/* a token of the unit book used on the whole directory */
	call("REPORT", "/dav/books/all/", "1", sync_body(tok, 0, false));
	test_assert_int(rs.status, 403);
	/* the real one with one more digit: the future */
	snprintf(tok2, sizeof(tok2), "%s9", tok);
	call("REPORT", home_book, "1", sync_body(tok2, 0, false));
	test_assert_int(rs.status, 403);
	/* another enterprise's account with this book's token */
	call_as(other, "REPORT", home_book, "1", sync_body(tok, 0, false));
	test_assert_int(rs.status, 404); /* and the book is not theirs */
	{
		struct dav_http_request rq = {
			.method = "REPORT",
			.path = "/dav/books/all/",
			.depth = "1",
			.user_agent = "Mozilla/5.0 (X11; Linux x86_64; "
				      "rv:128.0) Gecko/20100101 "
				      "Thunderbird/128.5.0",
			.tenant_id = acme,
			.login = "zhang@acme",
		};
		rq.body = sync_body("garbage", 0, false);
		rq.body_len = strlen(rq.body);
		dav_http_response_deinit(&rs);
		dav_handle(store, &cfg, &rq, &rs);
		test_assert_int(rs.status, 400);
		has("<D:valid-sync-token/>");
	}
	test_end();

	test_begin("a token below the pruned horizon is refused, never "
		   "answered with a partial delta");
	call("REPORT", home_book, "1", sync_body("", 0, false));
	token_of(tok, sizeof(tok));
	person_in(acme, "late", "Late Comer", top_unit, NULL, NULL, false);
	{
		int64_t pr;
		begin();
		test_assert_int(dstore_prune(store, acme,
					     ob_wall_s() + 400 * 86400, &pr,
					     &err),
				0);
		commit();
	}
	call("REPORT", home_book, "1", sync_body(tok, 0, false));
	test_assert_int(rs.status, 403);
	has("<D:valid-sync-token/>");
	test_end();

	test_begin("bad bodies: malformed XML and unknown reports");
	call("REPORT", "/dav/books/all/", "1", "<D:sync-collection");
	test_assert_int(rs.status, 400);
	call("REPORT", "/dav/books/all/", "1",
	     "<D:expand-property xmlns:D=\"DAV:\"/>");
	test_assert_int(rs.status, 403);
	has("<D:supported-report/>");
	call("REPORT", "/dav/books/all/", "0", sync_body("", 0, false));
	test_assert_int(rs.status, 207);
	call("PROPFIND", "/dav/books/all/", "0",
	     "<D:propfind xmlns:D=\"DAV:\"><D:prop><C:address-data "
	     "xmlns:C=\"urn:ietf:params:xml:ns:carddav\" version=\"2.1\"/>"
	     "</D:prop></D:propfind>");
	test_assert_int(rs.status, 403);
	has("<C:supported-address-data/>");
	test_end();

	test_begin("streamed: a big answer in pieces between members, the "
		   "same bytes; a client gone mid-answer cuts it; a multiget "
		   "over several batches keeps the order asked");
	{
		char uid[32], name[32];
		for (int i = 0; i < 300; i++) {
			snprintf(uid, sizeof(uid), "st-%03d", i);
			snprintf(name, sizeof(name), "Stream Person %03d", i);
			person_in(acme, uid, name, top_unit, NULL,
				  "+86 21 5555 0000", i % 50 == 7);
		}
		char sb[1024];
		ob_strlcpy(sb, sync_body("", 0, true), sizeof(sb));
		call("REPORT", "/dav/books/all/", "1", sb);
		test_assert_int(rs.status, 207);
		test_assert(!rs.streamed);
		struct ob_buf whole;
		ob_buf_init(&whole, 64u << 20);
		ob_buf_add(&whole, rs.body.data, rs.body.len);
		struct sink k = {0};
		ob_buf_init(&k.got, 64u << 20);
		call_stream("/dav/books/all/", sb, 4096, &k);
		test_assert_int(rs.status, 207);
		test_assert(rs.streamed);
		test_assert(!rs.cut);
		test_assert_int(k.starts, 1);
		test_assert_int(k.start_status, 207);
		test_assert(!k.out_before_start);
		test_assert(k.outs > 10);
		test_assert_int(rs.body.len, 0);
		test_assert(k.got.len == whole.len &&
			    memcmp(k.got.data, whole.data, whole.len) == 0);
		/* a small answer never reaches the sink */
		struct sink small = {0};
		ob_buf_init(&small.got, 1u << 20);
		call_stream("/dav/books/all/", sb, 64u << 20, &small);
		test_assert_int(small.starts, 0);
		test_assert(!rs.streamed);
		test_assert(rs.body.len == whole.len);
		/* the client goes away at the third piece: stop there, cut */
		struct sink gone = {.fail_at = 3};
		ob_buf_init(&gone.got, 64u << 20);
		call_stream("/dav/books/all/", sb, 4096, &gone);
		test_assert(rs.streamed);
		test_assert(rs.cut);
		test_assert_int(gone.outs, 3);
		/* a bad token is decided before anything is sent */
		ob_strlcpy(sb,
			   sync_body("urn:x-orgbook:sync:999:all:0:1", 0, true),
			   sizeof(sb));
		struct sink badtok = {0};
		ob_buf_init(&badtok.got, 1u << 20);
		call_stream("/dav/books/all/", sb, 4096, &badtok);
		test_assert_int(badtok.starts, 0);
		test_assert_int(rs.status, 403);
		/* a multiget over three batches: known, unknown, duplicate,
		 * hidden, in the order asked; streamed, the same bytes */
		struct ob_buf mg;
		char want[200][48];
		int nwant = 0;
		ob_buf_init(&mg, 1u << 20);
		ob_buf_add_str(&mg, "<C:addressbook-multiget xmlns:D=\"DAV:\" "
				    "xmlns:C=\"urn:ietf:params:xml:ns:"
				    "carddav\"><D:prop><D:getetag/></D:prop>");
		for (int i = 0; i < 170; i++) {
			int who = (i * 37) % 300;
			char h[64];
			if (i % 9 == 4)
				snprintf(h, sizeof(h),
					 "/dav/books/all/none-%d.vcf", i);
			else if (i % 9 == 5)
				snprintf(h, sizeof(h),
					 "/dav/books/all/st-%03d.vcf",
					 (((i - 1) * 37) % 300));
			else
				snprintf(h, sizeof(h),
					 "/dav/books/all/st-%03d.vcf", who);
			ob_buf_addf(&mg, "<D:href>%s</D:href>", h);
			bool hidden = strncmp(h + 15, "st-", 3) == 0 &&
				      atoi(h + 18) % 50 == 7;
			snprintf(want[nwant++], sizeof(want[0]), "%s %s", h,
				 strncmp(h + 15, "none", 4) == 0 || hidden
					 ? "404"
					 : "200");
		}
		ob_buf_add_str(&mg, "</C:addressbook-multiget>");
		call("REPORT", "/dav/books/all/", "1", ob_buf_str(&mg));
		test_assert_int(rs.status, 207);
		const char *at = body();
		int n = 0;
		bool order = true;
		while ((at = strstr(at, "<D:response><D:href>")) != NULL) {
			char h[64], st[4];
			at += 20;
			const char *e = strchr(at, '<');
			snprintf(h, sizeof(h), "%.*s", (int)(e - at), at);
			const char *s3 = strstr(at, "HTTP/1.1 ");
			snprintf(st, sizeof(st), "%.3s", s3 + 9);
			char line[80];
			snprintf(line, sizeof(line), "%s %s", h, st);
			if (n >= nwant || strcmp(line, want[n]) != 0) {
				printf("# answer %d: %s, want %s\n", n, line,
				       n < nwant ? want[n] : "none");
				order = false;
				break;
			}
			n++;
		}
		test_assert(order);
		test_assert_int(n, nwant);
		ob_buf_reset(&whole);
		ob_buf_add(&whole, rs.body.data, rs.body.len);
		struct sink km = {0};
		ob_buf_init(&km.got, 64u << 20);
		call_stream("/dav/books/all/", ob_buf_str(&mg), 2048, &km);
		test_assert(rs.streamed && !rs.cut && km.outs > 3);
		test_assert(km.got.len == whole.len &&
			    memcmp(km.got.data, whole.data, whole.len) == 0);
		ob_buf_deinit(&mg);
		ob_buf_deinit(&km.got);
		ob_buf_deinit(&badtok.got);
		ob_buf_deinit(&gone.got);
		ob_buf_deinit(&small.got);
		ob_buf_deinit(&k.got);
		ob_buf_deinit(&whole);
	}
	test_end();

	/* the model runs: each on a store of its own, so that a seed
	 * replays alone */
	dstore_close(&store);
	const char *seed_env = getenv("OB_TEST_SEED");
	const char *steps_env = getenv("OB_TEST_STEPS");
	/* under valgrind (the valgrind build sets OB_VALGRIND) a quarter of
	 * the runs, each shorter: the same paths, 60 s less */
	bool vg = getenv("OB_VALGRIND") != NULL;
	int steps = steps_env != NULL ? atoi(steps_env) : vg ? 60 : 120;
	for (int b = 0; b < 2; b++) {
		char name[128];
		snprintf(name, sizeof(name),
			 "model: random changes and client histories on %s "
			 "converge after every sync",
			 b == 0 ? "the whole directory" : "a unit's book");
		test_begin(name);
		unsigned long first = seed_env != NULL
					      ? strtoul(seed_env, NULL, 10)
					      : 1000ul + (unsigned long)b * 100;
		int runs = seed_env != NULL ? 1 : vg ? 3 : 12;
		for (int r = 0; r < runs; r++) {
			unsigned long seed = first + (unsigned long)r;
			if (!model_fresh(seed, steps, b == 1)) {
				test_fail(__FILE__, __LINE__,
					  "seed %lu: OB_TEST_SEED=%lu "
					  "OB_TEST_STEPS=%d carddav/test-dav",
					  seed, seed, steps);
				break;
			}
		}
		test_end();
	}
	dav_http_response_deinit(&rs);
	return test_done();
}
