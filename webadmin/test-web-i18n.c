/* Tests for the admin pages' two languages (i18n.h): Accept-Language and
 * cookie parsing on good and hostile input, the patterns that translate
 * other modules' messages, times in the administrator's zone, and every
 * page of the layout, sign-in, errors, import (preview, apply, undo),
 * export, audit log, devices, the directory (units, views, bulk actions
 * and their confirmations), accounts (list, actions, CSV import, reset
 * links) and the public /reset page rendered through wa_web_handle in
 * Chinese (no English word left in its visible text but data and a short
 * list of names such as CSV and vCard; no catalogue miss) and in English
 * (no Chinese but the language switch). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dirstore/dirstore.h"
#include "dirstore/syncml-state.h"
#include "tests/lib/test.h"
#include "webadmin/form.h"
#include "webadmin/html.h"
#include "webadmin/i18n.h"
#include "webadmin/web.h"

/* ---- the parsers --------------------------------------------------------- */

static void test_accept_language(void)
{
	static const struct {
		const char *h;
		enum wa_lang want;
	} cases[] = {
		{"", WA_LANG_EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", WA_LANG_ZH},
		{"en-US,en;q=0.9,zh-CN;q=0.8", WA_LANG_EN},
		{"zh", WA_LANG_ZH},
		{"ZH-cn", WA_LANG_ZH},
		{"zh-Hans", WA_LANG_ZH},
		{"zh-TW", WA_LANG_ZH},
		{"zh-Hant-HK", WA_LANG_ZH},
		{"fr-FR, zh;q=0.5", WA_LANG_ZH},
		{"fr", WA_LANG_EN},
		{"de;q=1, en;q=0.1, zh;q=0.2", WA_LANG_ZH},
		{"en;q=0.5,zh;q=0.5", WA_LANG_EN},
		{"zh;q=0.5,en;q=0.5", WA_LANG_ZH},
		{"*;q=0.5, zh;q=0.4", WA_LANG_EN},
		{"zh;q=0", WA_LANG_EN},
		{"zh;q=0.000", WA_LANG_EN},
		{"zh;q=1.000", WA_LANG_ZH},
		{"zh ; q=0.7 , en;q=0.6", WA_LANG_ZH},
		{"zh;Q=0.7,en;q=0.6", WA_LANG_ZH},
		/* malformed q-values: the entry is skipped */
		{"zh;q=1.5", WA_LANG_EN},
		{"zh;q=1.001", WA_LANG_EN},
		{"zh;q=0.9999", WA_LANG_EN},
		{"zh;q=0.5x", WA_LANG_EN},
		{"zh;q=", WA_LANG_EN},
		{"zh;q=-1", WA_LANG_EN},
		{"zh;q=.5", WA_LANG_EN},
		{"zh;q=0.5;q=", WA_LANG_EN},
		{"zh;q=NaN,en;q=0.1", WA_LANG_EN},
		/* not Chinese, not tags */
		{"zhx", WA_LANG_EN},
		{"zh_CN", WA_LANG_EN},
		{"z", WA_LANG_EN},
		{",,,;;;===", WA_LANG_EN},
		{"\xe4\xb8\xad\xe6\x96\x87", WA_LANG_EN},
		{";q=0.9", WA_LANG_EN},
	};
	char *big;

	test_begin("Accept-Language: the acceptable entry of highest q, zh-* "
		   "Chinese, malformed entries skipped, hostile headers the "
		   "default");
	test_assert_int(wa_lang_from_accept(NULL), WA_LANG_EN);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (wa_lang_from_accept(cases[i].h) != cases[i].want)
			test_fail(__FILE__, __LINE__, "\"%s\": want %s",
				  cases[i].h, wa_lang_code(cases[i].want));
	}
	/* a header over the cap is ignored whole */
	big = malloc(WA_ACCEPT_LANGUAGE_MAX + 16);
	test_assert(big != NULL);
	memset(big, ' ', WA_ACCEPT_LANGUAGE_MAX + 15);
	memcpy(big, "zh,", 3);
	big[WA_ACCEPT_LANGUAGE_MAX + 15] = '\0';
	test_assert_int(wa_lang_from_accept(big), WA_LANG_EN);
	big[WA_ACCEPT_LANGUAGE_MAX] = '\0'; /* just at the cap: read */
	test_assert_int(wa_lang_from_accept(big), WA_LANG_ZH);
	/* entries after the first WA_ACCEPT_LANGUAGE_ENTRIES are ignored */
	for (int i = 0; i < WA_ACCEPT_LANGUAGE_ENTRIES; i++)
		memcpy(big + 3 * i, "fr,", 3);
	memcpy(big + 3 * WA_ACCEPT_LANGUAGE_ENTRIES, "zh", 3);
	test_assert(strlen(big) < WA_ACCEPT_LANGUAGE_MAX);
	test_assert_int(wa_lang_from_accept(big), WA_LANG_EN);
	memcpy(big, "zh,", 3);
	test_assert_int(wa_lang_from_accept(big), WA_LANG_ZH);
	/* thousands of commas, q-values of every length */
	for (size_t i = 0; i < WA_ACCEPT_LANGUAGE_MAX; i++)
		big[i] = "zh;q=0.,"[i % 8];
	big[WA_ACCEPT_LANGUAGE_MAX] = '\0';
	test_assert_int(wa_lang_from_accept(big), WA_LANG_EN);
	free(big);
	test_end();
}

static void test_cookies(void)
{
	int m = 0;

	test_begin("cookies: ob_lang=zh|en wins over Accept-Language, ob_tz "
		   "only as minutes in [-720, 840]");
	test_assert_int(wa_lang_choose("a=b; ob_lang=zh", WA_LANG_COOKIE, "en"),
			WA_LANG_ZH);
	test_assert_int(wa_lang_choose("ob_lang=en", WA_LANG_COOKIE, "zh"),
			WA_LANG_EN);
	test_assert_int(wa_lang_choose("ob_lang=fr", WA_LANG_COOKIE, "zh"),
			WA_LANG_ZH);
	test_assert_int(wa_lang_choose("ob_lang=zhh", WA_LANG_COOKIE, NULL),
			WA_LANG_EN);
	test_assert_int(wa_lang_choose("xob_lang=zh", WA_LANG_COOKIE, NULL),
			WA_LANG_EN);
	test_assert_int(wa_lang_choose("ob_langx=zh", WA_LANG_COOKIE, NULL),
			WA_LANG_EN);
	test_assert_int(wa_lang_choose(NULL, WA_LANG_COOKIE, NULL), WA_LANG_EN);
	test_assert_int(wa_lang_choose("__Host-ob_lang=zh",
				       "__Host-" WA_LANG_COOKIE, NULL),
			WA_LANG_ZH);
	test_assert(wa_tz_from_cookie("ob_tz=480", &m) && m == 480);
	test_assert(wa_tz_from_cookie("a=1; ob_tz=-300; b=2", &m) && m == -300);
	test_assert(wa_tz_from_cookie("ob_tz=840", &m) && m == 840);
	test_assert(wa_tz_from_cookie("ob_tz=-720", &m) && m == -720);
	test_assert(!wa_tz_from_cookie("ob_tz=841", &m));
	test_assert(!wa_tz_from_cookie("ob_tz=-721", &m));
	test_assert(!wa_tz_from_cookie("ob_tz=99999999999999999999", &m));
	test_assert(!wa_tz_from_cookie("ob_tz=", &m));
	test_assert(!wa_tz_from_cookie("ob_tz=8a", &m));
	test_assert(!wa_tz_from_cookie("ob_tz=Asia/Shanghai", &m));
	test_assert(!wa_tz_from_cookie(NULL, &m));
	test_end();
}

static void tr(enum wa_lang lang, const char *text, const char *want)
{
	struct ob_buf b;

	ob_buf_init(&b, 1 << 16);
	wa_tr_msg(lang, text, &b);
	test_assert_str(ob_buf_str(&b), want);
	ob_buf_deinit(&b);
}

static void test_patterns(void)
{
	test_begin("messages of other modules: translated by the patterns, "
		   "their variable parts kept, unknown ones left as they are");
	tr(WA_LANG_ZH,
	   "line 3, column 7 (email): \"x@\" is not an email "
	   "address",
	   "第 3 行，第 7 列（email）：\"x@\" 不是电子邮件地址");
	tr(WA_LANG_ZH, "line 12: no vCard in the file",
	   "第 12 行：文件中没有 vCard");
	tr(WA_LANG_ZH, "add u-1 Ann Lee in Sales/East",
	   "添加 u-1 Ann Lee，部门 Sales/East");
	tr(WA_LANG_ZH, "add u-1 Ann Lee", "添加 u-1 Ann Lee");
	tr(WA_LANG_ZH, "    title: \"a\" -> \"b\"", "    职务：\"a\" → \"b\"");
	/* a field name is a term: looked up whole, never as a pattern, and
	 * an unknown one is copied */
	tr(WA_LANG_ZH, "nickname: \"a\" -> \"b\"", "nickname：\"a\" → \"b\"");
	/* values are copied even when one is a msgid */
	tr(WA_LANG_ZH, "note: \"Import\" -> (empty)",
	   "备注：\"Import\" →（空）");
	tr(WA_LANG_ZH, "line 4 (photo): some new message",
	   "第 4 行（photo）：some new message");
	tr(WA_LANG_ZH, "something else entirely", "something else entirely");
	tr(WA_LANG_ZH, "", "");
	tr(WA_LANG_EN, "line 3: no vCard in the file",
	   "line 3: no vCard in the file");
	test_assert_str(wa_tr(WA_LANG_ZH, "Import"), "导入");
	test_assert_str(wa_tr(WA_LANG_EN, "Import"), "Import");
	test_end();
}

/* Every line dstore_person_diff writes, in Chinese, holds no English word
 * outside the quoted values: two people differing in every field (values
 * without ASCII letters, so any letter left is an untranslated word),
 * then the photo, hidden and phone-order cases, both indents. */
static void diff_lines_zh(const struct dstore_person *a,
			  const struct dstore_person *z, const char *indent)
{
	struct ob_buf d;

	ob_buf_init(&d, 1 << 20);
	test_assert(dstore_person_diff(a, z, indent, &d) > 0);
	for (const char *l = ob_buf_str(&d); *l;) {
		size_t len = strcspn(l, "\n");
		char *one = strndup(l, len);
		struct ob_buf t;
		bool quoted = false, english = false;

		ob_buf_init(&t, 1 << 16);
		wa_tr_msg(WA_LANG_ZH, one, &t);
		for (const char *q = ob_buf_str(&t); *q; q++) {
			if (*q == '"')
				quoted = !quoted;
			else if (!quoted && ((*q >= 'a' && *q <= 'z') ||
					     (*q >= 'A' && *q <= 'Z')))
				english = true;
		}
		if (english)
			fprintf(stderr, "# untranslated: %s -> %s\n", one,
				ob_buf_str(&t));
		test_assert(!english);
		ob_buf_deinit(&t);
		free(one);
		l += len + (l[len] == '\n');
	}
	ob_buf_deinit(&d);
}

static void test_diff_zh(void)
{
	struct dstore_phone ph_a[] = {
		{"work", "1"}, {"cell", "2"}, {"home", "3"}, {"fax", "4"}};
	struct dstore_phone ph_z[] = {
		{"work", "5"}, {"cell", "6"}, {"home", "7"}, {"fax", "8"}};
	struct dstore_phone ph_r[] = {{"work", "1"}, {"cell", "9"}};
	struct dstore_phone ph_r2[] = {{"cell", "9"}, {"work", "1"}};
	char *em_a[] = {"甲@例.中国"}, *em_z[] = {"乙@例.中国"};
	unsigned char img1[] = {0x89, 'P', 'N', 'G', 1};
	unsigned char img2[] = {0x89, 'P', 'N', 'G', 2, 3};
	struct dstore_person a = {.unit_id = 1,
				  .unit_path = "研发",
				  .family = "张",
				  .given = "三",
				  .phonetic_family = "一",
				  .phonetic_given = "二",
				  .title = "工程师",
				  .phones = ph_a,
				  .n_phones = 4,
				  .emails = em_a,
				  .n_emails = 1,
				  .street = "路",
				  .locality = "京",
				  .region = "京",
				  .postcode = "1",
				  .country = "中",
				  .note = "甲",
				  .photo = img1,
				  .photo_len = sizeof(img1)};
	struct dstore_person z = {.unit_id = 2,
				  .unit_path = "销售",
				  .family = "李",
				  .given = "四",
				  .phonetic_family = "三",
				  .phonetic_given = "四",
				  .title = "经理",
				  .phones = ph_z,
				  .n_phones = 4,
				  .emails = em_z,
				  .n_emails = 1,
				  .street = "街",
				  .locality = "沪",
				  .region = "沪",
				  .postcode = "2",
				  .country = "华",
				  .note = "乙",
				  .photo = img2,
				  .photo_len = sizeof(img2),
				  .hidden = true};
	struct dstore_person e = {.unit_id = 1,
				  .unit_path = "研发",
				  .family = "张",
				  .given = "三"};
	struct dstore_person r1 = e, r2 = e;

	test_begin("every field's change line of the audit log and the import "
		   "preview reads in Chinese");
	r1.phones = ph_r;
	r1.n_phones = 2;
	r2.phones = ph_r2;
	r2.n_phones = 2;
	for (int i = 0; i < 2; i++) {
		const char *in = i ? "    " : "";
		diff_lines_zh(&a, &z, in);   /* every field, photo changed */
		diff_lines_zh(&z, &a, in);   /* hidden yes -> no */
		diff_lines_zh(&e, &a, in);   /* (empty) -> x, photo added */
		diff_lines_zh(&a, &e, in);   /* x -> (empty), photo removed */
		diff_lines_zh(&r1, &r2, in); /* the same numbers reordered */
	}
	test_end();
}

static void test_times(void)
{
	struct ob_buf b;
	struct wa_tz none = {0}, cst = {true, 480}, nfl = {true, -210};

	test_begin("times: in the browser's offset with UTC in the tooltip, "
		   "UTC labelled UTC without one");
	ob_buf_init(&b, 4096);
	wa_time_in(&b, WA_LANG_EN, &none, 1796229600); /* 2026-12-02 16:40 */
	test_assert_str(ob_buf_str(&b),
			"<time datetime=\"2026-12-02T16:40:00Z\" "
			"title=\"2026-12-02 16:40 UTC\">2026-12-02 16:40 "
			"UTC</time>");
	ob_buf_reset(&b);
	wa_time_in(&b, WA_LANG_ZH, &cst, 1796229600);
	test_assert_str(ob_buf_str(&b),
			"<time datetime=\"2026-12-02T16:40:00Z\" "
			"title=\"2026-12-02 16:40 UTC\">2026-12-03 00:40 "
			"UTC+08:00</time>");
	ob_buf_reset(&b);
	wa_time_in(&b, WA_LANG_EN, &nfl, 1796229600);
	test_assert_str(ob_buf_str(&b),
			"<time datetime=\"2026-12-02T16:40:00Z\" "
			"title=\"2026-12-02 16:40 UTC\">2026-12-02 13:10 "
			"UTC-03:30</time>");
	ob_buf_reset(&b);
	wa_time_in(&b, WA_LANG_ZH, &cst, 0);
	test_assert_str(ob_buf_str(&b), "从未");
	ob_buf_deinit(&b);
	test_end();
}

/* ---- the pages ------------------------------------------------------------ */

static struct dstore *store;
static struct wa_web_config cfg;
static int64_t acme, boss, now = 1796229600;  /* 2026-12-02 16:40 */
static int64_t sales, east, linked, disabled; /* units and accounts */
static int run; /* all_pages() calls so far: unique logins per call */
static char session[128], csrf[65];

struct resp {
	struct wa_web_response r;
	const char *body;
};

static void req(struct resp *out, const char *method, const char *path,
		const char *query, const char *cookie, const char *accept,
		const char *ctype, const char *body, size_t len)
{
	struct wa_form q = {0};
	struct wa_web_request rq = {0};
	struct ob_err err;

	if (query != NULL)
		(void)wa_form_parse_urlencoded(&q, query, strlen(query), &err);
	rq.method = method;
	rq.path = path;
	rq.query = &q;
	rq.cookie = cookie;
	rq.accept_language = accept;
	rq.host = "admin.example";
	rq.remote_addr = "192.0.2.9";
	rq.content_type = ctype ? ctype : "application/x-www-form-urlencoded";
	rq.body = body ? body : "";
	rq.body_len = body ? (len ? len : strlen(body)) : 0;
	rq.now = now;
	wa_web_handle(store, &cfg, &rq, &out->r);
	out->body = ob_buf_str(&out->r.body);
	wa_form_deinit(&q);
}

static void done(struct resp *r)
{
	wa_web_response_deinit(&r->r);
}

static void setup(void)
{
	char path[4200];
	struct dstore_options o = {0};
	struct ob_err err;
	struct resp r;

	snprintf(path, sizeof(path), "%s/i18n.db", test_tmpdir());
	o.path = path;
	o.sync_normal = true;
	if (dstore_open(&o, &store, &err) != 0) {
		printf("# %s\n", err.msg);
		exit(99);
	}
	wa_web_config_defaults(&cfg);
	dstore_tenant_create(store, "acme", "Acme", &acme, &err);
	dstore_account_create(store, acme, "boss@acme", "boss-password",
			      DSTORE_ROLE_ADMIN, &boss, &err);
	/* a device that synced once */
	struct dstore_sync_state st = {.account_id = boss, .last_sync = now};
	snprintf(st.device, sizeof(st.device), "phone-1");
	snprintf(st.datastore, sizeof(st.datastore), "./contacts");
	snprintf(st.client_info, sizeof(st.client_info), "Test phone");
	if (dstore_begin(store, acme, "test", &err) != 0 ||
	    dstore_sync_put(store, acme, &st, &err) != 0 ||
	    dstore_commit(store, NULL, &err) != 0)
		exit(99);
	/* the directory pages: two units, more people than a page, an
	 * account linked to its person (signed in once), a disabled one */
	if (dstore_begin(store, acme, "web:boss@acme", &err) != 0 ||
	    dstore_unit_add(store, acme, 0, "Sales", 0, &sales, &err) != 0 ||
	    dstore_unit_add(store, acme, sales, "East", 0, &east, &err) != 0)
		exit(99);
	for (int i = 1; i <= 55; i++) {
		char uid[32], num[32];
		struct dstore_phone ph = {.type = "cell", .number = num};
		struct dstore_person pp = {.uid = uid,
					   .unit_id = i <= 30 ? sales : east,
					   .family = i % 2 ? "Lee" : "Wu",
					   .given = i % 2 ? "Ann" : "Bo",
					   .display =
						   i % 2 ? "Ann Lee" : "Bo Wu",
					   .phones = &ph,
					   .n_phones = 1,
					   .hidden = i == 55};
		snprintf(uid, sizeof(uid), "i18n-p%02d", i);
		snprintf(num, sizeof(num), "139000000%02d", i);
		if (dstore_person_put(store, acme, &pp, NULL, &err) != 0)
			exit(99);
	}
	if (dstore_commit(store, NULL, &err) != 0 ||
	    dstore_account_create(store, acme, "7@acme", "seven-password",
				  DSTORE_ROLE_USER, &linked, &err) != 0 ||
	    dstore_account_link(store, acme, linked, "i18n-p01", &err) != 0 ||
	    dstore_login_record(store, acme, linked, now - 3600, &err) != 0 ||
	    dstore_account_create(store, acme, "8@acme", "eight-password",
				  DSTORE_ROLE_USER, &disabled, &err) != 0 ||
	    dstore_account_set_disabled(store, acme, disabled, true, &err) != 0)
		exit(99);
	(void)dstore_account_log_add(store, acme, now, "web:boss@acme", "link",
				     "7@acme", "i18n-p01", &err);
	(void)dstore_account_log_add(store, acme, now, "web:boss@acme",
				     "reset-link", "7@acme", "valid 72 hours",
				     &err);
	req(&r, "POST", "/login", NULL, NULL, NULL, NULL,
	    "login=boss@acme&password=boss-password", 0);
	size_t n = strcspn(r.r.set_cookie, ";");
	if (r.r.status != 303 || n >= sizeof(session))
		exit(99);
	memcpy(session, r.r.set_cookie, n);
	done(&r);
	req(&r, "GET", "/units", NULL, session, NULL, NULL, NULL, 0);
	const char *c = strstr(r.body, "name=\"csrf\" value=\"");
	if (c == NULL)
		exit(99);
	memcpy(csrf, c + 19, 64);
	done(&r);
}

/* Text the pages show that is not a label: data of this test and the
 * names and codes every language writes as they are. */
static const char *const data[] = {
	"web:boss@acme",
	"boss@acme",
	"Acme",
	"people.csv",
	"bad.csv",
	"i18n-1",
	"i18n-2",
	"Ann Lee",
	"Bo Wu",
	"Sales",
	"Support",
	"phone-1",
	"Test phone",
	"./contacts",
	"x@",
	"orgbook-admin import --undo",
	"@acme",
	"i18n-p",
	"i18n-gone",
	"i18n-nobody",
	"East",
	"Lee",
	"web",
	"group",
	NULL,
};
static const char *const names[] = {
	"Orgbook",      "CSV",        "vCard",    "vcf",     "UTF",
	"GB",           "GBK",        "UTC",      "English", "Outlook",
	"Gmail",        "iOS",        "GET",      "POST",    "uid",
	"family_name",  "given_name", "unit",     "title",   "phone_cell",
	"email",        "vcf21",      "vcf30",    "vcf40",   "csv",
	"display_name", "JPEG",       "PNG",      "GB18030", "orgbook",
	"admin",        "login",      "role",     "user",    "password",
	"reset_link",   "zs",         "zhangsan", "JSON",    "json",
	NULL,
};

static bool is_name(const char *w, size_t n)
{
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && memcmp(names[i], w, n) == 0)
			return true;
	return false;
}

/* The visible text of a page: element text and the title, placeholder,
 * aria-label and alt attributes, entities decoded, the language switch
 * and the data left out. Caller frees. */
static char *visible(const char *html)
{
	size_t len = strlen(html);
	char *out = malloc(len * 2 + 2), *o = out;
	const char *p = strstr(html, "<nav class=\"lang\"");
	const char *lang_end = p ? strstr(p, "</nav>") : NULL;

	for (p = html; *p;) {
		if (lang_end && p == strstr(html, "<nav class=\"lang\"")) {
			p = lang_end + 6;
			continue;
		}
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (e == NULL)
				break;
			static const char *const attrs[] = {
				" title=\"", " placeholder=\"",
				" aria-label=\"", " alt=\"", NULL};
			for (size_t i = 0; attrs[i]; i++) {
				const char *a = strstr(p, attrs[i]);
				if (a == NULL || a > e)
					continue;
				a += strlen(attrs[i]);
				const char *q = strchr(a, '"');
				*o++ = ' ';
				memcpy(o, a, (size_t)(q - a));
				o += q - a;
				*o++ = ' ';
			}
			*o++ = ' ';
			p = e + 1;
			continue;
		}
		if (*p == '&') {
			const char *e = strchr(p, ';');
			if (e != NULL && e - p < 8) {
				*o++ = strncmp(p, "&amp;", 5) == 0 ? '&' : ' ';
				p = e + 1;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	for (size_t i = 0; data[i]; i++) {
		size_t n = strlen(data[i]);
		for (char *d = strstr(out, data[i]); d; d = strstr(d, data[i]))
			memset(d, ' ', n);
	}
	return out;
}

/* An English word left in a Chinese page: the first one, or NULL. */
static const char *english_word(const char *text, size_t *len_r)
{
	for (const char *p = text; *p;) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			p++;
			continue;
		}
		const char *w = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		size_t n = (size_t)(p - w);
		if (n >= 2 && !is_name(w, n)) {
			*len_r = n;
			return w;
		}
	}
	return NULL;
}

/* A Chinese character (U+3000..U+9FFF, U+FF00..U+FFEF) in text. */
static const char *chinese(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((p[0] >= 0xe3 && p[0] <= 0xe9 && p[1] >= 0x80) ||
		    (p[0] == 0xef && (p[1] == 0xbc || p[1] == 0xbd ||
				      p[1] == 0xbe || p[1] == 0xbf)))
			return (const char *)p;
	return NULL;
}

/* The contents of <code class="pw"> and <code class="reset-link">
 * (generated passwords and links) blanked in a copy of html. */
static char *without_secrets(const char *html)
{
	char *out = strdup(html);
	static const char *const tags[] = {"<code class=\"pw\">",
					   "<code class=\"reset-link\">", NULL};

	for (size_t i = 0; out != NULL && tags[i]; i++)
		for (char *p = strstr(out, tags[i]); p;
		     p = strstr(p, tags[i])) {
			char *e = strstr(p, "</code>");
			p += strlen(tags[i]);
			if (e == NULL)
				break;
			memset(p, ' ', (size_t)(e - p));
		}
	return out;
}

static void check_page(const char *what, struct resp *r, enum wa_lang lang)
{
	char *plain = without_secrets(r->body);
	char *text = visible(plain);
	char want[64];
	size_t n = 0;
	const char *w;

	snprintf(want, sizeof(want), "<html lang=\"%s\">", wa_lang_tag(lang));
	if (strstr(r->body, want) == NULL)
		test_fail(__FILE__, __LINE__, "%s: no %s", what, want);
	if (strstr(r->body, "<nav class=\"lang\"") == NULL)
		test_fail(__FILE__, __LINE__, "%s: no language switch", what);
	if (lang == WA_LANG_ZH && (w = english_word(text, &n)) != NULL)
		test_fail(__FILE__, __LINE__,
			  "%s (zh): untranslated \"%.*s\" in: %.80s", what,
			  (int)n, w, w);
	if (lang == WA_LANG_EN && (w = chinese(text)) != NULL)
		test_fail(__FILE__, __LINE__, "%s (en): Chinese in: %.60s",
			  what, w);
	free(text);
	free(plain);
}

static const char good_csv[] = "uid,family_name,given_name,unit,title,"
			       "phone_cell,email\r\n"
			       "i18n-1,Lee,Ann,Sales,,13800000001,\r\n"
			       "i18n-2,Wu,Bo,Support,,13800000002,\r\n";
static const char bad_csv[] = "uid,family_name,given_name,email\r\n"
			      "i18n-3,Lee,Ann,x@\r\n"
			      "i18n-4,,,\r\n";

/* POST a file to /import/preview; the upload id of the preview into
 * *upload_r (0 when it shows none). */
static void preview(struct resp *r, const char *cookie, const char *accept,
		    const char *name, const char *csv, const char *mode,
		    int64_t *upload_r)
{
	char body[2048];
	int n = snprintf(body, sizeof(body),
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"csrf\"\r\n\r\n%s\r\n"
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"mode\"\r\n\r\n%s\r\n"
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"file\"; filename=\"%s\"\r\n"
			 "Content-Type: text/csv\r\n\r\n%s\r\n--B--\r\n",
			 csrf, mode, name, csv);
	req(r, "POST", "/import/preview", NULL, cookie, accept,
	    "multipart/form-data; boundary=B", body, (size_t)n);
	const char *u = strstr(r->body, "name=\"upload\" value=\"");
	*upload_r = u ? strtoll(u + 21, NULL, 10) : 0;
}

/* POST a CSV of accounts to /accounts/import (links: reset links). */
static void accounts_import(struct resp *r, const char *cookie,
			    const char *accept, const char *csv, bool links)
{
	char body[2048];
	int n = snprintf(body, sizeof(body),
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"csrf\"\r\n\r\n%s\r\n"
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"links\"\r\n\r\n%d\r\n"
			 "--B\r\nContent-Disposition: form-data; "
			 "name=\"file\"; filename=\"a.csv\"\r\n"
			 "Content-Type: text/csv\r\n\r\n%s\r\n--B--\r\n",
			 csrf, links ? 1 : 0, csv);
	req(r, "POST", "/accounts/import", NULL, cookie, accept,
	    "multipart/form-data; boundary=B", body, (size_t)n);
}

/* A POST of body (after "csrf=...&") to path: its status must be want,
 * its page in lang (not checked for a redirect). */
static void post_page(const char *what, const char *path, const char *form,
		      int want, const char *cookie, const char *accept,
		      enum wa_lang lang)
{
	char body[1024];
	struct resp r;

	snprintf(body, sizeof(body), "csrf=%s&%s", csrf, form);
	req(&r, "POST", path, NULL, cookie, accept, NULL, body, 0);
	if (r.r.status != want)
		test_fail(__FILE__, __LINE__, "%s: status %d, want %d", what,
			  r.r.status, want);
	if (want != 303)
		check_page(what, &r, lang);
	done(&r);
}

/* A GET of path?query in lang. */
static void get_page(const char *what, const char *path, const char *query,
		     int want, const char *cookie, const char *accept,
		     enum wa_lang lang)
{
	struct resp r;

	req(&r, "GET", path, query, cookie, accept, NULL, NULL, 0);
	if (r.r.status != want)
		test_fail(__FILE__, __LINE__, "%s: status %d, want %d", what,
			  r.r.status, want);
	check_page(what, &r, lang);
	done(&r);
}

/* The directory view, unit and bulk actions, the accounts pages and a
 * reset link used on /reset, in lang. */
static void directory_and_accounts(enum wa_lang lang, const char *cookie,
				   const char *anon, const char *accept)
{
	char q[256], csv[256];
	struct resp r;

	run++;
	get_page("directory", "/units", NULL, 200, cookie, accept, lang);
	get_page("directory, sorted", "/units", "sort=title&desc=1", 200,
		 cookie, accept, lang);
	get_page("directory, past the last page", "/units", "page=9", 200,
		 cookie, accept, lang);
	snprintf(q, sizeof(q), "id=%lld", (long long)sales);
	get_page("a unit with a sub-unit", "/units", q, 200, cookie, accept,
		 lang);
	snprintf(q, sizeof(q), "id=%lld&direct=1&done=unit-renamed",
		 (long long)east);
	get_page("a unit, directly here", "/units", q, 200, cookie, accept,
		 lang);
	get_page("no such unit", "/units", "id=999999", 404, cookie, accept,
		 lang);
	get_page("search by name", "/units", "q=Lee", 200, cookie, accept,
		 lang);
	get_page("search by phone", "/units", "q=13900000", 200, cookie, accept,
		 lang);
	get_page("search, no match", "/search", "q=9999999", 200, cookie,
		 accept, lang);
	get_page("moved one", "/units", "done=bulk-moved&n=1", 200, cookie,
		 accept, lang);
	get_page("hid two", "/units", "done=bulk-hidden&n=2", 200, cookie,
		 accept, lang);
	get_page("unhid one", "/units", "done=bulk-unhidden&n=1", 200, cookie,
		 accept, lang);
	get_page("deleted three", "/units", "done=bulk-deleted&n=3", 200,
		 cookie, accept, lang);

	post_page("bulk, no action", "/people/bulk", "uid=i18n-p01", 400,
		  cookie, accept, lang);
	post_page("bulk, nobody checked", "/people/bulk", "action=hide", 422,
		  cookie, accept, lang);
	post_page("bulk move, no such unit", "/people/bulk",
		  "action=move&unit=999999&uid=i18n-p01", 404, cookie, accept,
		  lang);
	post_page("bulk export, one gone", "/people/bulk",
		  "action=export&uid=i18n-gone", 404, cookie, accept, lang);
	post_page("bulk delete, the confirmation", "/people/bulk",
		  "action=delete&uid=i18n-p01&uid=i18n-p02&uid=i18n-gone", 200,
		  cookie, accept, lang);
	post_page("bulk delete, one person", "/people/bulk",
		  "action=delete&uid=i18n-p03", 200, cookie, accept, lang);
	post_page("bulk delete, past the guard", "/people/bulk",
		  "action=delete&uid=i18n-p01&uid=i18n-p02&uid=i18n-p03&"
		  "uid=i18n-p04&uid=i18n-p05&uid=i18n-p06&uid=i18n-p07&"
		  "uid=i18n-p08&uid=i18n-p09&uid=i18n-p10&uid=i18n-p11&"
		  "uid=i18n-p12&confirm=1",
		  409, cookie, accept, lang);
	get_page("a hidden person", "/units", "q=13900000055", 200, cookie,
		 accept, lang);
	post_page("unit without a name", "/unit/add", "parent=0", 400, cookie,
		  accept, lang);
	post_page("unit name taken", "/unit/add", "parent=0&name=Sales", 409,
		  cookie, accept, lang);
	post_page("bad unit name", "/unit/add", "parent=0&name=..", 422, cookie,
		  accept, lang);
	snprintf(q, sizeof(q), "id=%lld", (long long)sales);
	post_page("unit not empty", "/unit/delete", q, 409, cookie, accept,
		  lang);
	post_page("rename, no such unit", "/unit/rename", "id=999999&name=x",
		  404, cookie, accept, lang);
	post_page("move, no unit given", "/unit/move", "parent=0", 400, cookie,
		  accept, lang);
	snprintf(q, sizeof(q), "id=%lld&parent=%lld", (long long)sales,
		 (long long)east);
	post_page("move into its own subtree", "/unit/move", q, 422, cookie,
		  accept, lang);

	get_page("accounts", "/accounts", "done=account-linked", 200, cookie,
		 accept, lang);
	get_page("accounts, by last sign-in", "/accounts",
		 "sort=last-login&desc=1", 200, cookie, accept, lang);
	get_page("accounts, past the last page", "/accounts", "page=9", 200,
		 cookie, accept, lang);
	get_page("accounts, no match", "/accounts", "q=9999", 200, cookie,
		 accept, lang);
	post_page("account without a password", "/account/add", "login=3@acme",
		  400, cookie, accept, lang);
	post_page("account login taken", "/account/add",
		  "login=boss@acme&password=12345678&role=user", 409, cookie,
		  accept, lang);
	post_page("account password too short", "/account/add",
		  "login=3@acme&password=short", 422, cookie, accept, lang);
	snprintf(q, sizeof(q), "id=%lld&uid=i18n-nobody", (long long)disabled);
	post_page("link, no such person", "/account/link", q, 422, cookie,
		  accept, lang);
	snprintf(q, sizeof(q), "id=%lld&uid=i18n-p01", (long long)disabled);
	post_page("link, person taken", "/account/link", q, 409, cookie, accept,
		  lang);
	snprintf(q, sizeof(q), "id=%lld", (long long)disabled);
	post_page("link, no uid", "/account/link", q, 400, cookie, accept,
		  lang);
	post_page("reset link of a disabled account", "/account/reset-link", q,
		  422, cookie, accept, lang);
	snprintf(q, sizeof(q), "id=%lld&disabled=1", (long long)boss);
	post_page("disable oneself", "/account/disable", q, 409, cookie, accept,
		  lang);
	post_page("password, none given", "/account/password", "id=1", 400,
		  cookie, accept, lang);
	post_page("password, no such account", "/account/password",
		  "id=999999&password=long-enough", 404, cookie, accept, lang);

	accounts_import(&r, cookie, accept, "", false);
	test_assert_int(r.r.status, 400);
	check_page("accounts import, no file", &r, lang);
	done(&r);
	accounts_import(&r, cookie, accept, "login,role\r\nboss@acme,user\r\n",
			false);
	test_assert_int(r.r.status, 422);
	check_page("accounts import, login taken", &r, lang);
	done(&r);
	accounts_import(&r, cookie, accept,
			"login,role,uid\r\n5@acme,user,i18n-nobody\r\n", false);
	test_assert_int(r.r.status, 422);
	check_page("accounts import, no such person", &r, lang);
	done(&r);
	accounts_import(&r, cookie, accept, "login,role,group\r\n", false);
	test_assert_int(r.r.status, 422);
	check_page("accounts import, unknown column", &r, lang);
	done(&r);
	snprintf(csv, sizeof(csv), "login,role\r\n%d1@acme,user\r\n", run);
	accounts_import(&r, cookie, accept, csv, true);
	test_assert_int(r.r.status, 200);
	check_page("accounts import, reset links", &r, lang);
	done(&r);
	snprintf(csv, sizeof(csv), "login,role\r\n%d2@acme,admin\r\n", run);
	accounts_import(&r, cookie, accept, csv, false);
	test_assert_int(r.r.status, 200);
	check_page("accounts import, passwords", &r, lang);
	done(&r);

	/* a reset link, used on /reset without a session */
	char tok[DSTORE_RESET_TOKEN_MAX + 1] = "";
	snprintf(q, sizeof(q), "csrf=%s&id=%lld", csrf, (long long)linked);
	req(&r, "POST", "/account/reset-link", NULL, cookie, accept, NULL, q,
	    0);
	test_assert_int(r.r.status, 200);
	check_page("reset link", &r, lang);
	const char *t = strstr(r.body, "/reset?token=");
	if (t != NULL)
		snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(t + 13, "<"),
			 t + 13);
	done(&r);
	test_assert(tok[0] != '\0');
	snprintf(q, sizeof(q), "token=%s", tok);
	get_page("reset form", "/reset", q, 200, anon, accept, lang);
	char body[512];
	snprintf(body, sizeof(body),
		 "token=%s&password=new-password-1&password2=other", tok);
	req(&r, "POST", "/reset", NULL, anon, accept, NULL, body, 0);
	test_assert_int(r.r.status, 422);
	check_page("reset, passwords differ", &r, lang);
	done(&r);
	snprintf(body, sizeof(body), "token=%s&password=short&password2=short",
		 tok);
	req(&r, "POST", "/reset", NULL, anon, accept, NULL, body, 0);
	test_assert_int(r.r.status, 422);
	check_page("reset, password too short", &r, lang);
	done(&r);
	snprintf(body, sizeof(body),
		 "token=%s&password=new-password-1&password2=new-password-1",
		 tok);
	req(&r, "POST", "/reset", NULL, anon, accept, NULL, body, 0);
	test_assert_int(r.r.status, 200);
	check_page("reset, password set", &r, lang);
	done(&r);
	req(&r, "POST", "/reset", NULL, anon, accept, NULL, body, 0);
	test_assert_int(r.r.status, 404);
	check_page("reset, link used up", &r, lang);
	done(&r);
}

enum how {
	BY_COOKIE, /* the cookie, against an Accept-Language of the other */
	BY_ACCEPT, /* Accept-Language alone */
	BY_NOTHING /* neither: English */
};

/* Every page of this change, in lang, chosen how. */
static void all_pages(enum wa_lang lang, enum how how)
{
	char cookie[256], lang_only[32], body[512];
	const char *accept = NULL, *anon = NULL;
	struct resp r;
	int64_t up = 0;

	snprintf(lang_only, sizeof(lang_only), "ob_lang=%s",
		 wa_lang_code(lang));
	if (how == BY_COOKIE) {
		snprintf(cookie, sizeof(cookie), "%s; %s", lang_only, session);
		accept = lang == WA_LANG_ZH ? "en-US,en;q=0.9" : "zh-CN";
		anon = lang_only;
	} else {
		snprintf(cookie, sizeof(cookie), "%s; ob_tz=480", session);
		if (how == BY_ACCEPT)
			accept = lang == WA_LANG_ZH ? "zh-CN,zh;q=0.9,en;q=0.8"
						    : "en-GB,en;q=0.9,zh;q=0.1";
	}

	req(&r, "GET", "/login", NULL, anon, accept, NULL, NULL, 0);
	test_assert_int(r.r.status, 200);
	check_page("sign-in page", &r, lang);
	done(&r);
	req(&r, "POST", "/login", NULL, anon, accept, NULL,
	    "login=boss@acme&password=wrong", 0);
	test_assert_int(r.r.status, 401);
	check_page("wrong password", &r, lang);
	done(&r);
	req(&r, "POST", "/login", NULL, anon, accept, NULL, "login=", 0);
	test_assert_int(r.r.status, 400);
	check_page("no password", &r, lang);
	done(&r);

	req(&r, "GET", "/import", NULL, cookie, accept, NULL, NULL, 0);
	check_page("import page", &r, lang);
	done(&r);
	preview(&r, cookie, accept, "bad.csv", bad_csv, "merge", &up);
	test_assert_int(r.r.status, 422);
	check_page("import preview, bad rows", &r, lang);
	done(&r);
	preview(&r, cookie, accept, "people.csv", good_csv, "merge", &up);
	test_assert_int(r.r.status, 200);
	test_assert(up > 0);
	check_page("import preview", &r, lang);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&upload=%lld", csrf,
		 (long long)up);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 200);
	check_page("import applied", &r, lang);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 410);
	check_page("import preview expired", &r, lang);
	done(&r);
	req(&r, "GET", "/import", NULL, cookie, accept, NULL, NULL, 0);
	check_page("import page with its last import", &r, lang);
	const char *u = strstr(r.body, "name=\"undo\" value=\"");
	test_assert(u != NULL);
	snprintf(body, sizeof(body), "csrf=%s&undo=%lld", csrf,
		 u ? strtoll(u + 19, NULL, 10) : 0LL);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 200);
	check_page("import undone", &r, lang);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 409);
	check_page("import not undone", &r, lang);
	done(&r);
	req(&r, "GET", "/import", NULL, cookie, accept, NULL, NULL, 0);
	check_page("import page after the undo", &r, lang);
	done(&r);

	req(&r, "GET", "/export", NULL, cookie, accept, NULL, NULL, 0);
	check_page("export page", &r, lang);
	done(&r);
	req(&r, "GET", "/export/file", "format=x", cookie, accept, NULL, NULL,
	    0);
	test_assert_int(r.r.status, 400);
	check_page("export, bad format", &r, lang);
	done(&r);
	req(&r, "GET", "/export/file", "unit=999", cookie, accept, NULL, NULL,
	    0);
	test_assert_int(r.r.status, 404);
	check_page("export, no such unit", &r, lang);
	done(&r);
	req(&r, "GET", "/audit", NULL, cookie, accept, NULL, NULL, 0);
	check_page("audit log", &r, lang);
	done(&r);

	req(&r, "GET", "/devices", NULL, cookie, accept, NULL, NULL, 0);
	test_assert(strstr(r.body, "Test phone") != NULL);
	check_page("devices", &r, lang);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&account=%lld&device=phone-1",
		 csrf, (long long)boss);
	req(&r, "POST", "/device/slow", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 303);
	done(&r);
	req(&r, "GET", "/devices", "done=slow", cookie, accept, NULL, NULL, 0);
	check_page("devices, slow sync asked", &r, lang);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	req(&r, "POST", "/device/slow", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 400);
	check_page("device slow, none given", &r, lang);
	done(&r);

	req(&r, "GET", "/nope", NULL, cookie, accept, NULL, NULL, 0);
	test_assert_int(r.r.status, 404);
	check_page("no such page", &r, lang);
	done(&r);
	req(&r, "PUT", "/import", NULL, cookie, accept, NULL, NULL, 0);
	test_assert_int(r.r.status, 405);
	check_page("method not allowed", &r, lang);
	done(&r);
	req(&r, "POST", "/import", NULL, cookie, accept, NULL, body, 0);
	test_assert_int(r.r.status, 405);
	check_page("use GET", &r, lang);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL,
	    "csrf=stale", 0);
	test_assert_int(r.r.status, 403);
	check_page("stale form token", &r, lang);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, cookie, accept, NULL, "csrf=%zz",
	    0);
	test_assert_int(r.r.status, 400);
	check_page("malformed form", &r, lang);
	done(&r);
	req(&r, "POST", "/import/apply", NULL, anon, accept, NULL, body, 0);
	test_assert_int(r.r.status, 403);
	check_page("session ended", &r, lang);
	done(&r);

	directory_and_accounts(lang, cookie, anon, accept);
}

/* The person page (pages-person.c) in lang, by cookie: the new-person
 * form, a save, the form of a person with phones, a refused save (more
 * phones than the store keeps: the field's error), a row added, the
 * delete confirmation. */
static void person_pages(enum wa_lang lang)
{
	char cookie[256], body[4096];
	struct resp r;
	size_t n;

	snprintf(cookie, sizeof(cookie), "ob_lang=%s; %s", wa_lang_code(lang),
		 session);
	req(&r, "GET", "/person/new", NULL, cookie, NULL, NULL, NULL, 0);
	test_assert_int(r.r.status, 200);
	check_page("new person form", &r, lang);
	done(&r);
	snprintf(body, sizeof(body),
		 "csrf=%s&new=1&uid=900%d&family_name=Lee&given_name=Ann"
		 "&title=Engineer&phone_type[0]=cell&phone[0]=%%2B86+138+0000+"
		 "0001"
		 "&phone_type[1]=work&phone[1]=%%2B86+10+6552+0000"
		 "&email[0]=ann%%40example.com",
		 csrf, (int)lang);
	req(&r, "POST", "/person/save", NULL, cookie, NULL, NULL, body, 0);
	test_assert_int(r.r.status, 303);
	done(&r);
	char q[64];
	snprintf(q, sizeof(q), "uid=900%d&done=saved", (int)lang);
	req(&r, "GET", "/person", q, cookie, NULL, NULL, NULL, 0);
	test_assert_int(r.r.status, 200);
	check_page("person form", &r, lang);
	done(&r);
	n = (size_t)snprintf(
		body, sizeof(body),
		"csrf=%s&uid=900%d&family_name=Lee&display_name=Ann+Lee", csrf,
		(int)lang);
	for (int i = 0; i <= DSTORE_MULTI_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "&phone_type[%d]=work&phone[%d]=10%06d",
				      i, i, i);
	req(&r, "POST", "/person/save", NULL, cookie, NULL, NULL, body, 0);
	test_assert_int(r.r.status, 422);
	check_page("person form, too many phones", &r, lang);
	done(&r);
	snprintf(body, sizeof(body),
		 "csrf=%s&uid=900%d&family_name=Lee&display_name=Ann+Lee&"
		 "add=email",
		 csrf, (int)lang);
	req(&r, "POST", "/person/save", NULL, cookie, NULL, NULL, body, 0);
	test_assert_int(r.r.status, 200);
	check_page("person form, a row added", &r, lang);
	done(&r);
	snprintf(body, sizeof(body), "csrf=%s&uid=900%d", csrf, (int)lang);
	req(&r, "POST", "/person/delete", NULL, cookie, NULL, NULL, body, 0);
	test_assert_int(r.r.status, 200);
	check_page("delete a person?", &r, lang);
	done(&r);
	req(&r, "GET", "/person", "uid=nobody", cookie, NULL, NULL, NULL, 0);
	test_assert_int(r.r.status, 404);
	check_page("no such person", &r, lang);
	done(&r);
}

static void test_person_pages(void)
{
	unsigned long misses = wa_tr_misses();

	test_begin("the person page in Chinese and in English: the form, its "
		   "rows, a refused save, the delete confirmation");
	person_pages(WA_LANG_ZH);
	test_assert_int(wa_tr_misses() - misses, 0);
	person_pages(WA_LANG_EN);
	test_end();
}

static void test_pages_zh(void)
{
	unsigned long misses = wa_tr_misses();

	test_begin("every page of the layout, sign-in, errors, import, "
		   "export, audit log, devices, directory, accounts and /reset "
		   "in Chinese: no English word but data and names, no "
		   "catalogue miss");
	all_pages(WA_LANG_ZH, BY_COOKIE);
	all_pages(WA_LANG_ZH, BY_ACCEPT);
	test_assert_int(wa_tr_misses() - misses, 0);
	test_end();
}

static void test_pages_en(void)
{
	test_begin("the same pages in English (cookie, Accept-Language, or "
		   "neither): no Chinese but the language switch");
	all_pages(WA_LANG_EN, BY_COOKIE);
	all_pages(WA_LANG_EN, BY_ACCEPT);
	all_pages(WA_LANG_EN, BY_NOTHING);
	test_end();
}

static void test_switch(void)
{
	struct resp r;
	char cookie[256];

	test_begin("the switch: remembered in a cookie for a year, back to the "
		   "page it came from, never to another site");
	snprintf(cookie, sizeof(cookie), "%s", session);
	req(&r, "GET", "/audit", "before=5", cookie, NULL, NULL, NULL, 0);
	test_assert(strstr(r.body, "href=\"/lang?to=zh&amp;back=%2Faudit%3F"
				   "before%3D5\"") != NULL);
	test_assert(strstr(r.body, "<span lang=\"en\" aria-current=\"true\">"
				   "English</span>") != NULL);
	done(&r);
	req(&r, "GET", "/lang", "to=zh&back=/audit?before=5", NULL, NULL, NULL,
	    NULL, 0);
	test_assert_int(r.r.status, 303);
	test_assert_str(r.r.location, "/audit?before=5");
	test_assert_str(r.r.set_cookie, "ob_lang=zh; Path=/; Max-Age=31536000; "
					"SameSite=Lax");
	done(&r);
	static const char *const away[] = {
		"back=//evil.example/",
		"back=/\\evil",
		"back=https://evil",
		"back=/a%0d%0aSet-Cookie:x",
		"back=/a b",
		"back=",
	};
	for (size_t i = 0; i < sizeof(away) / sizeof(away[0]); i++) {
		char q[128];
		snprintf(q, sizeof(q), "to=en&%s", away[i]);
		req(&r, "GET", "/lang", q, NULL, NULL, NULL, NULL, 0);
		test_assert_int(r.r.status, 303);
		test_assert_str(r.r.location, "/units");
		done(&r);
	}
	req(&r, "GET", "/lang", "to=fr", NULL, "zh", NULL, NULL, 0);
	test_assert_int(r.r.status, 400);
	test_assert(strstr(r.body, "未知的语言。") != NULL);
	test_assert(r.r.set_cookie[0] == '\0');
	done(&r);
	req(&r, "POST", "/lang", NULL, NULL, NULL, NULL, "to=zh", 0);
	test_assert_int(r.r.status, 405);
	done(&r);
	/* a query too long to come back to is left out whole */
	{
		char q[700];
		memcpy(q, "before=", 7);
		memset(q + 7, '9', sizeof(q) - 8);
		q[sizeof(q) - 1] = '\0';
		req(&r, "GET", "/audit", q, session, NULL, NULL, NULL, 0);
		test_assert(strstr(r.body, "back=%2Faudit\"") != NULL);
		done(&r);
	}
	/* a POST answer's switch goes back to its section's page */
	snprintf(cookie, sizeof(cookie), "ob_lang=zh; %s", session);
	req(&r, "POST", "/import/apply", NULL, cookie, NULL, NULL, "csrf=stale",
	    0);
	test_assert(strstr(r.body, "back=%2Funits\"") != NULL);
	done(&r);
	/* secure deployments: a __Host- cookie */
	cfg.secure_cookie = true;
	req(&r, "GET", "/lang", "to=zh&back=/login", NULL, NULL, NULL, NULL, 0);
	test_assert_str(r.r.set_cookie, "__Host-ob_lang=zh; Path=/; "
					"Max-Age=31536000; SameSite=Lax; "
					"Secure");
	done(&r);
	req(&r, "GET", "/login", NULL, "__Host-ob_lang=zh", NULL, NULL, NULL,
	    0);
	test_assert(strstr(r.body, "<html lang=\"zh-CN\">") != NULL);
	done(&r);
	cfg.secure_cookie = false;
	test_end();
}

/* "2026-12-02?16:40" at p into *tm; false when it is not that shape. */
static bool parse_minute(const char *p, struct tm *tm)
{
	int v[5] = {0};
	static const int at[5] = {0, 5, 8, 11, 14}, len[5] = {4, 2, 2, 2, 2};

	for (int i = 0; i < 5; i++)
		for (int k = 0; k < len[i]; k++) {
			char ch = p[at[i] + k];
			if (ch < '0' || ch > '9')
				return false;
			v[i] = v[i] * 10 + (ch - '0');
		}
	*tm = (struct tm){.tm_year = v[0] - 1900,
			  .tm_mon = v[1] - 1,
			  .tm_mday = v[2],
			  .tm_hour = v[3],
			  .tm_min = v[4]};
	return true;
}

/* The first <time> of a page: its shown time minus its UTC datetime in
 * minutes, after checking the tooltip is that UTC time; -9999 when
 * malformed. */
static int time_offset(const char *html)
{
	const char *t = strstr(html, "<time datetime=\"");
	struct tm u, l;
	char title[40];

	if (t == NULL || strlen(t) < 96)
		return -9999;
	t += 16;
	if (!parse_minute(t, &u))
		return -9999;
	snprintf(title, sizeof(title), "title=\"%.10s %.5s UTC\">", t, t + 11);
	t = strstr(t, title);
	if (t == NULL || !parse_minute(t + strlen(title), &l))
		return -9999;
	return (int)((timegm(&l) - timegm(&u)) / 60);
}

static void test_times_on_pages(void)
{
	struct resp r;
	char cookie[256];

	test_begin(
		"the audit log's times: the browser's offset, UTC in the "
		"tooltip; UTC labelled without the cookie or with a bad one");
	snprintf(cookie, sizeof(cookie), "ob_tz=480; %s", session);
	req(&r, "GET", "/audit", NULL, cookie, NULL, NULL, NULL, 0);
	test_assert_int(time_offset(r.body), 480);
	done(&r);
	snprintf(cookie, sizeof(cookie), "ob_tz=-570; %s", session);
	req(&r, "GET", "/devices", NULL, cookie, NULL, NULL, NULL, 0);
	test_assert_int(time_offset(r.body), -570);
	test_assert(strstr(r.body, "2026-12-02 07:10 UTC-09:30</time>") !=
		    NULL); /* the device's last sync, at now */
	done(&r);
	snprintf(cookie, sizeof(cookie), "ob_tz=99999; %s", session);
	req(&r, "GET", "/audit", NULL, cookie, NULL, NULL, NULL, 0);
	test_assert_int(time_offset(r.body), 0);
	test_assert(strstr(r.body, " UTC</time>") != NULL);
	done(&r);
	test_end();
}

int main(void)
{
	test_accept_language();
	test_cookies();
	test_patterns();
	test_diff_zh();
	test_times();
	setup();
	test_pages_zh();
	test_pages_en();
	test_person_pages();
	test_switch();
	test_times_on_pages();
	dstore_close(&store);
	return test_done();
}
