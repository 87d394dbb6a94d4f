/* carddav/request: the request bodies of real clients (DAVx5,
 * Thunderbird, vdirsyncer, Radicale's and sabre/dav's clients, Apple,
 * linphone and the RFC examples, in testdata/carddav/requests/<case>.xml
 * with the expected dump in <case>.dump), then every error with its exact
 * message, the caps, entity declarations and deep nesting.
 *
 * OB_TEST_WRITE_DUMPS=1 rewrites the .dump files from what the parser
 * reads (to review with git diff, never to make a test pass). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carddav/request.h"
#include "syncml/xml.h"
#include "tests/lib/test.h"
#include "util/buf.h"
#include "util/file.h"

static const char *const kinds[] = {"EMPTY", "PROPFIND",   "SYNC", "MULTIGET",
				    "QUERY", "PROPUPDATE", "OTHER"};
static const char *const modes[] = {"ALLPROP", "PROPNAME", "PROP"};
static const char *const matches[] = {"contains", "equals", "starts-with",
				      "ends-with"};

static void prop(struct ob_buf *o, const char *what, const struct dav_prop *p)
{
	ob_buf_addf(o, "%s %d {%s}%s\n", what, (int)p->ns, p->ns_uri, p->name);
}

/* One line per fact, in a fixed order. */
static void dump(const struct dav_request *rq, struct ob_buf *o)
{
	ob_buf_addf(o, "kind %s\n", kinds[rq->kind]);
	if (rq->kind == DAV_BODY_EMPTY)
		return;
	prop(o, "root", &rq->root);
	if (rq->kind == DAV_BODY_OTHER || rq->kind == DAV_BODY_PROPUPDATE)
		return;
	ob_buf_addf(o, "mode %s\n", modes[rq->mode]);
	for (size_t i = 0; i < rq->n_props; i++)
		prop(o, "prop", &rq->props[i]);
	for (size_t i = 0; i < rq->n_include; i++)
		prop(o, "include", &rq->include[i]);
	const struct dav_address_data *ad = &rq->address_data;
	if (ad->asked) {
		ob_buf_addf(
			o,
			"address-data content-type \"%s\" version \"%s\"%s\n",
			ad->content_type, ad->version,
			ad->allprop ? " allprop" : "");
		for (size_t i = 0; i < ad->n_props; i++)
			ob_buf_addf(o, "address-data prop %s\n", ad->props[i]);
	}
	if (rq->kind == DAV_BODY_SYNC)
		ob_buf_addf(o, "sync-token \"%s\" level %s\n", rq->sync_token,
			    rq->sync_level_infinite ? "infinite" : "1");
	if (rq->nresults > 0)
		ob_buf_addf(o, "nresults %llu\n",
			    (unsigned long long)rq->nresults);
	for (size_t i = 0; i < rq->n_hrefs; i++)
		ob_buf_addf(o, "href \"%s\"\n", rq->hrefs[i]);
	if (rq->kind == DAV_BODY_QUERY)
		ob_buf_addf(o, "filter %s\n",
			    rq->filter_all_of ? "allof" : "anyof");
	for (size_t i = 0; i < rq->n_filters; i++) {
		const struct dav_prop_filter *f = &rq->filters[i];
		ob_buf_addf(o, "prop-filter %s %s%s%s\n", f->name,
			    f->all_of ? "allof" : "anyof",
			    f->is_not_defined ? " is-not-defined" : "",
			    f->has_param_filter ? " param-filter" : "");
		for (size_t j = 0; j < f->n_matches; j++) {
			const struct dav_text_match *m = &f->matches[j];
			ob_buf_addf(
				o,
				"  text-match \"%s\" collation \"%s\" %s%s\n",
				m->value, m->collation, matches[m->match_type],
				m->negate ? " negate" : "");
		}
	}
}

static void load(const char *path, struct ob_buf *b)
{
	struct ob_err err;

	ob_buf_reset(b);
	if (ob_file_read(path, b, &err) != 0) {
		printf("# %s: %s\n", path, err.msg);
		exit(99);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_real_clients(void)
{
	const char *dir = test_srcpath("testdata/carddav/requests");
	char *names[64];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	struct ob_buf body, want, got;
	bool write = getenv("OB_TEST_WRITE_DUMPS") != NULL;

	if (d == NULL) {
		printf("# cannot open %s\n", dir);
		exit(99);
	}
	char dirpath[4096];
	snprintf(dirpath, sizeof(dirpath), "%s", dir);
	while ((de = readdir(d)) != NULL && n < 64) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".xml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	ob_buf_init(&body, 1u << 20);
	ob_buf_init(&want, 1u << 20);
	ob_buf_init(&got, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		char path[4200], title[300];
		struct dav_request rq;
		struct ob_err err;

		snprintf(title, sizeof(title), "real body %s", names[i]);
		test_begin(title);
		snprintf(path, sizeof(path), "%s/%s", dirpath, names[i]);
		load(path, &body);
		int ret =
			dav_request_parse(body.data, body.len, NULL, &rq, &err);
		test_assert_int(ret, 0);
		if (ret != 0)
			printf("# %s\n", err.msg);
		ob_buf_reset(&got);
		dump(&rq, &got);
		dav_request_deinit(&rq);
		memcpy(path + strlen(path) - 4, ".dump", 6);
		if (write) {
			FILE *f = fopen(path, "w");
			if (f != NULL) {
				fwrite(got.data, 1, got.len, f);
				fclose(f);
			}
		}
		load(path, &want);
		test_assert_str(ob_buf_str(&got), ob_buf_str(&want));
		test_end();
		free(names[i]);
	}
	test_begin("every real-client body is covered");
	test_assert(n >= 20);
	test_end();
	ob_buf_deinit(&body);
	ob_buf_deinit(&want);
	ob_buf_deinit(&got);
}

/* Parse s; expect code and, when msg is not NULL, exactly that message. */
static void expect(const char *s, const struct dav_limits *lim, int code,
		   const char *msg)
{
	struct dav_request rq;
	struct ob_err err = {0};
	int ret = dav_request_parse(s, strlen(s), lim, &rq, &err);

	test_assert_int(ret, code);
	if (msg != NULL)
		test_assert_str(err.msg, msg);
	dav_request_deinit(&rq);
}

#define D "xmlns:D=\"DAV:\""
#define C "xmlns:C=\"urn:ietf:params:xml:ns:carddav\""
#define SYNC(x) "<D:sync-collection " D ">" x "</D:sync-collection>"
#define MG(x)                                                                  \
	"<C:addressbook-multiget " D " " C ">" x "</C:addressbook-multiget>"
#define Q(x) "<C:addressbook-query " D " " C ">" x "</C:addressbook-query>"
#define PF(x) "<D:propfind " D " " C ">" x "</D:propfind>"
#define PROP "<D:prop><D:getetag/></D:prop>"

static void test_shapes(void)
{
	struct dav_request rq;
	struct ob_err err;

	test_begin("empty and blank bodies, empty propfind, other roots");
	test_assert_int(dav_request_parse("", 0, NULL, &rq, &err), 0);
	test_assert_int(rq.kind, DAV_BODY_EMPTY);
	test_assert(rq.tree == NULL);
	dav_request_deinit(&rq);
	test_assert_int(dav_request_parse(" \r\n\t ", 5, NULL, &rq, &err), 0);
	test_assert_int(rq.kind, DAV_BODY_EMPTY);
	dav_request_deinit(&rq);
	const char *e = "<propfind xmlns='DAV:'/>";
	test_assert_int(dav_request_parse(e, strlen(e), NULL, &rq, &err), 0);
	test_assert_int(rq.kind, DAV_BODY_PROPFIND);
	test_assert_int(rq.mode, DAV_PROPFIND_ALLPROP);
	test_assert_int(rq.n_props, 0);
	dav_request_deinit(&rq);
	/* a propfind without the DAV: namespace is not a propfind */
	e = "<propfind><prop><getetag/></prop></propfind>";
	test_assert_int(dav_request_parse(e, strlen(e), NULL, &rq, &err), 0);
	test_assert_int(rq.kind, DAV_BODY_OTHER);
	test_assert_str(rq.root.ns_uri, "");
	test_assert_str(rq.root.name, "propfind");
	test_assert_int(rq.root.ns, DAV_NS_OTHER);
	dav_request_deinit(&rq);
	e = "<C:addressbook-query " C "><C:filter/></C:addressbook-query>";
	test_assert_int(dav_request_parse(e, strlen(e), NULL, &rq, &err), 0);
	test_assert_int(rq.kind, DAV_BODY_QUERY);
	test_assert_int(rq.mode, DAV_PROPFIND_PROP);
	test_assert_int(rq.n_filters, 0);
	dav_request_deinit(&rq);
	/* sync-level infinity, DAV:allprop in a REPORT, address-data twice */
	e = SYNC("<D:sync-token> data:,7 </D:sync-token><D:sync-level>"
		 "infinity</D:sync-level><D:allprop/>");
	test_assert_int(dav_request_parse(e, strlen(e), NULL, &rq, &err), 0);
	test_assert_str(rq.sync_token, "data:,7");
	test_assert(rq.sync_level_infinite);
	test_assert_int(rq.mode, DAV_PROPFIND_ALLPROP);
	dav_request_deinit(&rq);
	e = MG("<D:prop><C:address-data version='3.0'/><C:address-data "
	       "version='4.0'/></D:prop><D:href>/a</D:href>");
	test_assert_int(dav_request_parse(e, strlen(e), NULL, &rq, &err), 0);
	test_assert_int(rq.n_props, 2);
	test_assert_str(rq.address_data.version, "3.0");
	dav_request_deinit(&rq);
	test_assert_str(dav_ns_uri(DAV_NS_DAV), "DAV:");
	test_assert_str(dav_ns_uri(DAV_NS_CARDDAV),
			"urn:ietf:params:xml:ns:carddav");
	test_assert_str(dav_ns_uri(DAV_NS_CS), "http://calendarserver.org/ns/");
	test_assert_str(dav_ns_uri(DAV_NS_APPLE), "http://apple.com/ns/ical/");
	test_assert_str(dav_ns_uri(DAV_NS_OTHER), "");
	test_end();
}

static void test_errors(void)
{
	test_begin("malformed XML names line and column");
	struct dav_request rq;
	struct ob_err err;
	const char *bad = "<D:propfind " D ">\n<D:prop></D:propfind>";
	test_assert_int(dav_request_parse(bad, strlen(bad), NULL, &rq, &err),
			OB_E_PARSE);
	test_assert_int(err.line, 2);
	test_assert(strncmp(err.msg, "malformed XML: ", 15) == 0);
	dav_request_deinit(&rq);
	expect("<a xmlns:x='urn:x'><y:b/></a>", NULL, OB_E_PARSE, NULL);
	expect("not xml", NULL, OB_E_PARSE, NULL);
	expect("<D:prop " D "/><D:prop " D "/>", NULL, OB_E_PARSE, NULL);
	test_end();

	test_begin("PROPFIND errors");
	expect(PF("<D:allprop/>" PROP), NULL, OB_E_PARSE,
	       "DAV:propfind: more than one of DAV:allprop, DAV:propname "
	       "and DAV:prop");
	expect(PF(PROP PROP), NULL, OB_E_PARSE,
	       "DAV:propfind: more than one of DAV:allprop, DAV:propname "
	       "and DAV:prop");
	expect(PF(PROP "<D:include/>"), NULL, OB_E_PARSE,
	       "DAV:include: only with DAV:allprop");
	expect(PF("<D:allprop/><D:include/><D:include/>"), NULL, OB_E_PARSE,
	       "DAV:propfind: more than one DAV:include");
	expect(PF(PROP "<D:href>/x</D:href>"), NULL, OB_E_PARSE,
	       "DAV:href: not allowed in DAV:propfind");
	expect(PF("<C:filter/>"), NULL, OB_E_PARSE,
	       "CARDDAV:filter: not allowed in DAV:propfind");
	expect(PF("<D:prop><C:address-data><C:prop/></C:address-data>"
		  "</D:prop>"),
	       NULL, OB_E_PARSE, "CARDDAV:prop: name attribute missing");
	expect(PF("<D:prop><C:address-data><C:allprop/><C:prop name='FN'/>"
		  "</C:address-data></D:prop>"),
	       NULL, OB_E_PARSE,
	       "CARDDAV:address-data: CARDDAV:allprop with CARDDAV:prop");
	test_end();

	test_begin("sync-collection errors");
	expect(SYNC(PROP), NULL, OB_E_PARSE,
	       "DAV:sync-collection: DAV:sync-token missing");
	expect(SYNC("<D:sync-token/>"), NULL, OB_E_PARSE,
	       "DAV:sync-collection: DAV:prop missing");
	expect(SYNC("<D:sync-token/><D:sync-token/>" PROP), NULL, OB_E_PARSE,
	       "DAV:sync-collection: more than one DAV:sync-token");
	expect(SYNC("<D:sync-token>a b</D:sync-token>" PROP), NULL, OB_E_PARSE,
	       "DAV:sync-token: not a token");
	expect(SYNC("<D:sync-token>t\xc3\xa9</D:sync-token>" PROP), NULL,
	       OB_E_PARSE, "DAV:sync-token: not a token");
	expect(SYNC("<D:sync-token><D:href>x</D:href></D:sync-token>" PROP),
	       NULL, OB_E_PARSE, "DAV:sync-token: not a token");
	expect(SYNC("<D:sync-token/><D:sync-level>2</D:sync-level>" PROP), NULL,
	       OB_E_PARSE, "DAV:sync-level: \"2\" is neither 1 nor infinite");
	expect(SYNC("<D:sync-token/><D:sync-level/><D:sync-level/>" PROP), NULL,
	       OB_E_PARSE, "DAV:sync-collection: more than one DAV:sync-level");
	expect(SYNC("<D:sync-token/><D:limit/>" PROP), NULL, OB_E_PARSE,
	       "DAV:limit: DAV:nresults missing");
	expect(SYNC("<D:sync-token/><D:limit><D:nresults>0</D:nresults>"
		    "</D:limit>" PROP),
	       NULL, OB_E_PARSE,
	       "DAV:nresults: \"0\" is not a positive number");
	expect(SYNC("<D:sync-token/><D:limit><D:nresults>-5</D:nresults>"
		    "</D:limit>" PROP),
	       NULL, OB_E_PARSE,
	       "DAV:nresults: \"-5\" is not a positive number");
	expect(SYNC("<D:sync-token/><D:limit><D:nresults>99999999999999999999"
		    "</D:nresults></D:limit>" PROP),
	       NULL, OB_E_PARSE,
	       "DAV:nresults: \"99999999999999999999\" is not a positive "
	       "number");
	expect(SYNC("<D:sync-token/><D:limit><D:nresults>1</D:nresults>"
		    "<D:nresults>2</D:nresults></D:limit>" PROP),
	       NULL, OB_E_PARSE, "DAV:limit: more than one DAV:nresults");
	expect(SYNC("<D:sync-token/><D:limit><D:nresults>1</D:nresults>"
		    "</D:limit><D:limit><D:nresults>1</D:nresults></"
		    "D:limit>" PROP),
	       NULL, OB_E_PARSE,
	       "DAV:sync-collection: more than one DAV:limit");
	expect(SYNC("<D:sync-token/><D:href>/a</D:href>" PROP), NULL,
	       OB_E_PARSE, "DAV:href: not allowed in DAV:sync-collection");
	test_end();

	test_begin("addressbook-multiget errors");
	expect(MG(PROP), NULL, OB_E_PARSE,
	       "CARDDAV:addressbook-multiget: no DAV:href");
	expect(MG(PROP "<D:href> </D:href>"), NULL, OB_E_PARSE,
	       "DAV:href: empty");
	expect(MG(PROP "<D:href>/a</D:href><D:limit><D:nresults>1"
		       "</D:nresults></D:limit>"),
	       NULL, OB_E_PARSE,
	       "DAV:limit: not allowed in CARDDAV:addressbook-multiget");
	expect(MG("<D:propname/>" PROP "<D:href>/a</D:href>"), NULL, OB_E_PARSE,
	       "CARDDAV:addressbook-multiget: more than one of DAV:allprop, "
	       "DAV:propname and DAV:prop");
	test_end();

	test_begin("addressbook-query errors");
	expect(Q(PROP), NULL, OB_E_PARSE,
	       "CARDDAV:addressbook-query: CARDDAV:filter missing");
	expect(Q("<C:filter/><C:filter/>"), NULL, OB_E_PARSE,
	       "CARDDAV:addressbook-query: more than one CARDDAV:filter");
	expect(Q("<C:filter test='some'/>"), NULL, OB_E_PARSE,
	       "CARDDAV:filter: test \"some\" unknown");
	expect(Q("<C:filter><C:prop-filter/></C:filter>"), NULL, OB_E_PARSE,
	       "CARDDAV:prop-filter: name attribute missing");
	expect(Q("<C:filter><C:prop-filter name='FN' test='none'/>"
		 "</C:filter>"),
	       NULL, OB_E_PARSE, "CARDDAV:prop-filter: test \"none\" unknown");
	expect(Q("<C:filter><C:prop-filter name='FN'><C:text-match "
		 "match-type='fuzzy'>a</C:text-match></C:prop-filter>"
		 "</C:filter>"),
	       NULL, OB_E_PARSE,
	       "CARDDAV:text-match: match-type \"fuzzy\" unknown");
	expect(Q("<C:filter><C:prop-filter name='FN'><C:text-match "
		 "negate-condition='maybe'>a</C:text-match></C:prop-filter>"
		 "</C:filter>"),
	       NULL, OB_E_PARSE,
	       "CARDDAV:text-match: negate-condition \"maybe\" is neither "
	       "yes nor no");
	expect(Q("<C:filter><C:prop-filter name='FN'><C:is-not-defined/>"
		 "<C:text-match>a</C:text-match></C:prop-filter></C:filter>"),
	       NULL, OB_E_PARSE,
	       "CARDDAV:prop-filter: CARDDAV:is-not-defined with other tests");
	expect(Q("<C:filter><C:text-match>a</C:text-match></C:filter>"), NULL,
	       OB_E_PARSE, "CARDDAV:text-match: not allowed in CARDDAV:filter");
	expect(Q("<C:filter><C:prop-filter name='FN'><C:prop-filter "
		 "name='N'/></C:prop-filter></C:filter>"),
	       NULL, OB_E_PARSE,
	       "CARDDAV:prop-filter: not allowed in CARDDAV:prop-filter");
	expect(Q("<C:filter/><D:sync-token/>"), NULL, OB_E_PARSE,
	       "DAV:sync-token: not allowed in CARDDAV:addressbook-query");
	expect(Q("<C:filter/><D:limit><D:nresults>x</D:nresults></D:limit>"),
	       NULL, OB_E_PARSE,
	       "DAV:nresults: \"x\" is not a positive number");
	test_end();
}

static void test_limits(void)
{
	struct ob_buf b;
	struct dav_limits small = {.props = 3, .hrefs = 2, .filters = 2};
	struct dav_request rq;
	struct ob_err err;

	test_begin("caps: properties, hrefs, filters, text-matches, tree");
	expect(PF("<D:prop><D:a/><D:b/><D:c/></D:prop>"), &small, 0, NULL);
	expect(PF("<D:prop><D:a/><D:b/><D:c/><D:d/></D:prop>"), &small,
	       OB_E_LIMIT, "DAV:prop: more than 3 properties");
	expect(PF("<D:allprop/><D:include><D:a/><D:b/><D:c/><D:d/>"
		  "</D:include>"),
	       &small, OB_E_LIMIT, "DAV:include: more than 3 properties");
	expect(PF("<D:prop><C:address-data><C:prop name='A'/><C:prop "
		  "name='B'/><C:prop name='C'/><C:prop name='D'/>"
		  "</C:address-data></D:prop>"),
	       &small, OB_E_LIMIT,
	       "CARDDAV:address-data: more than 3 properties");
	expect(MG(PROP "<D:href>/a</D:href><D:href>/b</D:href>"), &small, 0,
	       NULL);
	expect(MG(PROP "<D:href>/a</D:href><D:href>/b</D:href><D:href>/c"
		       "</D:href>"),
	       &small, OB_E_LIMIT,
	       "CARDDAV:addressbook-multiget: more than 2 DAV:href");
	expect(Q("<C:filter><C:prop-filter name='A'/><C:prop-filter "
		 "name='B'/><C:prop-filter name='C'/></C:filter>"),
	       &small, OB_E_LIMIT, "CARDDAV:filter: more than 2 prop-filters");
	expect(Q("<C:filter><C:prop-filter name='A'><C:text-match>1"
		 "</C:text-match><C:text-match>2</C:text-match><C:text-match>"
		 "3</C:text-match></C:prop-filter></C:filter>"),
	       &small, OB_E_LIMIT,
	       "CARDDAV:prop-filter: more than 2 text-matches");
	/* the defaults: 64 properties */
	ob_buf_init(&b, 1u << 22);
	ob_buf_add_str(&b, "<D:propfind " D "><D:prop>");
	for (int i = 0; i < 65; i++)
		ob_buf_addf(&b, "<D:p%d/>", i);
	ob_buf_add_str(&b, "</D:prop></D:propfind>");
	expect(ob_buf_str(&b), NULL, OB_E_LIMIT,
	       "DAV:prop: more than 64 properties");
	/* the tree cap */
	struct dav_limits tiny = {.tree_bytes = 4096};
	ob_buf_reset(&b);
	ob_buf_add_str(&b, "<C:addressbook-multiget " D " " C ">");
	for (int i = 0; i < 200; i++)
		ob_buf_addf(&b, "<D:href>/dav/acme/people/%06d.vcf</D:href>",
			    i);
	ob_buf_add_str(&b, "</C:addressbook-multiget>");
	expect(ob_buf_str(&b), &tiny, OB_E_LIMIT,
	       "message tree larger than 4096 bytes");
	expect(ob_buf_str(&b), NULL, 0, NULL);
	test_end();

	test_begin("entity declarations refused, deep nesting capped");
	expect("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM "
	       "'file:///etc/passwd'>]><C:addressbook-multiget " D " " C
	       "><D:href>&x;</D:href></C:addressbook-multiget>",
	       NULL, OB_E_PARSE, "entity declarations are not allowed");
	expect("<!DOCTYPE l [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b "
	       "'&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><D:propfind " D
	       "><D:prop><D:x>&b;</D:x></D:prop></D:propfind>",
	       NULL, OB_E_PARSE, "entity declarations are not allowed");
	expect("<D:propfind " D "><D:prop><D:x>&undeclared;</D:x></D:prop>"
	       "</D:propfind>",
	       NULL, OB_E_PARSE, NULL);
	ob_buf_reset(&b);
	ob_buf_add_str(&b, "<D:propfind " D "><D:prop>");
	for (int i = 0; i < 40; i++)
		ob_buf_add_str(&b, "<D:x>");
	for (int i = 0; i < 40; i++)
		ob_buf_add_str(&b, "</D:x>");
	ob_buf_add_str(&b, "</D:prop></D:propfind>");
	expect(ob_buf_str(&b), NULL, OB_E_LIMIT,
	       "elements nested deeper than 32");
	test_end();

	test_begin("a failed parse still owns what it read (deinit frees it)");
	const char *s = Q("<D:prop><D:getetag/><C:address-data><C:prop "
			  "name='FN'/></C:address-data></D:prop><C:filter>"
			  "<C:prop-filter name='FN'><C:text-match>a"
			  "</C:text-match></C:prop-filter><C:prop-filter "
			  "name='N'><C:text-match match-type='x'/>"
			  "</C:prop-filter></C:filter>");
	test_assert_int(dav_request_parse(s, strlen(s), NULL, &rq, &err),
			OB_E_PARSE);
	test_assert_int(rq.n_filters, 2);
	test_assert_int(rq.filters[0].n_matches, 1);
	dav_request_deinit(&rq);
	test_assert_int(rq.n_filters, 0);
	test_assert(rq.tree == NULL);
	dav_request_deinit(&rq);
	test_end();
	ob_buf_deinit(&b);
}

int main(void)
{
	sml_xml_init();
	test_real_clients();
	test_shapes();
	test_errors();
	test_limits();
	return test_done();
}
