/* Tests for carddav/phonebook: each vendor's exact document for a unit
 * six levels deep (Chinese and Latin names, names with & < > " ' and an
 * emoji, 0 to 5 numbers of every type, hidden people, another
 * enterprise's people of the same unit path), every document parsed by
 * expat and compared with the vendor's sample (testdata/phonebook/
 * xmlshape.py), paging (each person exactly once over all pages, at most
 * 32 Cisco entries a page), search, the route's answers to bad requests,
 * and the text and number rules. */
#include "config.h"
#include "carddav/phonebook.h"
#include "tests/lib/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

static struct dstore *open_new(void)
{
	static char path[512];
	struct dstore_options o = {0};
	struct dstore *s = NULL;
	struct ob_err err;

	snprintf(path, sizeof(path), "%s/pb.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &s, &err) < 0) {
		printf("# open: %s\n", err.msg);
		exit(99);
	}
	return s;
}

static int64_t unit(struct dstore *s, int64_t t, const char *path)
{
	struct ob_err err;
	int64_t id = 0;

	dstore_begin(s, t, "test", &err);
	if (dstore_unit_ensure_path(s, t, path, true, &id, &err) != 0)
		printf("# unit %s: %s\n", path, err.msg);
	dstore_commit(s, NULL, &err);
	return id;
}

/* phones: "type=number|type=number" */
static void put(struct dstore *s, int64_t t, const char *uid, int64_t u,
		const char *family, const char *given, const char *phones,
		bool hidden)
{
	struct dstore_person p = {0};
	struct dstore_phone ph[DSTORE_MULTI_MAX];
	char buf[1024], *save = NULL;
	struct ob_err err;

	p.uid = (char *)uid;
	p.family = (char *)family;
	p.given = (char *)given;
	p.unit_id = u;
	p.hidden = hidden;
	ob_strlcpy(buf, phones, sizeof(buf));
	for (char *tok = strtok_r(buf, "|", &save); tok != NULL;
	     tok = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(tok, '=');
		*eq = '\0';
		ph[p.n_phones].type = tok;
		ph[p.n_phones++].number = eq + 1;
	}
	p.phones = ph;
	dstore_begin(s, t, "test", &err);
	if (dstore_person_put(s, t, &p, NULL, &err) != 0)
		printf("# put %s: %s\n", uid, err.msg);
	dstore_commit(s, NULL, &err);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct ob_buf b;
	char chunk[4096];
	size_t n;

	ob_buf_init(&b, 1u << 24);
	if (f == NULL)
		return ob_buf_steal(&b, NULL);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ob_buf_add(&b, chunk, n);
	fclose(f);
	return ob_buf_steal(&b, NULL);
}

/* Is doc well-formed and of the vendor sample's structure? */
static void check_shape(const char *vendor, const struct ob_buf *doc)
{
	char path[512], cmd[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.xml", test_tmpdir(), vendor);
	f = fopen(path, "wb");
	fwrite(doc->data, 1, doc->len, f);
	fclose(f);
	/* test_srcpath's buffer is reused: build the command in two steps */
	char sample[512];
	snprintf(sample, sizeof(sample), "testdata/phonebook/%s.xml", vendor);
	char tool[512];
	ob_strlcpy(tool, test_srcpath("testdata/phonebook/xmlshape.py"),
		   sizeof(tool));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s >&2", tool,
		 test_srcpath(sample), path);
	test_assert_int(system(cmd), 0);
}

static int render(struct dstore *s, enum dav_pb_vendor v,
		  const struct dav_pb_opts *o, struct ob_buf *out,
		  size_t *count_r, int64_t *total_r)
{
	struct ob_err err;
	int ret;

	ob_buf_reset(out);
	ret = dav_pb_render(s, v, o, out, count_r, total_r, &err);
	if (ret != 0)
		printf("# render %s: %s\n", dav_pb_vendor_name(v), err.msg);
	return ret;
}

/* The entries' names of a document, in order, each followed by '\n'. */
static void names_of(const char *doc, const char *open, const char *close,
		     struct ob_buf *names)
{
	const char *p = doc;

	ob_buf_reset(names);
	while ((p = strstr(p, open)) != NULL) {
		p += strlen(open);
		const char *e = strstr(p, close);
		if (e == NULL)
			break;
		ob_buf_add(names, p, (size_t)(e - p));
		ob_buf_add_char(names, '\n');
		p = e;
	}
}

static size_t count_of(const char *doc, const char *what)
{
	size_t n = 0;
	/* overlapping: "\nA\nA\n" holds "\nA\n" twice */
	for (const char *p = doc; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

int main(void)
{
	struct dstore *s = open_new();
	struct ob_buf out, names;
	struct ob_err err;
	int64_t t = 0, t2 = 0, total = 0;
	size_t count = 0;
	char *want;

	ob_buf_init(&out, 1u << 24);
	ob_buf_init(&names, 1u << 24);
	dstore_tenant_create(s, "acme", "Acme", &t, &err);
	dstore_tenant_create(s, "other", "Other", &t2, &err);
	int64_t desk = unit(s, t, "Sales/East/Shanghai/Pudong/Lujiazui/Desk");
	int64_t east = unit(s, t, "Sales/East");
	int64_t bulk = unit(s, t, "Bulk");
	int64_t odesk = unit(s, t2, "Sales/East/Shanghai/Pudong/Lujiazui/Desk");
	int64_t deeper =
		unit(s, t, "Sales/East/Shanghai/Pudong/Lujiazui/Desk/Night");
	put(s, t, "a1", desk, "Adams", "Beth",
	    "work=(030) 1234-5678|cell=+49 170 1234567|home=+49 30 7654321|"
	    "fax=+49 30 111|work=+49 30 2222 x9",
	    false);
	put(s, t, "b1", deeper, "O'Neil <&>", "Tom \"T\" \xF0\x9F\x98\x80",
	    "cell=+1 (555) 010-0199", false);
	put(s, t, "c1", desk, "张", "伟",
	    "work=+86 21 5555-0101 ext 12|home=021-5555 0102", false);
	put(s, t, "h1", desk, "Hidden", "Person", "work=+1 555 0000", true);
	put(s, t, "n1", desk, "Nonumber", "Person", "", false);
	put(s, t, "f1", desk, "Faxonly", "Person", "fax=+1 555 0001", false);
	put(s, t, "e1", east, "East", "Eve", "work=+1 555 0002", false);
	put(s, t2, "o1", odesk, "Other", "Tenant", "work=+1 555 0003", false);
	for (int i = 0; i < 100; i++) {
		char uid[16], fam[32], num[32];
		snprintf(uid, sizeof(uid), "bulk%03d", i);
		if (i % 2)
			snprintf(fam, sizeof(fam), "Bulk%03d", i);
		else
			ob_strlcpy(fam, "李", sizeof(fam));
		snprintf(num, sizeof(num), "work=+86 10 %08d", i);
		put(s, t, uid, bulk, fam, i % 2 ? "Ann" : "明", num,
		    i % 10 == 3);
	}

	struct dav_pb_opts o = {
		.tenant_id = t,
		.unit_id = desk,
		.title = "Acme Desk",
		.page = 1,
		.base_url = "https://pb.example/phonebook/x.xml",
		.link_query = "unit=Desk",
	};
	for (int v = 0; v < DAV_PB_VENDOR_COUNT; v++) {
		char name[96], path[128];
		snprintf(name, sizeof(name), "%s: the exact document",
			 dav_pb_vendor_name((enum dav_pb_vendor)v));
		test_begin(name);
		test_assert_int(render(s, (enum dav_pb_vendor)v, &o, &out,
				       &count, &total),
				0);
		snprintf(path, sizeof(path), "testdata/phonebook/expect/%s.xml",
			 dav_pb_vendor_name((enum dav_pb_vendor)v));
		if (getenv("OB_TEST_REGEN") != NULL) {
			/* rewrite the expected document (review the diff) */
			FILE *f = fopen(test_srcpath(path), "w");
			if (f != NULL) {
				fputs(ob_buf_str(&out), f);
				fclose(f);
			}
		}
		want = slurp(test_srcpath(path));
		test_assert_str(ob_buf_str(&out), want);
		free(want);
		test_assert_int(count, 3);
		test_assert_int(total, 5); /* hidden left out; no number in */
		check_shape(dav_pb_vendor_name((enum dav_pb_vendor)v), &out);
		test_end();
	}

	test_begin("another enterprise sees only its own people");
	o.tenant_id = t2;
	o.unit_id = odesk;
	test_assert_int(render(s, DAV_PB_YEALINK, &o, &out, &count, &total), 0);
	test_assert_int(count, 1);
	test_assert(strstr(ob_buf_str(&out), "Tenant Other") != NULL);
	test_assert(strstr(ob_buf_str(&out), "Adams") == NULL);
	o.unit_id = desk; /* a unit of acme */
	test_assert_int(
		dav_pb_render(s, DAV_PB_YEALINK, &o, &out, NULL, NULL, &err),
		OB_E_NOTFOUND);
	o.tenant_id = t;
	test_end();

	/* the whole directory, paged: 96 visible people, 94 with a number
	 * (3 in Desk and below, 1 in East, 90 in Bulk) */
	o.unit_id = 0;
	o.link_query = "";
	for (int v = DAV_PB_CISCO; v <= DAV_PB_SNOM; v++) {
		enum dav_pb_vendor vv = (enum dav_pb_vendor)v;
		char name[96];
		struct ob_buf all;
		size_t people = 0;
		int64_t page, pages;

		snprintf(name, sizeof(name),
			 "%s: every person exactly once over all pages",
			 dav_pb_vendor_name(vv));
		test_begin(name);
		ob_buf_init(&all, 1u << 20);
		ob_buf_add_char(&all, '\n');
		pages = (96 + (int64_t)dav_pb_page_size(vv) - 1) /
			(int64_t)dav_pb_page_size(vv);
		for (page = 1; page <= pages + 1; page++) {
			o.page = page;
			test_assert_int(render(s, vv, &o, &out, &count, &total),
					0);
			test_assert_int(total, 96);
			check_shape(dav_pb_vendor_name(vv), &out);
			if (vv == DAV_PB_CISCO)
				test_assert(count_of(ob_buf_str(&out),
						     "<DirectoryEntry>") <= 32);
			people += count;
			/* Snom names carry the type when several numbers */
			names_of(ob_buf_str(&out), "<Name>", "</Name>", &names);
			ob_buf_add_str(&all, ob_buf_str(&names));
			test_assert_int(strstr(ob_buf_str(&out), "page=") !=
							NULL &&
						strstr(ob_buf_str(&out),
						       "<Label>Prev") == NULL &&
						strstr(ob_buf_str(&out),
						       "<Name>Prev") == NULL,
					page == 1);
			if (page == pages + 1)
				test_assert_int(count, 0);
		}
		test_assert_int(people, 94);
		/* each once */
		for (int i = 1; i < 100; i += 2) {
			char needle[64];
			snprintf(needle, sizeof(needle), "\nAnn Bulk%03d\n", i);
			test_assert_int(count_of(ob_buf_str(&all), needle),
					i % 10 == 3 ? 0 : 1);
		}
		test_assert_int(count_of(ob_buf_str(&all), "\n李明\n"), 50);
		test_assert_int(count_of(ob_buf_str(&all),
					 vv == DAV_PB_CISCO
						 ? "\nBeth Adams\n"
						 : "\nBeth Adams (Mobile)\n"),
				1);
		test_assert_int(
			count_of(ob_buf_str(&all), "\n张伟\n") +
				count_of(ob_buf_str(&all), "\n张伟 (Work)\n"),
			1);
		test_assert_int(count_of(ob_buf_str(&all), "Hidden"), 0);
		ob_buf_deinit(&all);
		test_end();
	}

	test_begin("a page's links keep the search and the view");
	o.unit_id = bulk;
	o.link_query = "unit=Bulk&q=bulk";
	o.search = "bulk";
	o.page = 1;
	test_assert_int(render(s, DAV_PB_CISCO, &o, &out, &count, &total), 0);
	test_assert_int(total, 40); /* 50 Latin bulk people, 10 hidden */
	test_assert_int(count, 32);
	test_assert(strstr(ob_buf_str(&out),
			   "<URL>https://pb.example/phonebook/x.xml?unit=Bulk"
			   "&amp;q=bulk&amp;page=2</URL>") != NULL);
	test_assert(strstr(ob_buf_str(&out), "<Prompt>1/2</Prompt>") != NULL);
	o.page = 2;
	test_assert_int(render(s, DAV_PB_SNOM, &o, &out, &count, &total), 0);
	test_assert_int(count, 0); /* 40 fit the first Snom page */
	test_assert(strstr(ob_buf_str(&out), "<Prompt>1/1</Prompt>") != NULL);
	test_end();

	test_begin("search: name, pinyin, initials, digits, never hidden");
	o.unit_id = 0;
	o.page = 1;
	static const struct {
		const char *q, *names;
	} cases[] = {
		{"zhang", "张伟\n"},
		{"zw", "张伟\n"},
		{"ADAMS", "Beth Adams\n"},
		{"1234567", "Beth Adams\n"},
		{"0100199", "Tom &quot;T&quot; \xF0\x9F\x98\x80 O&apos;Neil "
			    "&lt;&amp;&gt;\n"},
		{"O'Neil <&", "Tom &quot;T&quot; \xF0\x9F\x98\x80 O&apos;Neil "
			      "&lt;&amp;&gt;\n"},
		{"hidden", ""},
		{"Bulk003", ""},
		{"Bulk005", "Ann Bulk005\n"},
		{"nomatch-at-all", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.search = cases[i].q;
		test_assert_int(
			render(s, DAV_PB_YEALINK, &o, &out, &count, &total), 0);
		names_of(ob_buf_str(&out), "<Name>", "</Name>", &names);
		test_assert_str(ob_buf_str(&names), cases[i].names);
	}
	o.search = NULL;
	test_end();

	test_begin("yealink-menu: a Menu per unit below the view");
	o.unit_id = east;
	test_assert_int(
		render(s, DAV_PB_YEALINK_MENU, &o, &out, &count, &total), 0);
	names_of(ob_buf_str(&out), "<Menu Name=\"", "\">", &names);
	test_assert_str(ob_buf_str(&names),
			"East\nShanghai/Pudong/Lujiazui/Desk\n"
			"Shanghai/Pudong/Lujiazui/Desk/Night\n");
	test_assert_int(count, 4);
	o.unit_id = 0;
	test_end();

	test_begin("bad options");
	o.page = 0;
	test_assert_int(
		dav_pb_render(s, DAV_PB_CISCO, &o, &out, NULL, NULL, &err),
		OB_E_INVAL);
	test_assert_str(err.field, "page");
	o.page = 1;
	char longq[DAV_PB_QUERY_MAX + 1];
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	o.search = longq;
	test_assert_int(
		dav_pb_render(s, DAV_PB_YEALINK, &o, &out, NULL, NULL, &err),
		OB_E_INVAL);
	o.search = NULL;
	struct ob_buf tiny;
	ob_buf_init(&tiny, 300);
	test_assert_int(
		dav_pb_render(s, DAV_PB_YEALINK, &o, &tiny, NULL, NULL, &err),
		OB_E_LIMIT);
	ob_buf_deinit(&tiny);
	test_end();

	test_begin("the route: statuses");
	const struct {
		const char *path, *unit, *q, *page, *host;
		int status;
	} rq[] = {
		{"/phonebook/cisco.xml", NULL, NULL, NULL, "h", 200},
		{"/phonebook/cisco.xml", NULL, NULL, "2", "h:8443", 200},
		{"/phonebook/cisco.xml", NULL, NULL, "0", "h", 400},
		{"/phonebook/cisco.xml", NULL, NULL, "", "h", 400},
		{"/phonebook/cisco.xml", NULL, NULL, "-1", "h", 400},
		{"/phonebook/cisco.xml", NULL, NULL, "1x", "h", 400},
		{"/phonebook/cisco.xml", NULL, NULL, "1234567890", "h", 400},
		{"/phonebook/cisco.xml", NULL, NULL, "999999999", "h", 200},
		{"/phonebook/cisco.xml", NULL, NULL, NULL, "h\"><x", 400},
		{"/phonebook/cisco.xml", NULL, NULL, NULL, NULL, 400},
		{"/phonebook/yealink.xml", NULL, NULL, NULL, NULL, 200},
		{"/phonebook/yealink.xml", NULL, "#SEARCH", NULL, NULL, 200},
		{"/phonebook/yealink.xml", NULL, longq, NULL, NULL, 400},
		{"/phonebook/yealink.xml", "Sales/East", "zw", NULL, NULL, 200},
		{"/phonebook/yealink.xml", "Sales/Nope", NULL, NULL, NULL, 404},
		{"/phonebook/yealink.xml", "../x", NULL, NULL, NULL, 404},
		{"/phonebook/nokia.xml", NULL, NULL, NULL, NULL, 404},
		{"/phonebook/yealink", NULL, NULL, NULL, NULL, 404},
		{"/phonebook/.xml", NULL, NULL, NULL, NULL, 404},
		{"/phonebook/grandstream/phonebook.xml", NULL, NULL, NULL, NULL,
		 200},
		{"/phonebook/fanvil.xml", NULL, NULL, NULL, NULL, 200},
	};
	for (size_t i = 0; i < sizeof(rq) / sizeof(rq[0]); i++) {
		bool xml = false;
		ob_buf_reset(&out);
		struct dav_pb_request r = {
			rq[i].path, rq[i].unit, rq[i].q,    rq[i].page,
			NULL,       "https",    rq[i].host, DAV_PB_EXT_FIRST};
		int st = dav_pb_serve(s, t, &r, &out, &xml);
		if (st != rq[i].status)
			printf("# %s page=%s: %d\n", rq[i].path,
			       rq[i].page ? rq[i].page : "-", st);
		test_assert_int(st, rq[i].status);
		test_assert_int(xml, st == 200);
	}
	bool xml = false;
	ob_buf_reset(&out);
	struct dav_pb_request r1 = {"/phonebook/snom.xml",
				    "Bulk",
				    "a b",
				    NULL,
				    NULL,
				    "https",
				    "pb.example",
				    DAV_PB_EXT_FIRST};
	dav_pb_serve(s, t, &r1, &out, &xml);
	test_assert(
		strstr(ob_buf_str(&out),
		       "https://pb.example/phonebook/snom.xml?unit=Bulk&amp;"
		       "q=a%20b&amp;page=2") == NULL); /* one page only */
	ob_buf_reset(&out);
	struct dav_pb_request r2 = {"/phonebook/cisco.xml",
				    "Bulk",
				    NULL,
				    NULL,
				    NULL,
				    "https",
				    "pb.example",
				    DAV_PB_EXT_FIRST};
	dav_pb_serve(s, t, &r2, &out, &xml);
	test_assert(strstr(ob_buf_str(&out),
			   "<URL>https://pb.example/phonebook/cisco.xml?"
			   "unit=Bulk&amp;page=2</URL>") != NULL);
	test_assert(strstr(ob_buf_str(&out), "<Title>Acme Bulk</Title>") !=
		    NULL);
	test_end();

	test_begin("text: escaped, invalid UTF-8 and controls replaced");
	ob_buf_reset(&out);
	static const char bad[] = "a\xff\x01"
				  "b\xed\xa0\x80&<>\"'\xC0\xAF\xEF\xBF\xBE"
				  "\xF0\x9F\x98\x80\xF0\x9F\x98";
	test_assert_int(dav_pb_xml_text(&out, bad, sizeof(bad) - 1), 0);
	test_assert_str(ob_buf_str(&out),
			"a\xEF\xBF\xBD b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
			"&amp;&lt;&gt;&quot;&apos;\xEF\xBF\xBD\xEF\xBF\xBD"
			"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xF0\x9F\x98\x80"
			"\xEF\xBF\xBD\xEF\xBF\xBD"
			"\xEF\xBF\xBD");
	test_end();

	test_begin("numbers: dialable form");
	static const struct {
		const char *in, *out;
	} nums[] = {
		{"+86 21 5555-0101 ext 12", "+862155550101"},
		{"(030) 1234-5678", "03012345678"},
		{"+1 (555) 010-0199 x7", "+15550100199"},
		{"+49 30 2222;ext=9", "+49302222"},
		{"0049.30/123", "004930123"},
		{"12 #3", "12"},
		{"ext 12", "12"},
		{"tel:+1-555", "+1555"},
		{"1+2", "12"},
		{"none", ""},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char buf[64];
		bool ok = dav_pb_dial_number(nums[i].in, buf, sizeof(buf));
		test_assert_str(buf, nums[i].out);
		test_assert_int(ok, nums[i].out[0] != '\0');
	}
	test_end();

	test_begin("numbers: the extension alone");
	static const struct {
		const char *in, *ext;
	} exts[] = {
		{"+86 21 5555-0101 ext 12", "12"},
		{"+86 21 6807 3439 ext. 196", "196"},
		{"+1 (555) 010-0199 x7", "7"},
		{"+49 30 2222;ext=9", "9"},
		{"12 #3", "3"},
		{"+1 555 0100 EXT 1-2", "12"},
		{"ext 12", ""},          /* no main number before it */
		{"+1 555 0100 ext", ""}, /* no digits after it */
		{"(030) 1234-5678", ""},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char buf[64];
		bool ok = dav_pb_extension(exts[i].in, buf, sizeof(buf));
		test_assert_str(buf, exts[i].ext);
		test_assert_int(ok, exts[i].ext[0] != '\0');
	}
	test_end();

	test_begin("extensions: first (default), main, only; ext= of the URL");
	o.tenant_id = t;
	o.unit_id = desk;
	o.link_query = "";
	o.ext = DAV_PB_EXT_MAIN; /* the main number only, as before */
	test_assert_int(render(s, DAV_PB_YEALINK, &o, &out, NULL, NULL), 0);
	test_assert(strstr(ob_buf_str(&out), " <Name>张伟</Name>\n"
					     " <Telephone>+862155550101"
					     "</Telephone>\n"
					     " <Telephone>02155550102"
					     "</Telephone>\n") != NULL);
	test_assert(strstr(ob_buf_str(&out), "<Telephone>12<") == NULL);
	o.ext = DAV_PB_EXT_ONLY; /* the extension in the number's place */
	test_assert_int(render(s, DAV_PB_YEALINK, &o, &out, NULL, NULL), 0);
	test_assert(strstr(ob_buf_str(&out), " <Name>张伟</Name>\n"
					     " <Telephone>12</Telephone>\n"
					     " <Telephone>02155550102"
					     "</Telephone>\n") != NULL);
	test_assert(strstr(ob_buf_str(&out), "+862155550101") == NULL);
	test_assert_int(render(s, DAV_PB_FANVIL, &o, &out, NULL, NULL), 0);
	test_assert(strstr(ob_buf_str(&out),
			   "<Telephone>12</Telephone>\n"
			   " <Other>02155550102</Other>\n") != NULL);
	o.ext = DAV_PB_EXT_FIRST;
	static const char *const bad_ext[] = {"", "both", "FIRST", "main "};
	for (size_t i = 0; i < sizeof(bad_ext) / sizeof(bad_ext[0]); i++) {
		struct dav_pb_request r = {"/phonebook/yealink.xml",
					   NULL,
					   NULL,
					   NULL,
					   bad_ext[i],
					   "https",
					   "pb.example",
					   DAV_PB_EXT_FIRST};
		ob_buf_reset(&out);
		test_assert_int(dav_pb_serve(s, t, &r, &out, &xml), 400);
		test_assert_str(ob_buf_str(&out), "ext: first, main or only\n");
	}
	{
		/* the URL's choice over the operator's, and kept by paging */
		struct dav_pb_request r = {"/phonebook/cisco.xml",
					   "Bulk",
					   NULL,
					   NULL,
					   "main",
					   "https",
					   "pb.example",
					   DAV_PB_EXT_ONLY};
		ob_buf_reset(&out);
		test_assert_int(dav_pb_serve(s, t, &r, &out, &xml), 200);
		test_assert(strstr(ob_buf_str(&out),
				   "cisco.xml?unit=Bulk&amp;ext=main&amp;"
				   "page=2</URL>") != NULL);
		r.unit = "Sales/East";
		r.ext = NULL; /* the operator's: only the extension */
		ob_buf_reset(&out);
		test_assert_int(dav_pb_serve(s, t, &r, &out, &xml), 200);
		test_assert(strstr(ob_buf_str(&out),
				   "<Telephone>12</Telephone>") != NULL);
		test_assert(strstr(ob_buf_str(&out), "+862155550101") == NULL);
	}
	test_end();

	ob_buf_deinit(&out);
	ob_buf_deinit(&names);
	dstore_close(&s);
	return test_done();
}
